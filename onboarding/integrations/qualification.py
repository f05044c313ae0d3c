"""Whether an environment qualifies for a setup now, and if not what it lacks."""

from __future__ import annotations

from django.utils.translation import gettext as _

from onboarding.clients import entra
from onboarding.models import Subscription

RANK = {Subscription.INVOICE_PORTAL: 0, Subscription.BASIC: 1, Subscription.PROFESSIONAL: 2}


class Lack(str):
    """One thing an environment lacks for a setup, in the user's words; `from_sales` when an
    upgrade gives it."""

    from_sales: bool

    def __new__(cls, text: str, *, from_sales: bool) -> Lack:
        lack = super().__new__(cls, text)
        lack.from_sales = from_sales
        return lack


def missing(setup, environment) -> list[Lack]:
    """What the environment lacks for `setup`; empty when it qualifies."""
    lacks = []
    needed = Subscription(setup.minimum_subscription)
    if RANK[Subscription(environment.subscription)] < RANK[needed]:
        lacks.append(Lack(_("A %(needed)s subscription (you have %(current)s)")
                          % {"needed": needed.label,
                             "current": environment.get_subscription_display()},
                          from_sales=True))
    if setup.contract_required and not environment.entitlements.has_api_contract():
        lacks.append(Lack(_("A contract with API rights, entered by Sales"), from_sales=True))
    if setup.needs_entra and not entra.is_enabled():
        lacks.append(Lack(_("Sign-in with Microsoft Entra ID, which this portal is not set "
                            "up for yet: ask support"), from_sales=False))
    return lacks


def from_sales(lacks: list[Lack]) -> bool:
    """Whether asking Sales for an upgrade would give any of `lacks`."""
    return any(lack.from_sales for lack in lacks)
