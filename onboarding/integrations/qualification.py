"""Whether an environment qualifies for a setup now, and if not what it lacks."""

from __future__ import annotations

from django.utils.translation import gettext as _

from onboarding.clients import entra
from onboarding.models import Subscription

RANK = {Subscription.INVOICE_PORTAL: 0, Subscription.BASIC: 1, Subscription.PROFESSIONAL: 2}


def missing(setup, environment) -> list[str]:
    """What the environment lacks for `setup`, in the user's words; empty when it qualifies."""
    lacks = []
    needed = Subscription(setup.minimum_subscription)
    if RANK[Subscription(environment.subscription)] < RANK[needed]:
        lacks.append(_("A %(needed)s subscription (you have %(current)s)")
                     % {"needed": needed.label,
                        "current": environment.get_subscription_display()})
    if setup.contract_required and not environment.entitlements.has_api_contract():
        lacks.append(_("A contract with API rights, entered by Sales"))
    if setup.needs_entra and not entra.is_enabled():
        lacks.append(_("Sign-in with Microsoft Entra ID, which this portal is not set up for "
                       "yet: ask support"))
    return lacks
