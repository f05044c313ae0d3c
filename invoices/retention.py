"""Received documents are kept 90 days, or 7 days after the receiver's software downloaded
them; outgoing ones as long as their organization exists (they go with it). A received one
leaves a fingerprint behind (ReceivedFingerprint), kept DOCUMENT_FINGERPRINT_DAYS, so that the
same invoice sent again is still held as a possible duplicate."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from invoices.models import Document, ReceivedFingerprint
from invoices.models.fingerprints import REMEMBERED_FIELDS

BATCH = 1000


def purge_due(now=None, batch: int = BATCH) -> int:
    """Delete the received documents whose time is up, in batches, and the fingerprints past
    theirs; returns how many documents."""
    now = now or timezone.now()
    purged = 0
    while True:
        pks = list(Document.objects.due_for_purge(now).order_by("keep_until", "pk")
                   .values_list("pk", flat=True)[:batch])
        if not pks:
            break
        with transaction.atomic():
            # Locked, so a document its receiver deletes meanwhile is remembered once.
            going = list(Document.objects.select_for_update().filter(pk__in=pks)
                         .only(*REMEMBERED_FIELDS))
            ReceivedFingerprint.remember(going, now)
            deleted, per_model = Document.objects.filter(
                pk__in=[document.pk for document in going]).delete()
        purged += per_model.get("invoices.Document", 0)
    ReceivedFingerprint.purge_expired(now, batch)
    return purged
