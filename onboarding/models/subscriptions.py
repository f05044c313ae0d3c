"""Subscriptions and contracts: what an environment pays for, entered by platform Sales."""

from __future__ import annotations

import secrets
from datetime import date

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onboarding.models.audit import record
from onboarding.models.environments import Role, Subscription
from portal import digests
from portal.errors import ChangeRefused


def new_subscription_key() -> str:
    return secrets.token_hex(16)


class ContractQuerySet(models.QuerySet):
    def visible_to(self, user, environment):
        """An environment's contracts, for its administrators (the key is theirs to use)."""
        if environment is None or not environment.has_role(user, Role.ADMINISTRATOR):
            return self.none()
        return self.filter(environment=environment)

    def current(self, on: date | None = None):
        today = on or timezone.localdate()
        return self.filter(starts_on__lte=today).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=today)
        )


class Contract(models.Model):
    """A signed contract; one with API rights lets the environment's software use the API."""

    environment = models.ForeignKey(
        "onboarding.Environment", on_delete=models.CASCADE, related_name="contracts",
        verbose_name=_("environment"),
    )
    reference = models.CharField(_("contract reference"), max_length=100)
    api_rights = models.BooleanField(_("API rights"), default=True)
    # SHA-256 of the key: Sales sees the key once, when the contract is entered.
    subscription_key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Its last characters, so people can tell keys apart.
    subscription_key_hint = models.CharField(_("subscription key"), max_length=8, blank=True,
                                             editable=False)
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    # The last day the contract runs; empty while it runs on.
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("entered"), auto_now_add=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_it_starts",
                violation_error_message=_("A contract cannot end before it starts."),
            )
        ]

    def __str__(self):
        return self.reference

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or today <= self.ends_on)

    @classmethod
    def add(cls, *, environment, by, reference: str, api_rights: bool = True,
            starts_on: date | None = None, ends_on: date | None = None) -> Contract:
        starts_on = starts_on or timezone.localdate()
        if ends_on is not None and ends_on < starts_on:
            raise ChangeRefused(_("A contract cannot end before it starts."), field="ends_on")
        key = new_subscription_key()
        with transaction.atomic():
            contract = cls.objects.create(
                environment=environment, reference=reference.strip(), api_rights=api_rights,
                starts_on=starts_on, ends_on=ends_on, created_by=by,
                subscription_key_hash=digests.digest(key), subscription_key_hint=key[-4:],
            )
            # The key itself, for the one page that shows it.
            contract.issued_subscription_key = key
            record(environment=environment, actor=by, action="contract.added", target=contract,
                   after={"reference": contract.reference, "api_rights": api_rights,
                          "starts_on": starts_on.isoformat(),
                          "ends_on": ends_on.isoformat() if ends_on else None})
        return contract

    def renew_key(self, by) -> Contract:
        """A new subscription key for a lost one; the old key stops working at once. The
        contract returned carries the new key in `issued_subscription_key`."""
        key = new_subscription_key()
        with transaction.atomic():
            current = Contract.objects.select_for_update().get(pk=self.pk)
            before = {"subscription_key": f"…{current.subscription_key_hint}"}
            current.subscription_key_hash = digests.digest(key)
            current.subscription_key_hint = key[-4:]
            current.save(update_fields=["subscription_key_hash", "subscription_key_hint"])
            record(environment=current.environment, actor=by, action="contract.key_renewed",
                   target=current, before=before,
                   after={"subscription_key": f"…{current.subscription_key_hint}"})
        current.issued_subscription_key = key
        return current

    def end(self, by, on: date | None = None) -> Contract:
        """Set the contract's last day; ending it again on the same day changes nothing."""
        on = on or timezone.localdate()
        with transaction.atomic():
            current = Contract.objects.select_for_update().get(pk=self.pk)
            if current.ends_on == on:
                return current
            if on < current.starts_on:
                raise ChangeRefused(_("A contract cannot end before it starts."),
                                    field="ends_on")
            before = {"ends_on": current.ends_on.isoformat() if current.ends_on else None}
            current.ends_on = on
            current.save(update_fields=["ends_on"])
            record(environment=current.environment, actor=by, action="contract.ended",
                   target=current, before=before, after={"ends_on": on.isoformat()})
        self.ends_on = on
        return current


def change_subscription(environment, by, subscription) -> bool:
    """Set the environment's subscription; True when it changed."""
    subscription = Subscription(subscription)
    with transaction.atomic():
        env = environment._lock()
        if env.subscription == subscription:
            return False
        before = {"subscription": env.subscription}
        env.subscription = subscription
        env.save(update_fields=["subscription"])
        record(environment=env, actor=by, action="environment.subscription_changed",
               target=env, before=before, after={"subscription": subscription.value})
    environment.subscription = subscription
    return True


def api_contract_for_key(environment_id: int, key: str, on: date | None = None):
    """The environment's running contract with API rights whose subscription key is `key`."""
    contracts = Contract.objects.current(on).filter(environment_id=environment_id,
                                                    api_rights=True)
    return next((c for c in contracts if digests.matches(c.subscription_key_hash, key)), None)


def has_api_contract(environment, on: date | None = None) -> bool:
    return environment.entitlements.has_api_contract(on)
