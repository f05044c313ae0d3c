"""What proves that a document travelled over Peppol: the AS4 message id, the access point at
the other end, and the signed receipt; for a document being sent, its tries so far."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from invoices.models.documents import Document
from portal.said import Shown, said_field


class PeppolEvidence(models.Model):
    document = models.OneToOneField(Document, on_delete=models.CASCADE,
                                    related_name="peppol_evidence")
    message_id = models.CharField(_("Peppol message id"), max_length=250, blank=True)
    # For a sent document the receiving access point; for a received one the sending one.
    access_point_url = models.CharField(_("access point address"), max_length=500, blank=True)
    access_point_subject = models.CharField(_("access point certificate"), max_length=500,
                                            blank=True)
    # The signed AS4 receipt exactly as it was received (sent) or given (received).
    receipt = models.TextField(_("signed receipt"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_error_said = said_field()
    last_error_shown = Shown("last_error", "last_error_said")
    # Staff only: what went wrong technically in the last attempt (an HTTP status, an
    # exception's text, why a signal did not verify), bounded, with no secrets in it.
    last_error_detail = models.CharField(_("technical detail of the last error"),
                                         max_length=1000, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("Peppol evidence")
        verbose_name_plural = _("Peppol evidence")

    def __str__(self):
        return self.message_id or str(self.document)

    @property
    def has_receipt(self) -> bool:
        return bool(self.receipt)
