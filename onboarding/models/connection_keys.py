"""Connection keys: an App Key and a Secret with which an ERP package uses the native API."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext_lazy as _

from onboarding.models.audit import acting_label, record_on_organization
from onboarding.models.organizations import Organization, OrganizationPartQuerySet
from onboarding.models.partnerships import Partnership, Software
from onboarding.models.subscriptions import Contract, plan_refusal
from portal.errors import ChangeRefused
from portal.fields import acting_user

APP_KEY_PREFIX = "ppk_"
SECRET_PREFIX = "pps_"  # noqa: S105 - a prefix that makes leaked secrets recognisable
# Writes of "last used" are skipped when the previous one is this recent, so that a busy
# ERP does not turn every API call into an UPDATE; a test connection is always recorded.
LAST_USED_RESOLUTION = timedelta(seconds=60)
# How often a test connection is recorded at most: each one, to the second.
TEST_RESOLUTION = timedelta(seconds=1)

PORT_443 = _("The software reaches the platform over HTTPS, on port 443: that port must be "
             "open for outgoing connections on the server where the software is installed or "
             "hosted.")

# Sent with `pk` after a successful test connection was written for that key.
connection_tested = Signal()
# Sent with `pk` when software used that key for the first time.
connection_used = Signal()
# Sent with `pk` when software fetched that key's inbox (listed or read it) for the first time.
inbox_fetched = Signal()
# Sent with `app_key`, `reason` (an authentication Refusal's value) and `payload` (the call's
# body, when the App Key may be found only there) when a call's credentials were refused.
call_refused = Signal()


def secret_digest(secret: str) -> str:
    """HMAC-SHA-256 under a server-side key: secrets are random, so a slow hash adds nothing."""
    key = (settings.CONNECTION_KEY_HMAC_KEY or settings.SECRET_KEY).encode()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def subscription_refusal(environment, software) -> str | None:
    """Why `environment` may not have keys for `software`: see Environment.api_access_refusal."""
    return environment.api_access_refusal(software)


def key_refusal(organization, software, environment) -> ChangeRefused | None:
    """Why someone working in `environment` may not make keys for `software` for
    `organization` under its plan, and who may ask Sales for more: the environment's own
    administrators, or, for an accountant, the client's; None when the plan allows them."""
    refusal = subscription_refusal(organization.environment, software)
    if not refusal:
        return None
    if environment.pk != organization.environment_id:
        return ChangeRefused(
            _("%(reason)s The keys use the subscription of %(client)s: its administrators "
              "ask Sales for the upgrade.")
            % {"reason": refusal, "client": organization.environment.name}, field="software")
    return plan_refusal(refusal, field="software",
                        **organization.environment.api_access_upgrade(software))


@dataclass(frozen=True)
class IssuedKey:
    """A new key as its creator sees it once: the Secret is not stored anywhere."""

    key: ConnectionKey
    secret: str

    @property
    def quick_connect(self) -> str:
        by = self.key.created_by
        return quick_connect(self.key.app_key, self.secret, by.email if by else "",
                             self.key.organization.company_id)


def quick_connect(app_key: str, secret: str, email: str, company_id: str) -> str:
    """The keys as the one string that the software's Quick Connect field takes: App Key,
    Secret, the email address the software signs up with, and the Bedrijfs-ID."""
    return f"APP_KEY:{app_key};SECRET_KEY:{secret};EMAIL_ID:{email};COMPANY_ID:{company_id};"


@dataclass(frozen=True)
class Blocked:
    """Why the API refuses a key that is not revoked, as the key's pages say it: `badge` in
    place of "Active", `message` (safe HTML) the reason and the way on."""

    badge: str
    message: str


class ConnectionKeyQuerySet(OrganizationPartQuerySet):
    def with_api_state(self):
        """With what `blocked_for` reads, in the list's one query: the organization, its
        environment's plan, and whether that environment has a contract with API rights
        running today (which Entitlements.has_api_contract would ask per row)."""
        return self.select_related("organization__environment").annotate(
            api_contract_running=models.Exists(
                Contract.objects.current().filter(
                    api_rights=True, environment=models.OuterRef("organization__environment"))))


class ConnectionKey(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="connection_keys",
                                     verbose_name=_("organization"))
    software = models.CharField(_("software package"), max_length=30, choices=Software.choices)
    label = models.CharField(_("description"), max_length=100, blank=True)
    app_key = models.CharField(_("App Key"), max_length=64, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = acting_user(_("created by"))
    created_by_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_tested_at = models.DateTimeField(_("last successful test"), null=True, blank=True)
    # The software fetches received invoices itself: an empty inbox fetched proves the
    # connection as much as a full one.
    first_fetched_at = models.DateTimeField(_("first fetched the inbox"), null=True,
                                            blank=True)
    last_fetched_at = models.DateTimeField(_("last fetched the inbox"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = acting_user(blank=True)
    # The partnership an accountant made it through; it may be revoked as that ends.
    partnership = models.ForeignKey("onboarding.Partnership", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="connection_keys",
                                    verbose_name=_("made through the partnership"))

    objects = ConnectionKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("connection key")
        verbose_name_plural = _("connection keys")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.app_key} ({self.get_software_display()})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @classmethod
    def issue(cls, *, organization, software, by, environment=None, label="") -> IssuedKey:
        """Create a key pair. `environment` is where `by` works (an accountant's own)."""
        environment = environment or organization.environment
        if not organization.configurable_by(by, environment):
            raise ChangeRefused(_("Only administrators of the organization create keys."))
        refused = key_refusal(organization, software, environment)
        if refused is not None:
            raise refused
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        actor_label = acting_label(by, organization, environment)
        with transaction.atomic():
            # Under the organization's lock: a deactivation at the same moment either comes
            # first and refuses the key, or after it and finds the key to revoke.
            if not Organization.objects.select_for_update().get(pk=organization.pk).is_active:
                raise ChangeRefused(_("Connection keys are for active organizations. Activate "
                                      "the organization first."))
            key = cls.objects.create(
                organization=organization, software=software, label=label, created_by=by,
                created_by_label=actor_label, app_key=APP_KEY_PREFIX + secrets.token_hex(12),
                secret_hash=secret_digest(secret),
                partnership=Partnership.through(organization, environment),
            )
            record_on_organization(organization, by=by, environment=environment,
                                   action="connection_key.created", target=key,
                                   after={"organization": organization.company_id,
                                          "software": software})
        return IssuedKey(key, secret)

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, secret_digest(secret))

    def blocked_for(self, environment=None) -> Blocked | None:
        """Why the API refuses this key now although it is not revoked, told to someone
        working in `environment` (an accountant's own: the way on is then the client's); None
        when the API takes it, or when it is revoked, which says itself.

        In the API's order (api.authentication.refusal_now): an organization that is not
        active, then the plan, by the one plan rule (Environment.api_access_refusal)."""
        if self.is_revoked:
            return None
        organization = self.organization
        if not organization.is_active:
            return Blocked(_("Blocked: organization not active"), format_html(
                '{} <a href="{}" class="alert-link">{}</a>',
                _("%(name)s is %(status)s: the API refuses its keys until the organization "
                  "is active again.") % {"name": organization.name,
                                         "status": organization.get_status_display().lower()},
                reverse("onboarding:organization_detail", args=[organization.pk]),
                _("Open the organization")))
        if "api_contract_running" in self.__dict__:
            organization.environment.running_api_contract = self.api_contract_running
        refused = key_refusal(organization, self.software,
                              environment or organization.environment)
        if refused is None:
            return None
        return Blocked(_("Blocked by the subscription"), conditional_escape(refused.message))

    def rename(self, by, label: str, environment=None) -> bool:
        """Give the key another description, or none; True when it changed.

        A revoked key may be renamed too: it stays listed, with its history, until someone
        deletes it, and its description is only the administrators' own note to tell keys
        apart; what the software may do does not depend on it."""
        environment = environment or self.organization.environment
        label = label.strip()
        max_length = ConnectionKey._meta.get_field("label").max_length
        if len(label) > max_length:
            raise ChangeRefused(_("Keep the description to %(count)d characters.")
                                % {"count": max_length}, field="label")
        if not self.organization.configurable_by(by, environment):
            raise ChangeRefused(_("Only administrators of the organization rename keys."))
        with transaction.atomic():
            current = ConnectionKey.objects.select_for_update().get(pk=self.pk)
            changed = current.label != label
            if changed:
                before = {"label": current.label}
                current.label = label
                current.save(update_fields=["label"])
                record_on_organization(self.organization, by=by, environment=environment,
                                       action="connection_key.changed", target=current,
                                       before=before, after={"label": label})
        self.label = current.label
        return changed

    def revoke(self, by, environment=None) -> ConnectionKey:
        environment = environment or self.organization.environment
        with transaction.atomic():
            current = ConnectionKey.objects.select_for_update().get(pk=self.pk)
            if current.revoked_at is None:
                current.revoked_at = timezone.now()
                current.revoked_by = by
                current.save(update_fields=["revoked_at", "revoked_by"])
                record_on_organization(self.organization, by=by, environment=environment,
                                       action="connection_key.revoked", target=current)
        self.revoked_at, self.revoked_by = current.revoked_at, current.revoked_by
        return current

    def delete_by(self, by, environment=None) -> None:
        environment = environment or self.organization.environment
        with transaction.atomic():
            current = ConnectionKey.objects.select_for_update().filter(pk=self.pk).first()
            if current is None:
                return
            if current.revoked_at is None:
                raise ChangeRefused(_("Revoke the key before deleting it."))
            record_on_organization(self.organization, by=by, environment=environment,
                                   action="connection_key.deleted", target=current,
                                   before={"app_key": current.app_key,
                                           "software": current.software})
            current.delete()

    def note_use(self, **kwargs) -> None:
        ConnectionKey.note_use_of(self, self.pk, **kwargs)

    @staticmethod
    def note_use_of(holder, pk: int, *, tested: bool = False,
                    tests_every: timedelta = TEST_RESOLUTION, fetched: bool = False) -> None:
        """Record a use of key `pk` (see record_use), and keep on `holder` (the key, or the
        API's cached copy of it) the test time and first fetch it wrote."""
        moment = ConnectionKey.record_use(pk, tested=tested, tests_every=tests_every,
                                          fetched=fetched,
                                          never_fetched=holder.first_fetched_at is None)
        if tested:
            holder.last_tested_at = moment
        if fetched and holder.first_fetched_at is None:
            holder.first_fetched_at = moment

    @staticmethod
    def record_use(pk: int, *, tested: bool = False, tests_every: timedelta = TEST_RESOLUTION,
                   fetched: bool = False, never_fetched: bool = False):
        """Remember that the ERP used key `pk`; a test connection is recorded to the second,
        or to `tests_every` for a call that tests as a side effect (a SOAP Login). `fetched`:
        the call listed or read the key's inbox (see record_fetch).

        A marker in the cache says a write was made recently: an ERP that calls in a loop
        then writes once a minute (once a second while testing), not on every request."""
        now = timezone.now()
        if fetched:
            ConnectionKey.record_fetch(pk, now, never_fetched=never_fetched)
        if tested:
            if cache.add(f"key-tested:{pk}", True, tests_every.total_seconds()):
                ConnectionKey.objects.filter(pk=pk).update(last_tested_at=now, last_used_at=now)
                connection_tested.send(sender=ConnectionKey, pk=pk)
        elif cache.add(f"key-used:{pk}", True, LAST_USED_RESOLUTION.total_seconds()):
            if ConnectionKey.objects.filter(pk=pk, last_used_at__isnull=True).update(
                    last_used_at=now):
                connection_used.send(sender=ConnectionKey, pk=pk)
            else:
                ConnectionKey.objects.filter(pk=pk).update(last_used_at=now)
        return now

    @staticmethod
    def record_fetch(pk: int, now, *, never_fetched: bool) -> None:
        """Remember that the ERP fetched key `pk`'s inbox. The last fetch is written once a
        minute at most, under its own marker, so that the Login or any other call just before
        does not hold it back. The first fetch, which a guided setup waits for, is written at
        once whatever the marker says, as long as the key as the caller read it
        (`never_fetched`) had not fetched before."""
        marker, seconds = f"key-fetched:{pk}", LAST_USED_RESOLUTION.total_seconds()
        if never_fetched and ConnectionKey.objects.filter(
                pk=pk, first_fetched_at__isnull=True).update(first_fetched_at=now,
                                                             last_fetched_at=now):
            cache.set(marker, True, seconds)
            inbox_fetched.send(sender=ConnectionKey, pk=pk)
        elif cache.add(marker, True, seconds):
            ConnectionKey.objects.filter(pk=pk).update(last_fetched_at=now)
