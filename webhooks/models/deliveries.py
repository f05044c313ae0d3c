"""The events a webhook is told of (deliveries) and every try to tell it (attempts)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from onboarding.models import Organization
from portal.said import render, said_field
from webhooks.failures import UNEXPLAINED, Failure, answered
from webhooks.failures import status_meaning as meaning_of
from webhooks.failures import status_name as name_of
from webhooks.models.hooks import TEST_TOPIC, Webhook, retry_schedule, topic_label


class Delivery(models.Model):
    """One event for one hook, tried until it is answered with 2xx or the tries run out."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Waiting to retry")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    organization = models.ForeignKey(Organization, null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(_("topic"), max_length=40)
    # The documents API's id of the document (what /api/v1/inbox/{id} takes).
    document_id = models.BigIntegerField(null=True, blank=True)
    message = models.CharField(_("message"), max_length=500)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="hook_delivery_due")]

    def __str__(self):
        return f"{self.topic} #{self.pk}"

    @property
    def topic_label(self) -> str:
        return topic_label(self.topic)

    @property
    def is_test(self) -> bool:
        return self.topic == TEST_TOPIC

    @property
    def tries_allowed(self) -> int:
        """As events.record decides: a test event is tried once, any other event once more
        than WEBHOOKS_RETRY_SECONDS has pauses."""
        return 1 if self.is_test else len(retry_schedule()) + 1

    @property
    def tries_left(self) -> int:
        """The tries still to come; none once it was delivered or given up. One waiting is
        made whatever the settings say now; only its failure is checked against them."""
        if self.status not in (self.Status.PENDING, self.Status.RETRYING):
            return 0
        return max(self.tries_allowed - self.attempts, 1)


class FollowUp:
    """What came after a try (Attempt.follow_up), as its row on the hook's page says it."""

    DELIVERED = "delivered"
    TRIED_AGAIN = "tried_again"
    # Its delivery waits for next_attempt_at, which the sweep (tasks.deliver_due) takes.
    SCHEDULED = "scheduled"
    TRYING = "trying"
    WAITS_FOR_RESUME = "waits_for_resume"
    GAVE_UP = "gave_up"
    TRIED_ONCE = "tried_once"


class Attempt(models.Model):
    """One try of a delivery, as the receiver answered it (or why no answer came)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("try"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    answer = models.TextField(_("answer"), blank=True)
    # The technical detail, in English, for support (and `lastError` of the Hook topics).
    error = models.CharField(_("error"), max_length=500, blank=True)
    # Why it failed, for the reader: its kind, and its reason said again in their language.
    failure = models.CharField(_("why it failed"), max_length=20, choices=Failure.choices,
                               blank=True, default="")
    failure_said = said_field()
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["webhook", "-at", "-id"], name="hook_attempt_recent")]

    def __str__(self):
        return f"{self.delivery} try {self.number}"

    @property
    def reason(self) -> str:
        """Why the try failed, in the active language; empty for one that succeeded. A try
        kept from before reasons were kept says it from its status, or in general terms."""
        if self.succeeded:
            return ""
        if self.status_code and not self.failure_said:
            return str(answered(self.status_code).reason)
        return render(self.failure_said, gettext(UNEXPLAINED))

    @property
    def status_name(self) -> str:
        return name_of(self.status_code) if self.status_code else ""

    @property
    def status_meaning(self) -> str:
        """What the status the target answered means for the event; empty without one."""
        return meaning_of(self.status_code) if self.status_code else ""

    @property
    def follow_up(self) -> str:
        """What came of the delivery after this try (a FollowUp); reads its delivery and
        hook, which a list of tries selects with it."""
        delivery = self.delivery
        if self.succeeded:
            return FollowUp.DELIVERED
        if self.number < delivery.attempts or delivery.status == Delivery.Status.DELIVERED:
            return FollowUp.TRIED_AGAIN
        if delivery.status == Delivery.Status.FAILED:
            return FollowUp.TRIED_ONCE if delivery.is_test else FollowUp.GAVE_UP
        if not self.webhook.is_active:
            # events.due leaves a paused hook's deliveries until Webhook.resume.
            return FollowUp.WAITS_FOR_RESUME
        if delivery.status == Delivery.Status.RETRYING and delivery.next_attempt_at:
            return FollowUp.SCHEDULED
        return FollowUp.TRYING

    @property
    def technical_detail(self) -> str:
        """The error as the software saw it, where it says more than the reason does."""
        return "" if self.error == f"HTTP {self.status_code}" else self.error
