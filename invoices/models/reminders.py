"""Reminders that received invoices wait to be fetched. Invoices that nobody fetches are the
usual sign of bookkeeping software that stopped fetching, which nobody notices in a portal
that nobody opens."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoices.models.documents import Direction, Document, Status
from onboarding.models import Organization
from onboarding.models.audit import record
from portal.mail import portal_link
from portal.queries import count_of

REMINDER_ACTOR = "schedule"


def waiting_inboxes(now=None):
    """Active organizations with received invoices that wait longer than
    INBOX_REMINDER_HOURS to be fetched, the longest wait first; each with `waiting` (how
    many), `oldest` (when the first of them arrived), `last_fetched` and `last_reminded`.
    Held duplicates are not offered for fetching, so they do not wait."""
    now = now or timezone.now()
    # Each organization's received invoices are read through the index that holds them by
    # the day they came, never joined to all its other documents.
    received = Document.objects.awaiting_fetching().filter(organization=OuterRef("pk"))
    overdue = received.filter(
        created_at__lte=now - timedelta(hours=max(settings.INBOX_REMINDER_HOURS, 0)))
    first = received.order_by("created_at").values("created_at")[:1]
    fetched = Document.objects.filter(organization=OuterRef("pk"), direction=Direction.INCOMING,
                                      downloaded_at__isnull=False).order_by("-downloaded_at")
    reminded = InboxReminder.objects.filter(organization=OuterRef("pk")).order_by("-sent_at")
    return (Organization.objects.filter(Exists(overdue), status=Organization.Status.ACTIVE)
            .annotate(waiting=count_of(received, "organization"), oldest=Subquery(first),
                      last_fetched=Subquery(fetched.values("downloaded_at")[:1]),
                      last_reminded=Subquery(reminded.values("sent_at")[:1]))
            .select_related("environment").order_by("oldest", "pk"))


class InboxReminder(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="inbox_reminders",
                                     verbose_name=_("organization"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    waiting = models.PositiveIntegerField(_("invoices waiting"))
    oldest_at = models.DateTimeField(_("oldest arrived"))

    class Meta:
        verbose_name = _("inbox reminder")
        verbose_name_plural = _("inbox reminders")
        # An organization's latest reminder decides whether the next one is due.
        indexes = [models.Index(fields=["organization", "-sent_at"],
                                name="inbox_reminder_latest")]

    def __str__(self):
        return f"{self.organization} ({self.sent_at:%Y-%m-%d})"

    @classmethod
    def send_due(cls, now=None) -> int:
        """Remind each active organization whose received invoices wait too long; returns
        how many were reminded. Off while INBOX_REMINDER_HOURS is 0."""
        if settings.INBOX_REMINDER_HOURS <= 0:
            return 0
        now = now or timezone.now()
        organizations = list(waiting_inboxes(now).values_list("pk", flat=True))
        return sum(cls.send_if_due(pk, now) for pk in organizations)

    @classmethod
    def send_if_due(cls, organization_pk: int, now) -> bool:
        """Mail the organization's administrators that invoices wait, unless a reminder went
        out within INBOX_REMINDER_REPEAT_DAYS and no invoice waits from before it (a new
        wait after everything was fetched is told at once). False when nothing was sent."""
        from invoices import notifications

        with transaction.atomic():
            # Two runs at once meet here one after the other; the second sees the first's row.
            organization = (Organization.objects.select_for_update(no_key=True, of=("self",))
                            .select_related("environment").get(pk=organization_pk))
            waiting = waiting_inboxes(now).filter(pk=organization.pk).first()
            if waiting is None:
                return False
            last = waiting.last_reminded
            repeat_after = timedelta(days=settings.INBOX_REMINDER_REPEAT_DAYS)
            if last is not None and last > now - repeat_after and last >= waiting.oldest:
                return False
            inbox = reverse("invoices:inbox", args=[organization.pk])
            if not notifications.send("inbox_waiting", organization.administrators(), {
                    "organization": organization, "waiting": waiting.waiting,
                    "oldest": waiting.oldest, "last_fetched": waiting.last_fetched,
                    "repeat_days": settings.INBOX_REMINDER_REPEAT_DAYS,
                    "url": portal_link(f"{inbox}?status={Status.RECEIVED}")}):
                # Every administrator switched these reminders off: nobody was reminded.
                return False
            cls.objects.create(organization=organization, sent_at=now, waiting=waiting.waiting,
                               oldest_at=waiting.oldest)
            record(environment=organization.environment, actor=None,
                   actor_label=REMINDER_ACTOR, action="organization.inbox_reminder",
                   target=organization,
                   after={"waiting": waiting.waiting,
                          "oldest": timezone.localdate(waiting.oldest).isoformat()})
        return True
