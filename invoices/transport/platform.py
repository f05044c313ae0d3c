"""Delivery inside the platform: the receiver is an organization here."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from invoices.models import Channel, Document, Status
from invoices.peppol import xmlsafe
from invoices.peppol.ubl import read_facts
from invoices.transport.base import ROUTING_ACTOR, Transport
from invoices.transport.receiving import store_incoming
from portal.said import Said

COPIED_FIELDS = ("document_type", "sender_scheme", "sender_value", "receiver_scheme",
                 "receiver_value", "supplier_id", "number", "issue_date", "currency",
                 "payable_amount", "buyer_reference", "attachment_count", "validation", "rules",
                 "rules_release", "delivery_id")


class PlatformTransport(Transport):
    within_transaction = True

    def __init__(self, receiver):
        self.receiver = receiver

    def deliver(self, document, locked=None) -> str:
        # Inside the caller's transaction, no savepoint: its failure is the caller's.
        with transaction.atomic(savepoint=locked is None):
            # One lock and one read of the UBL for the copy and the status change.
            outgoing = locked or document.locked(content=True)
            if outgoing.status != Status.QUEUED:
                return outgoing.status
            content = bytes(outgoing.content)
            store_incoming(
                self.receiver, content, channel=Channel.PLATFORM, actor_label=ROUTING_ACTOR,
                fields={**{name: getattr(outgoing, name) for name in COPIED_FIELDS},
                        "counterparty_name": _supplier_name(outgoing, content),
                        "source": outgoing})
            # The sentence's full stop ends a name such as "Demo Bakery B.V." too; the name
            # is stored without it, so the message keeps its text id in every catalogue.
            outgoing.mark_delivered(None, Said(gettext_noop("Delivered inside the platform to "
                                                            "%(name)s."),
                                               name=self.receiver.name.removesuffix(".")),
                                    actor_label=ROUTING_ACTOR, locked=outgoing)
        return Status.DELIVERED


def _supplier_name(outgoing: Document, content: bytes) -> str:
    from invoices.submission import max_bytes

    facts = read_facts(xmlsafe.parse_xml(content, max_bytes()))
    return (facts.supplier_name or outgoing.organization.name)[:200]
