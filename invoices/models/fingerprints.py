"""What is left of a received document once it is deleted or purged: just enough to know the
same invoice again. Bookkeeping software usually downloads and then deletes, so without it a
supplier's resend would land as new and be booked twice."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoices.models.documents import Direction, Document, DocumentType, Status
from onboarding.models import Organization

# What `ReceivedFingerprint.remember` reads of a document, so the UBL stays unread.
REMEMBERED_FIELDS = ("organization", "direction", "status", "supplier_id", "number",
                     "issue_date", "document_type", "created_at")


class ReceivedFingerprintQuerySet(models.QuerySet):
    def same_invoice(self, organization_id, supplier_id, number, issue_date, document_type):
        """What Document.objects.same_invoice matches, among forgotten documents."""
        return self.filter(organization_id=organization_id, supplier_id=supplier_id,
                           number=number, issue_date=issue_date, document_type=document_type)

    def expired(self, now=None):
        """Kept DOCUMENT_FINGERPRINT_DAYS after the document was forgotten."""
        return self.filter(forgotten_at__lte=expiry_cutoff(now))

    def current(self, now=None):
        # The purge runs hourly; one that has not yet run never makes an expired one count.
        return self.filter(forgotten_at__gt=expiry_cutoff(now))


def expiry_cutoff(now=None):
    return (now or timezone.now()) - timedelta(days=settings.DOCUMENT_FINGERPRINT_DAYS)


class ReceivedFingerprint(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="received_fingerprints",
                                     verbose_name=_("organization"))
    supplier_id = models.CharField(_("supplier identifier"), max_length=140, blank=True)
    number = models.CharField(_("number"), max_length=200, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    document_type = models.CharField(_("type"), max_length=12, choices=DocumentType.choices,
                                     blank=True)
    received_at = models.DateTimeField(_("received"))
    forgotten_at = models.DateTimeField(_("forgotten"), default=timezone.now)

    objects = ReceivedFingerprintQuerySet.as_manager()

    class Meta:
        verbose_name = _("received document fingerprint")
        verbose_name_plural = _("received document fingerprints")
        indexes = [
            # The duplicate check on arrival, beside the one on the documents themselves.
            models.Index(fields=["organization", "supplier_id", "number", "issue_date"],
                         name="fingerprint_duplicate_key"),
            models.Index(fields=["forgotten_at"], name="fingerprint_forgotten"),
        ]

    def __str__(self):
        return self.number or str(self.pk)

    @classmethod
    def remember(cls, documents, now=None) -> int:
        """Fingerprints of received `documents` that are about to be deleted; call in the
        transaction that deletes them, with them locked. A rejected one is never a reason to
        hold a resend (the duplicate check passes over it), and a held duplicate of a document
        or fingerprint that stays says nothing more. Returns how many were written."""
        now = now or timezone.now()
        going = {document.pk for document in documents}
        remembered = set()
        fingerprints = []
        for document in sorted(documents, key=lambda document: document.pk):
            if document.direction != Direction.INCOMING or document.status == Status.REJECTED:
                continue
            key = (document.organization_id, document.supplier_id, document.number,
                   document.issue_date, document.document_type)
            if key in remembered or (document.status == Status.DUPLICATE
                                     and cls._still_known(key, going, now)):
                continue
            remembered.add(key)
            fingerprints.append(cls(
                organization_id=document.organization_id, supplier_id=document.supplier_id,
                number=document.number, issue_date=document.issue_date,
                document_type=document.document_type, received_at=document.created_at,
                forgotten_at=now))
        cls.objects.bulk_create(fingerprints)
        return len(fingerprints)

    @classmethod
    def _still_known(cls, key, going, now) -> bool:
        return (Document.objects.same_invoice(*key).exclude(status=Status.REJECTED)
                .exclude(pk__in=going).exists()
                or cls.objects.same_invoice(*key).current(now).exists())

    @classmethod
    def purge_expired(cls, now=None, batch: int = 1000) -> int:
        """Delete the fingerprints past DOCUMENT_FINGERPRINT_DAYS, in batches; how many."""
        purged = 0
        while True:
            pks = list(cls.objects.expired(now).order_by("forgotten_at", "pk")
                       .values_list("pk", flat=True)[:batch])
            if not pks:
                return purged
            purged += cls.objects.filter(pk__in=pks).delete()[0]
