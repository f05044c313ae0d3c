"""Received documents are kept 90 days, or 7 days after the receiver's software downloaded
them; outgoing ones as long as their organization exists (they go with it)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from invoices.models import Document

BATCH = 1000


def purge_due(now=None, batch: int = BATCH) -> int:
    """Delete the received documents whose time is up, in batches; returns how many."""
    now = now or timezone.now()
    purged = 0
    while True:
        pks = list(Document.objects.due_for_purge(now).order_by("keep_until", "pk")
                   .values_list("pk", flat=True)[:batch])
        if not pks:
            return purged
        with transaction.atomic():
            deleted, per_model = Document.objects.filter(pk__in=pks).delete()
        purged += per_model.get("invoices.Document", 0)
