"""Delivery inside the platform: the receiver is an organization here."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from invoices.models import Channel, Document, Status
from invoices.peppol import xmlsafe
from invoices.peppol.ubl import read_facts
from invoices.transport.base import ROUTING_ACTOR, Transport
from invoices.transport.receiving import store_incoming

COPIED_FIELDS = ("document_type", "sender_scheme", "sender_value", "receiver_scheme",
                 "receiver_value", "supplier_id", "number", "issue_date", "currency",
                 "payable_amount", "buyer_reference", "validation", "rules", "rules_release",
                 "delivery_id")


class PlatformTransport(Transport):
    def __init__(self, receiver):
        self.receiver = receiver

    def deliver(self, document) -> str:
        with transaction.atomic():
            outgoing = Document.objects.select_for_update().get(pk=document.pk)
            if outgoing.status != Status.QUEUED:
                return outgoing.status
            store_incoming(
                self.receiver, bytes(outgoing.content), channel=Channel.PLATFORM,
                actor_label=ROUTING_ACTOR,
                fields={**{name: getattr(outgoing, name) for name in COPIED_FIELDS},
                        "counterparty_name": _supplier_name(outgoing), "source": outgoing})
            outgoing.mark_delivered(None, gettext("Delivered inside the platform to "
                                                  "%(name)s.") % {"name": self.receiver.name},
                                    actor_label=ROUTING_ACTOR)
        return Status.DELIVERED


def _supplier_name(outgoing: Document) -> str:
    from invoices.submission import max_bytes

    facts = read_facts(xmlsafe.parse_xml(bytes(outgoing.content), max_bytes()))
    return (facts.supplier_name or outgoing.organization.name)[:200]
