"""Customers that could receive Peppol invoices and no longer can: what the administrators of
the sending organization are told, on the dashboard and in a daily email."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onboarding.models import Organization


class ReachabilityLossQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)

    def visible_to(self, user, environment):
        return self.filter(organization__in=Organization.objects.manageable_by(user, environment))


class ReachabilityLoss(models.Model):
    class Reason(models.TextChoices):
        UNREACHABLE = "unreachable", _("no longer on Peppol")
        NO_INVOICE = "no_invoice", _("no longer accepts invoices")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("organization"))
    card = models.ForeignKey("customers.CustomerCard", on_delete=models.CASCADE,
                             related_name="reachability_losses", verbose_name=_("customer"))
    reason = models.CharField(_("what changed"), max_length=20, choices=Reason.choices)
    noticed_at = models.DateTimeField(_("noticed"), default=timezone.now)
    # Set when the daily digest told the administrators.
    reported_at = models.DateTimeField(null=True, blank=True)
    # Set when a later lookup found the customer reachable again.
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ReachabilityLossQuerySet.as_manager()

    class Meta:
        verbose_name = _("lost Peppol reachability")
        verbose_name_plural = _("lost Peppol reachability")
        ordering = ["-noticed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["card"], condition=models.Q(resolved_at__isnull=True),
                                    name="one_open_reachability_loss_per_card"),
        ]

    def __str__(self):
        return f"{self.card} {self.get_reason_display()}"

    @classmethod
    def notice(cls, card, *, was_reachable: bool, result) -> None:
        """Record what a lookup changed about a card: lost (it could receive and now cannot)
        or regained. A lookup that got no answer changes nothing."""
        if result.error:
            return
        reachable = bool(result.registered and result.accepts_invoice)
        if reachable:
            cls.objects.filter(card=card).open().update(resolved_at=timezone.now())
            return
        if not was_reachable:
            return
        reason = cls.Reason.NO_INVOICE if result.registered else cls.Reason.UNREACHABLE
        if not cls.objects.filter(card=card).open().exists():
            cls.objects.create(organization_id=card.organization_id, card=card, reason=reason)
