"""The incoming half that every transport shares: a document arrives for an organization on
the platform, is checked against earlier arrivals for duplicates and lands in its inbox."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, Subquery
from django.utils import timezone
from django.utils.translation import gettext_noop

from invoices import notifications
from invoices.models import Direction, Document, ReceivedFingerprint, Status
from onboarding.models import Organization
from portal.mail import portal_link
from portal.said import Said

SAME_AS_EARLIER = gettext_noop("Same supplier, number and issue date as a document received "
                               "earlier.")
SAME_AS_DELETED = gettext_noop("Same supplier, number and issue date as a document received on "
                               "%(date)s and since deleted.")
POSSIBLE_DUPLICATE = gettext_noop("Possible duplicate: not offered for download until it is "
                                  "marked as original.")


def store_incoming(receiver: Organization, content: bytes, *, channel: str, actor_label: str,
                   fields: dict) -> Document:
    """Store `content` in `receiver`'s inbox, as Duplicate when an earlier document of the
    same type has the same supplier, number and issue date, or had them and was deleted or
    purged since (ReceivedFingerprint); call inside a transaction."""
    # The receiver's row serializes arrivals, so two copies arriving at once still meet
    # the duplicate check one after the other. A lock without the key: rows that only
    # refer to the organization (its own documents being sent) are not held up.
    Organization.objects.select_for_update(no_key=True).filter(pk=receiver.pk).values_list(
        "pk", flat=True).first()
    key = (receiver.pk, fields.get("supplier_id", ""), fields.get("number", ""),
           fields.get("issue_date"), fields.get("document_type", ""))
    held_because = _held_because(key)
    incoming = Document.store(
        organization=receiver, direction=Direction.INCOMING,
        status=Status.DUPLICATE if held_because else Status.RECEIVED,
        content=content, channel=channel, actor_label=actor_label,
        detail=held_because or "",
        status_reason=Said(POSSIBLE_DUPLICATE) if held_because else "",
        **fields)
    if held_because:
        incoming_pk = incoming.pk
        transaction.on_commit(lambda: notify_duplicate(incoming_pk))
    return incoming


def _held_because(key) -> Said | None:
    """Why a document with this (organization, supplier, number, issue date, type) is held as
    a possible duplicate; None when it is new to its inbox."""
    earlier = Document.objects.same_invoice(*key).exclude(status=Status.REJECTED)
    forgotten = (ReceivedFingerprint.objects.same_invoice(*key).current()
                 .order_by("-received_at").values("received_at")[:1])
    # Every arrival asks both, so in one statement.
    has_earlier, forgotten_received = (
        Organization.objects.filter(pk=key[0])
        .annotate(has_earlier=Exists(earlier), forgotten_received=Subquery(forgotten))
        .values_list("has_earlier", "forgotten_received").get())
    if has_earlier:
        return Said(SAME_AS_EARLIER)
    if forgotten_received:
        return Said(SAME_AS_DELETED, date=timezone.localdate(forgotten_received))
    return None


def notify_duplicate(document_pk: int) -> None:
    document = Document.objects.select_related("organization").get(pk=document_pk)
    notifications.send("duplicate_received", document.organization.administrators(),
                       {"document": document, "organization": document.organization,
                        "url": portal_link(document.get_absolute_url())})
