"""Onboarding's queues on the staff home: TechSupport's activations, identifiers, party links
and stuck setups; Sales' upgrade requests and subscriptions."""

from django.utils.translation import gettext_lazy as _

from portal.staff_queues import Queue, register

WAITING = _("waiting")


def _activations() -> int:
    from onboarding.models import Organization

    return Organization.objects.awaiting_activation().count()


def _identifiers() -> int:
    from onboarding.models import OrganizationIdentifier

    return OrganizationIdentifier.objects.awaiting_techsupport().count()


def _party_links() -> int:
    from onboarding.models import PartyLinkRequest

    return PartyLinkRequest.objects.pending().count()


def _stuck_setups() -> int:
    from onboarding.integrations.runs import IntegrationRun

    return IntegrationRun.objects.stuck().count()


def _upgrades() -> int:
    from onboarding.models import UpgradeRequest

    return UpgradeRequest.objects.pending().count()


register(Queue("onboarding:staff_activations", _("Activation queue"), "is_techsupport", 10,
               waiting=_activations, counted=WAITING))
register(Queue("onboarding:staff_identifiers", _("Identifiers to verify"), "is_techsupport", 20,
               waiting=_identifiers, counted=WAITING))
register(Queue("onboarding:staff_party_links", _("Party-link queue"), "is_techsupport", 30,
               waiting=_party_links, counted=WAITING))
register(Queue("integrations:stuck", _("Stuck integration setups"), "is_techsupport", 40,
               waiting=_stuck_setups, counted=WAITING))
register(Queue("onboarding:staff_upgrades", _("Upgrade requests"), "is_sales", 70,
               waiting=_upgrades, counted=WAITING))
register(Queue("onboarding:staff_subscriptions", _("Subscriptions and contracts"), "is_sales",
               80))
