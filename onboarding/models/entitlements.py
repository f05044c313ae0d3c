"""What an environment's subscription and contracts allow: each subscription rule once."""

from __future__ import annotations

import copy
from datetime import date

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from onboarding.models.environments import Subscription

# The free Invoice Portal subscription covers this many of an environment's own organizations.
FREE_ORGANIZATION_LIMIT = 2


class Entitlements:
    """Read through `environment.entitlements`; asks the database afresh on every call, so a
    subscription changed a moment ago counts at once."""

    def __init__(self, environment):
        self.environment = environment

    @property
    def organization_limit(self) -> int | None:
        if self.environment.subscription == Subscription.INVOICE_PORTAL:
            return FREE_ORGANIZATION_LIMIT
        return None

    def organization_count(self) -> int:
        return self.environment.organizations.count()

    def may_add_organization(self) -> bool:
        limit = self.organization_limit
        return limit is None or self.organization_count() < limit

    def is_over_organization_limit(self) -> bool:
        """More organizations than the subscription covers, as after a downgrade."""
        limit = self.organization_limit
        return limit is not None and self.organization_count() > limit

    @property
    def may_send_authorisation_requests(self) -> bool:
        return self.environment.subscription != Subscription.INVOICE_PORTAL

    def has_api_contract(self, on: date | None = None) -> bool:
        """The native API is for Professional environments with a running contract with API
        rights. A list that read today's answer for its rows' environments in its own query
        leaves it on the environment as `running_api_contract` (see
        ConnectionKeyQuerySet.with_api_state), so that no row asks again."""
        if self.environment.subscription != Subscription.PROFESSIONAL:
            return False
        if on is None and "running_api_contract" in self.environment.__dict__:
            return self.environment.running_api_contract
        return self.environment.contracts.current(on).filter(api_rights=True).exists()

    def may_ask_for_more(self) -> bool:
        """Whether an upgrade request could ask for anything: not once the environment has
        Professional with a running contract with API rights."""
        return not self.has_api_contract()

    def api31_refusal(self, subscription_key: str) -> tuple[str, str] | None:
        """Why API31 may not connect with `subscription_key`, as (fault code, message); None
        when it may: the key of a current contract with API rights, and Professional."""
        from onboarding.models.subscriptions import api_contract_for_key

        if api_contract_for_key(self.environment.pk, subscription_key) is None:
            return ("subscription-key", _(
                "The subscription key does not belong to a current contract with API rights of "
                "this organization's environment. Ask Sales for the key of your contract."))
        if self.environment.subscription != Subscription.PROFESSIONAL:
            return ("subscription-level", _("API31 needs a Professional subscription."))
        return None


def _written_when_shown(build) -> str:
    """A sentence that `build` writes each time it is shown, in the language active then:
    Sales reads the list in theirs, each administrator's mail in their own."""
    return lazy(build, str)()


def _keys_refused_on(plan, *, not_on) -> tuple[int, str]:
    """How many live keys of the environment the API refuses on `plan` but not on `not_on`
    (copies of one environment with either subscription), and their packages' names. Asked
    once per package, not per key: the 4PS packages' answer reads the contracts."""
    from onboarding.models.connection_keys import ConnectionKey
    from onboarding.models.partnerships import Software

    keys = ConnectionKey.objects.filter(organization__environment=not_on,
                                        revoked_at__isnull=True)
    packages = sorted(software for software in set(keys.values_list("software", flat=True))
                      if plan.api_access_refusal(software)
                      and not not_on.api_access_refusal(software))
    count = keys.filter(software__in=packages).count() if packages else 0
    return count, ", ".join(str(Software(p).label) for p in packages)


def losses(environment, subscription) -> list[str]:
    """What `environment` could no longer do on `subscription`, in its users' words: what
    Sales confirms before a downgrade, and the administrators read after it."""
    after = copy.copy(environment)
    after.subscription = Subscription(subscription)
    name = environment.name
    said = []
    refused, packages = _keys_refused_on(after, not_on=environment)
    if refused:
        said.append(_written_when_shown(lambda: ngettext(
            "%(count)d connection key stops working: software that uses it can no longer send "
            "or fetch invoices (%(software)s).",
            "%(count)d connection keys stop working: software that uses them can no longer "
            "send or fetch invoices (%(software)s).", refused)
            % {"count": refused, "software": packages}))
    limit = after.entitlements.organization_limit
    count = Entitlements(environment).organization_count()
    if limit is not None and count > limit:
        said.append(_written_when_shown(lambda: _(
            "%(name)s has %(count)d organizations and may keep them, but cannot add more: the "
            "plan covers %(limit)d.") % {"name": name, "count": count, "limit": limit}))
    if Entitlements(environment).may_send_authorisation_requests \
            and not after.entitlements.may_send_authorisation_requests \
            and environment.authorisation_requests.exists():
        said.append(_written_when_shown(lambda: _(
            "%(name)s can no longer send authorisation requests to clients.")
            % {"name": name}))
    if environment.subscription == Subscription.PROFESSIONAL \
            and after.subscription != Subscription.PROFESSIONAL \
            and environment.contracts.current().filter(api_rights=True).exists():
        said.append(_written_when_shown(lambda: _(
            "Its contract with API rights no longer counts: the 4PS software and Business "
            "Central's API31 connection are refused.")))
    return said


def gains(environment, before) -> list[str]:
    """What `environment` can do on its subscription now that it could not on `before`, in
    its users' words: the counterpart of `losses`, which the administrators read after
    Sales changed the subscription up. Asked after the change."""
    earlier = copy.copy(environment)
    earlier.subscription = Subscription(before)
    name = environment.name
    said = []
    back, packages = _keys_refused_on(earlier, not_on=environment)
    if back:
        said.append(_written_when_shown(lambda: ngettext(
            "%(count)d connection key works again: software that uses it can send and fetch "
            "invoices again (%(software)s).",
            "%(count)d connection keys work again: software that uses them can send and fetch "
            "invoices again (%(software)s).", back)
            % {"count": back, "software": packages}))
    limit = earlier.entitlements.organization_limit
    now = Entitlements(environment).organization_limit
    count = Entitlements(environment).organization_count()
    if limit is not None and (now is None or now > limit) and count >= limit:
        said.append(_written_when_shown(lambda: _(
            "%(name)s can add more organizations: the limit of %(limit)d no longer applies.")
            % {"name": name, "limit": limit}))
    if not earlier.entitlements.may_send_authorisation_requests \
            and Entitlements(environment).may_send_authorisation_requests:
        if environment.authorisation_requests.exists():
            said.append(_written_when_shown(lambda: _(
                "%(name)s can send authorisation requests to clients again.")
                % {"name": name}))
        else:
            said.append(_written_when_shown(lambda: _(
                "%(name)s can send authorisation requests to clients.") % {"name": name}))
    if earlier.subscription != Subscription.PROFESSIONAL \
            and environment.subscription == Subscription.PROFESSIONAL \
            and environment.contracts.current().filter(api_rights=True).exists():
        said.append(_written_when_shown(lambda: _(
            "Its contract with API rights counts again: the 4PS software and Business "
            "Central's API31 connection may connect.")))
    return said
