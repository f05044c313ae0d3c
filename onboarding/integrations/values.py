"""The values a step shows to copy into the software, read from the platform's state."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from onboarding.api.api31 import SOAP_ENV
from onboarding.integrations.base import REST, SOAP
from onboarding.models.connection_keys import quick_connect


@dataclass
class Value:
    name: str
    label: str
    value: str
    # A value we cannot show (a Secret after its moment, a hashed subscription key): the note
    # says where the user has it.
    note: str = ""
    copyable: bool = True
    # A page to open beside it (the WSDL, the API's documentation).
    link: str = ""
    link_label: str = ""


def _company_id(facts, secret):
    # The software's own name for the field, tied to the name the portal's pages use.
    return Value("company_id", _("Bedrijfs-ID eConnect"), facts.organization.company_id, _(
        "The company ID of %(name)s (XCNL… or XCBE…), as on its organization page.")
        % {"name": facts.organization.name})


def _app_key(facts, secret):
    if facts.key is None:
        return Value("app_key", _("App Key"), "", _("Create the connection key first."), False)
    return Value("app_key", _("App Key"), facts.key.app_key)


def _secret(facts, secret):
    if secret:
        return Value("secret", _("Secret"), secret,
                     _("Shown only now: copy it into your software before leaving this page."))
    return Value("secret", _("Secret"), "", _(
        "The Secret is shown once, when the key is created. If it is lost, revoke the key and "
        "create a new pair."), False)


def _quick_connect(facts, secret):
    if not secret or facts.key is None:
        return Value("quick_connect", _("Quick Connect"), "", _(
            "The App Key, Secret, email address and Bedrijfs-ID in one string, for the Quick "
            "Connect field: shown with the Secret, when the key is created."), False)
    return Value("quick_connect", _("Quick Connect"),
                 quick_connect(facts.key.app_key, secret, _email(facts, secret).value,
                               facts.organization.company_id),
                 _("Paste it into the Quick Connect field instead of entering the App Key, Secret, "
                   "email address and Bedrijfs-ID one by one."))


def _subscription_key(facts, secret):
    contract = facts.environment.contracts.current().filter(api_rights=True).first()
    if contract is None:
        return Value("subscription_key", _("Subscription key"), "",
                     _("There is no running contract with API rights yet."), False)
    return Value("subscription_key", _("Subscription key"), "", _(
        "Sales gave you this key once, with contract %(reference)s; it ends in …%(hint)s. "
        "It is stored only as a fingerprint here, so ask Sales if it is lost.")
        % {"reference": contract.reference, "hint": contract.subscription_key_hint}, False)


def _email(facts, secret):
    user = facts.run.assigned_to or facts.run.started_by
    return Value("email", _("Email address used for eConnect"), user.email if user else "")


def _sender(facts, secret):
    organization = facts.organization
    parts = [organization.name, organization.street,
             f"{organization.postal_code} {organization.city}".strip(), organization.country]
    return Value("sender", _("Sender details"), ", ".join(p for p in parts if p))


def _soap_prefix(facts, secret):
    return Value("soap_prefix", _("Prefix"), "soapenv")


def _soap_namespace(facts, secret):
    return Value("soap_namespace", _("Namespace"), SOAP_ENV)


def _connection_type(facts, secret):
    return Value("connection_type", _("Type aansluiting"), "API31")


PROVIDERS = {
    "company_id": _company_id, "app_key": _app_key, "secret": _secret,
    "quick_connect": _quick_connect,
    "subscription_key": _subscription_key, "email": _email, "sender": _sender,
    "soap_prefix": _soap_prefix, "soap_namespace": _soap_namespace,
    "connection_type": _connection_type,
}


def values_for(step, facts, secret: str = "") -> list[Value]:
    return [PROVIDERS[name](facts, secret) for name in step.values]


def addresses(request, apis) -> list[Value]:
    """The platform's addresses for software that calls `apis` (base.SOAP, base.REST), as
    this request reached the portal: the address the software is given is the one its user
    reaches."""
    found = []
    if REST in apis:
        ping = reverse("api:ping")
        found += [
            Value("rest", _("REST API"), request.build_absolute_uri(ping.rsplit("/", 1)[0] + "/"),
                  link=reverse("api:docs"), link_label=_("Documentation (OpenAPI)")),
            Value("rest_test", _("Connection test"), request.build_absolute_uri(ping),
                  _("A GET with the App Key and Secret answers whether they work.")),
        ]
    if SOAP in apis:
        endpoint = request.build_absolute_uri(reverse("api:api31"))
        found += [
            Value("soap", _("SOAP v3.1 endpoint"), endpoint),
            Value("wsdl", _("WSDL"), f"{endpoint}?wsdl", link=f"{endpoint}?wsdl",
                  link_label=_("Open the WSDL")),
        ]
    return found
