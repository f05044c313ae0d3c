"""Subscriptions and contracts: what an environment pays for, entered by platform Sales."""

from __future__ import annotations

import secrets
from datetime import date

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from onboarding.models.audit import record
from onboarding.models.environments import Environment, Role, Subscription
from portal import digests
from portal.errors import ChangeRefused
from portal.fields import acting_user

SUBSCRIPTION_RANK = {Subscription.INVOICE_PORTAL: 0, Subscription.BASIC: 1,
                     Subscription.PROFESSIONAL: 2}


def upgrade_url(subscription: str = "", api_contract: bool = False) -> str:
    """The page where an administrator asks Sales for more, with the plan (and the contract
    with API rights) that a refusal needs already chosen."""
    query = {key: value for key, value in (("subscription", subscription),
                                           ("api_contract", "1" if api_contract else ""))
             if value}
    return reverse("onboarding:upgrade_request") + (f"?{urlencode(query)}" if query else "")


def plan_refusal(message, field=None, *, subscription: str = "",
                 api_contract: bool = False) -> ChangeRefused:
    """A refusal because of the plan, with a link to where an administrator asks Sales for a
    bigger one (`subscription`, with a contract when `api_contract`): every plan limit
    refuses through this, so none ends without a way on."""
    link = format_html('<a href="{}" class="alert-link">{}</a>',
                       upgrade_url(subscription, api_contract), _("Ask Sales for an upgrade."))
    return ChangeRefused(format_html("{} {}", message, link), field=field)


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
    created_by = acting_user(_("entered by"))
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
        reference = reference.strip()
        with transaction.atomic():
            # The environment's row serializes adds, so that two at once meet the check below.
            Environment.objects.select_for_update().filter(pk=environment.pk).first()
            if environment.contracts.filter(reference__iexact=reference).exists():
                raise ChangeRefused(_("This environment has a contract with reference "
                                      "%(reference)s already: each has its own reference, so "
                                      "that its subscription key and end are told apart.")
                                    % {"reference": reference}, field="reference")
            contract = cls.objects.create(
                environment=environment, reference=reference, api_rights=api_rights,
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

    def renew_key(self, by, *, replacing: str | None = None) -> Contract:
        """A new subscription key for a lost one; the old key stops working at once. The
        contract returned carries the new key in `issued_subscription_key`. `replacing` is
        the end of the key the person asking was shown: when another new key was made
        meanwhile, this one is refused, so that it does not undo the key just handed out."""
        key = new_subscription_key()
        with transaction.atomic():
            current = Contract.objects.select_for_update().get(pk=self.pk)
            if replacing is not None and replacing != current.subscription_key_hint:
                raise ChangeRefused(
                    _("A new key was made meanwhile; it ends in …%(hint)s. Nothing was changed: "
                      "give that key to the customer, or make another from the page again.")
                    % {"hint": current.subscription_key_hint})
            before = {"subscription_key": f"…{current.subscription_key_hint}"}
            current.subscription_key_hash = digests.digest(key)
            current.subscription_key_hint = key[-4:]
            current.save(update_fields=["subscription_key_hash", "subscription_key_hint"])
            record(environment=current.environment, actor=by, action="contract.key_renewed",
                   target=current, before=before,
                   after={"subscription_key": f"…{current.subscription_key_hint}"})
        current.issued_subscription_key = key
        return current

    def end_refusal(self, on: date) -> str | None:
        """Why the contract cannot end on `on`; None when it can."""
        if on < self.starts_on:
            return _("A contract cannot end before it starts.")
        return None

    def end(self, by, on: date | None = None) -> Contract:
        """Set the contract's last day; ending it again on the same day changes nothing."""
        on = on or timezone.localdate()
        with transaction.atomic():
            current = Contract.objects.select_for_update().get(pk=self.pk)
            if current.ends_on == on:
                self.ends_on = on
                return current
            if refusal := current.end_refusal(on):
                raise ChangeRefused(refusal, field="ends_on")
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


class UpgradeRequestQuerySet(models.QuerySet):
    def visible_to(self, user, environment):
        """An environment's requests, for its members: everyone may see what was asked."""
        if environment is None or not environment.has_role(user, Role.BASIC):
            return self.none()
        return self.filter(environment=environment)

    def pending(self):
        return self.filter(status=UpgradeRequest.Status.PENDING)


class UpgradeRequest(models.Model):
    """An environment administrator asks Sales for a bigger plan, and for a contract with
    API rights where a 4PS setup needs one; Sales approves or declines it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for Sales")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    environment = models.ForeignKey(
        "onboarding.Environment", on_delete=models.CASCADE, related_name="upgrade_requests",
        verbose_name=_("environment"),
    )
    subscription = models.CharField(_("subscription asked for"), max_length=20,
                                    choices=Subscription.choices)
    api_contract = models.BooleanField(
        _("contract with API rights"), default=False,
        help_text=_("Needed for 4PS Construct and 4PS Business Central."),
    )
    message = models.TextField(_("message to Sales"), blank=True)
    requested_by = acting_user(_("asked by"))
    requested_at = models.DateTimeField(_("asked"), auto_now_add=True, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.PENDING)
    decided_by = acting_user(_("decided by"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    answer = models.TextField(_("answer from Sales"), blank=True)
    contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("contract"))

    objects = UpgradeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("upgrade request")
        verbose_name_plural = _("upgrade requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["environment"], condition=models.Q(status="pending"),
                name="upgrade_request_one_open_per_environment",
                violation_error_message=_("Sales is still deciding on an earlier request."),
            )
        ]

    def __str__(self):
        return f"{self.environment} → {self.get_subscription_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @classmethod
    def submit(cls, *, environment, by, subscription, api_contract=False,
               message="") -> UpgradeRequest:
        """Ask Sales for `subscription`; while one request waits, asking again returns it."""
        from onboarding.notifications import alert_staff

        subscription = Subscription(subscription)
        if not environment.has_role(by, Role.ADMINISTRATOR):
            raise ChangeRefused(_("Only environment administrators ask for an upgrade."))
        if api_contract and subscription != Subscription.PROFESSIONAL:
            raise ChangeRefused(_("A contract with API rights comes with the Professional "
                                  "subscription."), field="api_contract")
        with transaction.atomic():
            env = environment._lock()
            waiting = cls.objects.pending().filter(environment=env).first()
            if waiting is not None:
                return waiting
            if (SUBSCRIPTION_RANK[subscription] <= SUBSCRIPTION_RANK[Subscription(env.subscription)]
                    and not (api_contract and not has_api_contract(env))):
                raise ChangeRefused(_("Your environment has this already. Choose a bigger "
                                      "subscription, or a contract with API rights."),
                                    field="subscription")
            upgrade = cls.objects.create(environment=env, subscription=subscription,
                                         api_contract=api_contract, message=message.strip(),
                                         requested_by=by)
            record(environment=env, actor=by, action="upgrade.requested", target=upgrade,
                   after={"subscription": subscription.value, "api_contract": api_contract})
            alert_staff("upgrade_requested", reverse("onboarding:staff_upgrade",
                                                     args=[upgrade.pk]), upgrade=upgrade,
                        asked_by=by)
        return upgrade

    def _locked(self) -> UpgradeRequest:
        return UpgradeRequest.objects.select_for_update().get(pk=self.pk)

    def approve(self, by, *, contract_reference: str = "", answer: str = "") -> bool:
        """Give the environment the subscription (and the contract) asked for; True when this
        call decided, False when the request was approved already. The new contract, its
        subscription key in `issued_subscription_key` to show once, is then `issued_contract`."""
        with transaction.atomic():
            current = self._locked()
            if current.status == self.Status.APPROVED:
                return False
            if current.status != self.Status.PENDING:
                raise ChangeRefused(_("This request was declined already."))
            if current.api_contract and not contract_reference.strip():
                raise ChangeRefused(_("Give the reference of the contract with API rights."),
                                    field="contract_reference")
            change_subscription(current.environment, by, current.subscription)
            if current.api_contract:
                current.contract = Contract.add(environment=current.environment, by=by,
                                                reference=contract_reference, api_rights=True)
            current.status = self.Status.APPROVED
            current.decided_by, current.decided_at = by, timezone.now()
            current.answer = answer.strip()
            current.save(update_fields=["status", "decided_by", "decided_at", "answer",
                                        "contract"])
            record(environment=current.environment, actor=by, action="upgrade.approved",
                   target=current, before={"status": self.Status.PENDING.value},
                   after={"status": current.status, "subscription": current.subscription,
                          "contract": current.contract.reference if current.contract else None})
        self.refresh_from_db()
        self.issued_contract = current.contract
        return True

    def decline(self, by, answer: str) -> bool:
        """Say no, with the reason the administrator reads; True when this call decided."""
        if not answer.strip():
            raise ChangeRefused(_("Give the reason; the administrator will read it."),
                                field="answer")
        with transaction.atomic():
            current = self._locked()
            if current.status == self.Status.DECLINED:
                return False
            if current.status != self.Status.PENDING:
                raise ChangeRefused(_("This request was approved already."))
            current.status = self.Status.DECLINED
            current.decided_by, current.decided_at = by, timezone.now()
            current.answer = answer.strip()
            current.save(update_fields=["status", "decided_by", "decided_at", "answer"])
            record(environment=current.environment, actor=by, action="upgrade.declined",
                   target=current, before={"status": self.Status.PENDING.value},
                   after={"status": current.status, "subscription": current.subscription,
                          "answer": current.answer})
        self.refresh_from_db()
        return True
