"""Steps that several setups take the same way, each with its own instructions."""

from django.utils.translation import gettext_lazy as _

from onboarding.integrations import checks
from onboarding.integrations.base import Step
from onboarding.models.connection_keys import PORT_443


def contract(*instructions, **options) -> Step:
    return Step("contract", _("Subscription and contract"), instructions,
                check=checks.api_contract, **options)


def organization(**options) -> Step:
    return Step("organization", _("Activated organization"), (
        _("The organization must be active with its Peppol identifier."),
    ), check=checks.organization_active, **options)


def ready(instruction, organization_check) -> Step:
    """A setup without a contract: its subscription, and the organization as it needs it."""
    return Step("ready", _("Subscription and organization"), (instruction,),
                check=lambda f: _both(checks.subscription(f), organization_check(f)))


def keys(*instructions, warnings=(), **options) -> Step:
    return Step("keys", _("Create connection keys"), instructions, check=checks.key_exists,
                values=("app_key", "secret"), creates_key=True,
                warnings=(*warnings, PORT_443), events=("connection_key.created",), **options)


def test_invoice(*instructions, check=checks.test_invoice, **options) -> Step:
    return Step("test_invoice", _("Send a test invoice"), instructions, check=check,
                events=("document.",), **options)


def receiving(*instructions) -> Step:
    return Step("receiving", _("Receiving invoices"), instructions, check=checks.receiving,
                events=("connection_key.inbox_fetched",))


def _both(first, second):
    return first if not first.ok else second
