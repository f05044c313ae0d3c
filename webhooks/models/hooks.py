"""Webhook subscriptions: the topics they are told of, who may see and change them, and
their secret, pause and resume.

A subscription belongs to one organization, or to an environment as a whole: then it covers
every organization the environment manages, its own and its clients' through a partnership.
Its secret signs each delivery, so the portal must be able to use it: it is stored encrypted
(onboarding.encryption, the keys of MFA_ENCRYPTION_KEY) and shown once, when it is made."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from onboarding import encryption
from onboarding.models import Environment, Organization, Partnership, Role
from onboarding.models.audit import record, record_on_organization
from portal.errors import ChangeRefused
from portal.said import Said, Shown, as_data, said_field
from portal.tasks import enqueue

if TYPE_CHECKING:
    from webhooks.models.deliveries import Delivery as Delivery

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix that makes leaked secrets recognisable
TEST_TOPIC = "HookTest"
SYSTEM_ACTOR = "system: webhooks"


class Topic(models.TextChoices):
    """The service broker's topic names, which receivers already know."""

    INVOICE_RECEIVED = "InvoiceReceived", _("Invoice received")
    INVOICE_SENT = "InvoiceSent", _("Invoice sent")
    SENDING_FAILED = "InvoiceSentError", _("Sending failed")
    SENDING_RETRIED = "InvoiceSentRetry", _("Sending retried")
    DUPLICATE = "InvoiceReceivedError", _("Duplicate received")
    # The platform's own: the receiver's processing status or rejection of a sent invoice.
    STATUS_CHANGED = "InvoiceStatusChanged", _("Status from the receiver")
    HOOK_SENT = "HookSent", _("Webhook delivery succeeded")
    HOOK_RETRIED = "HookSentRetry", _("Webhook delivery retried")
    HOOK_FAILED = "HookSentError", _("Webhook delivery failed")


# Topics about other deliveries: a delivery of one of these is never reported in turn.
HOOK_TOPICS = (Topic.HOOK_SENT, Topic.HOOK_RETRIED, Topic.HOOK_FAILED)


def topic_label(topic: str) -> str:
    if topic == TEST_TOPIC:
        return str(_("Test event"))
    return str(dict(Topic.choices).get(topic, topic))


def key_label(key) -> str:
    """Who changed a hook by machine: a connection key, or a service-broker caller."""
    if key is None:
        return ""
    return f"connection key {key.app_key}" if hasattr(key, "app_key") else key.actor_label


def retry_schedule() -> list[timedelta]:
    return [timedelta(seconds=s) for s in settings.WEBHOOKS_RETRY_SECONDS]


class WebhookQuerySet(models.QuerySet):
    def visible_to(self, user, environment):
        """Hooks of the organizations `user` may manage, and the environment's own hooks for
        its administrators."""
        return self._scoped(Organization.objects.manageable_by(user, environment), user,
                            environment)

    def manageable_by(self, user, environment):
        """Those of `visible_to` that `user` may change: as administrator of the environment
        or of the organization, or as accountant with a partnership."""
        return self._scoped(Organization.objects.configurable_by(user, environment), user,
                            environment)

    def _scoped(self, organizations, user, environment):
        own = models.Q(organization__in=organizations)
        if environment is not None and environment.has_role(user, Role.ADMINISTRATOR):
            own |= models.Q(environment=environment)
        return self.filter(own)

    def hearing_of(self, organization_id: int, environment_id: int):
        """The hooks, paused ones too, that hear of `organization`'s events: its own, its
        environment's and those of environments with a partnership on it."""
        return self.filter(
            models.Q(organization=organization_id) | models.Q(environment=environment_id)
            | models.Q(environment__partnerships__organization=organization_id,
                       environment__partnerships__ended_at__isnull=True)).distinct()

    def with_last_attempt(self):
        """Each with `last_attempt_at` and `last_attempt_succeeded`: its latest try to
        deliver, None before the first."""
        from webhooks.models.deliveries import Attempt

        latest = Attempt.objects.filter(webhook=models.OuterRef("pk")).order_by("-at", "-id")
        return self.annotate(last_attempt_at=models.Subquery(latest.values("at")[:1]),
                             last_attempt_succeeded=models.Subquery(
                                 latest.values("succeeded")[:1]))

    def with_delivery_state(self):
        """`with_last_attempt`, and `failing_since`: when the first of the failed tries
        since its last successful one was made, None while its latest try succeeded. Two
        subqueries per hook, so a list of hooks stays one query."""
        from webhooks.models.deliveries import Attempt

        last_success = (Attempt.objects.filter(webhook=models.OuterRef(models.OuterRef("pk")),
                                               succeeded=True)
                        .order_by("-at", "-id").values("at")[:1])
        streak = (Attempt.objects.filter(webhook=models.OuterRef("pk"), succeeded=False)
                  .filter(models.Q(at__gt=models.Subquery(last_success))
                          | ~models.Exists(last_success))
                  .order_by("at", "id").values("at")[:1])
        return self.with_last_attempt().annotate(failing_since=models.Subquery(streak))


class Webhook(models.Model):
    organization = models.ForeignKey(Organization, null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="webhooks",
                                     verbose_name=_("organization"))
    environment = models.ForeignKey(Environment, null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="webhooks",
                                    verbose_name=_("environment"))
    url = models.URLField(_("target URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    topics = models.JSONField(_("topics"), default=list)
    secret_encrypted = models.TextField(editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    paused_reason = models.CharField(_("why paused"), max_length=300, blank=True)
    paused_said = said_field()
    paused_reason_shown = Shown("paused_reason", "paused_said")
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # The partnership an accountant made it through; it is paused as that ends.
    partnership = models.ForeignKey(Partnership, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="webhooks",
                                    verbose_name=_("made through the partnership"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = WebhookQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organization__isnull=True) ^ models.Q(environment__isnull=True),
                name="webhook_one_owner",
                violation_error_message=_("A webhook belongs to an organization or to an "
                                          "environment.")),
        ]

    def __str__(self):
        return self.description or self.url

    @property
    def is_failing(self) -> bool:
        """Whether its latest try failed; on a hook from `with_delivery_state` only."""
        return getattr(self, "failing_since", None) is not None

    @property
    def pause_after_failures(self) -> int:
        return settings.WEBHOOKS_PAUSE_AFTER_FAILURES

    @property
    def failures_before_pause(self) -> int:
        """How many more failed tries in a row pause the hook: events.record pauses it on
        the failed try (a test event's does not count) that brings `consecutive_failures`
        to WEBHOOKS_PAUSE_AFTER_FAILURES. 0 for a paused hook."""
        if not self.is_active:
            return 0
        return max(settings.WEBHOOKS_PAUSE_AFTER_FAILURES - self.consecutive_failures, 1)

    @property
    def owner(self):
        return self.organization or self.environment

    @property
    def owner_environment(self):
        return self.organization.environment if self.organization_id else self.environment

    def topic_labels(self) -> list[str]:
        return [topic_label(topic) for topic in self.topics]

    @property
    def secret(self) -> str:
        try:
            return encryption.decrypt(self.secret_encrypted)
        except encryption.UndecryptableSecret as exc:
            raise encryption.UndecryptableSecret(
                f"The secret of webhook {self.pk} cannot be decrypted with any key in "
                "MFA_ENCRYPTION_KEY; keep old keys in the list until rotate_mfa_keys has "
                "run, or make the webhook a new secret.") from exc

    def reencrypt_secret(self) -> bool:
        """Store the secret encrypted under the first key of MFA_ENCRYPTION_KEY (for
        rotate_mfa_keys); whether it changed. The secret itself stays the same."""
        try:
            rotated = encryption.rotate(self.secret_encrypted)
        except encryption.UndecryptableSecret as exc:
            raise encryption.UndecryptableSecret(
                f"The secret of webhook {self.pk} cannot be decrypted with any key in "
                "MFA_ENCRYPTION_KEY.") from exc
        updated = Webhook.objects.filter(pk=self.pk, secret_encrypted=self.secret_encrypted
                                         ).update(secret_encrypted=rotated)
        if updated:
            self.secret_encrypted = rotated
        return bool(updated)

    # -- changes ----------------------------------------------------------------------------

    @classmethod
    def create(cls, *, by, environment, organization=None, url, topics, description="",
               key=None):
        """A new hook with a new secret; returns (hook, secret), the secret to show once.
        Without `organization` the hook is `environment`'s own, for its administrators.
        Software creates one with its connection `key` (and `by` None) for the key's
        organization."""
        through = None
        if key is not None:
            # The API's key may carry a cached stand-in for its organization.
            organization = Organization.objects.get(pk=key.organization_id)
            # A key an accountant made through a partnership makes hooks that stop with it.
            through = Partnership.objects.active().filter(
                connection_keys__pk=key.pk).first()
        elif organization is None:
            if not environment.has_role(by, Role.ADMINISTRATOR):
                raise ChangeRefused(_("Only administrators of the environment add webhooks "
                                      "for all its organizations."))
        elif not organization.configurable_by(by, environment):
            raise ChangeRefused(_("Only administrators of the organization add webhooks."))
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        with transaction.atomic():
            hook = cls.objects.create(
                organization=organization, environment=None if organization else environment,
                url=url, topics=list(topics), description=description, created_by=by,
                secret_encrypted=encryption.encrypt(secret),
                partnership=through or (Partnership.through(organization, environment)
                                        if organization is not None else None))
            hook._record(by, environment, "webhook.created",
                         after={"url": url, "topics": ", ".join(topics)},
                         actor_label=key_label(key))
        return hook, secret

    def _record(self, by, environment, action, before=None, after=None, actor_label=""):
        if by is None:
            record(environment=self.owner_environment, actor=None,
                   actor_label=actor_label or SYSTEM_ACTOR,
                   action=action, target=self, before=before, after=after)
        elif self.organization_id:
            record_on_organization(self.organization, by=by, environment=environment,
                                   action=action, target=self, before=before, after=after)
        else:
            record(environment=self.environment, actor=by, action=action, target=self,
                   before=before, after=after)

    def _locked(self) -> Webhook:
        return Webhook.objects.select_for_update().get(pk=self.pk)

    def change(self, by, environment, *, url, topics, description, key=None) -> bool:
        with transaction.atomic():
            current = self._locked()
            before = {"url": current.url, "topics": ", ".join(current.topics),
                      "description": current.description}
            after = {"url": url, "topics": ", ".join(topics), "description": description}
            if before == after:
                return False
            current.url, current.topics, current.description = url, list(topics), description
            current.save(update_fields=["url", "topics", "description"])
            current._record(by, environment, "webhook.changed", before=before, after=after,
                            actor_label=key_label(key))
        self.refresh_from_db()
        return True

    def pause(self, by, environment, reason="", key=None) -> bool:
        return self._switch(by, environment, False, "webhook.paused", reason, key)

    def resume(self, by, environment, key=None) -> bool:
        return self._switch(by, environment, True, "webhook.resumed", "", key)

    def _switch(self, by, environment, active, action, reason, key=None) -> bool:
        from webhooks.models.deliveries import Delivery

        with transaction.atomic():
            current = self._locked()
            if current.is_active == active:
                return False
            current.is_active, current.paused_reason = active, reason[:300]
            current.paused_said = as_data(reason)
            current.consecutive_failures = 0
            current.save(update_fields=["is_active", "paused_reason", "paused_said",
                                        "consecutive_failures"])
            current._record(by, environment, action,
                            after={"reason": as_data(reason) or reason} if reason else None,
                            actor_label=key_label(key))
            # What waited while the hook was paused goes out now: the sweep of due
            # deliveries runs at once.
            if active and current.deliveries.filter(status=Delivery.Status.RETRYING).update(
                    next_attempt_at=timezone.now()):
                from webhooks.tasks import deliver_due

                enqueue(deliver_due)
        self.refresh_from_db()
        return True

    @property
    def secret_version(self) -> str:
        """Which secret the hook has, without saying anything of it: what a page that asks
        for a new one carries, so that a second page does not replace a secret just shown."""
        return hashlib.sha256(self.secret_encrypted.encode()).hexdigest()[:16]

    def rotate_secret(self, by, environment, key=None, replacing: str | None = None) -> str:
        """A new secret at once; the old one signs nothing from now on. `replacing`: the
        `secret_version` the person asking saw; when another new secret was made meanwhile,
        this one is refused, so that the one just shown keeps working."""
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        with transaction.atomic():
            current = self._locked()
            if replacing is not None and replacing != current.secret_version:
                raise ChangeRefused(_("A new secret was made meanwhile, in another window or "
                                      "through the API; it is the one that signs. Nothing "
                                      "was changed."))
            current.secret_encrypted = encryption.encrypt(secret)
            current.save(update_fields=["secret_encrypted"])
            current._record(by, environment, "webhook.secret_rotated",
                            actor_label=key_label(key))
        self.refresh_from_db()
        return secret

    def delete_by(self, by, environment, key=None) -> None:
        with transaction.atomic():
            current = Webhook.objects.select_for_update().filter(pk=self.pk).first()
            if current is None:
                return
            current._record(by, environment, "webhook.deleted",
                            before={"url": current.url, "topics": ", ".join(current.topics)},
                            actor_label=key_label(key))
            current.delete()

    def send_test(self, by, organization=None) -> Delivery:
        """Queue a test event, delivered now whatever the topics and even while paused."""
        from webhooks.events import TEST_MESSAGE, queue

        organization = organization or self.organization
        with transaction.atomic():
            return queue(self, TEST_TOPIC, organization=organization, document_id=None,
                         message=TEST_MESSAGE.format(user=by.email), details={"test": True})


def pause_when_partnership_ends(sender, partnership, by, **kwargs) -> None:
    """The hooks an accountant's users made on a client's organization stop with the
    partnership: else they would go on telling the accountant's systems of the client's
    invoices, out of the accountant's sight and reach. The client's administrators see them
    paused, with the reason, and may resume them."""
    reason = Said(gettext_noop("Paused when the partnership with %(firm)s ended: one of its "
                               "users made this webhook. Resume it if it should still be "
                               "told."), firm=partnership.accountant.name)
    for hook in partnership.webhooks.filter(is_active=True):
        hook.pause(by, partnership.organization.environment, reason)
