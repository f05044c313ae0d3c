"""The incoming half that every transport shares: a document arrives for an organization on
the platform, is checked against earlier arrivals for duplicates and lands in its inbox."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from invoices import notifications
from invoices.models import Direction, Document, Status
from onboarding.models import Organization
from portal.mail import portal_link
from portal.said import Said

SAME_AS_EARLIER = gettext_noop("Same supplier, number and issue date as a document received "
                               "earlier.")
POSSIBLE_DUPLICATE = gettext_noop("Possible duplicate: not offered for download until it is "
                                  "marked as original.")


def store_incoming(receiver: Organization, content: bytes, *, channel: str, actor_label: str,
                   fields: dict) -> Document:
    """Store `content` in `receiver`'s inbox, as Duplicate when an earlier document of the
    same type has the same supplier, number and issue date; call inside a transaction."""
    # The receiver's row serializes arrivals, so two copies arriving at once still meet
    # the duplicate check one after the other. A lock without the key: rows that only
    # refer to the organization (its own documents being sent) are not held up.
    Organization.objects.select_for_update(no_key=True).filter(pk=receiver.pk).values_list(
        "pk", flat=True).first()
    duplicate_of = (Document.objects.same_invoice(receiver.pk, fields.get("supplier_id", ""),
                                                  fields.get("number", ""),
                                                  fields.get("issue_date"),
                                                  fields.get("document_type", ""))
                    .exclude(status=Status.REJECTED).order_by("id").only("pk").first())
    incoming = Document.store(
        organization=receiver, direction=Direction.INCOMING,
        status=Status.DUPLICATE if duplicate_of else Status.RECEIVED,
        content=content, channel=channel, actor_label=actor_label,
        detail=Said(SAME_AS_EARLIER) if duplicate_of else "",
        status_reason=Said(POSSIBLE_DUPLICATE) if duplicate_of else "",
        **fields)
    if duplicate_of:
        incoming_pk = incoming.pk
        transaction.on_commit(lambda: notify_duplicate(incoming_pk))
    return incoming


def notify_duplicate(document_pk: int) -> None:
    document = Document.objects.select_related("organization").get(pk=document_pk)
    notifications.send("duplicate_received", document.organization.administrators(),
                       {"document": document, "organization": document.organization,
                        "url": portal_link(document.get_absolute_url())})
