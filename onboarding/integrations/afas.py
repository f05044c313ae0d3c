"""AFAS: connection keys on the native API; a Basic subscription, no contract."""

from django.utils.translation import gettext_lazy as _

from onboarding.integrations import checks, steps
from onboarding.integrations.base import SOAP, Setup, Step
from onboarding.integrations.registry import register
from onboarding.models import Software

SMALL_BUSINESS = _("AFAS Small Business cannot fully break down VAT from UBL files. Keep this "
                   "in mind if you use the compact version.")
ONE_SET_PER_ENVIRONMENT = _("Set up connection keys separately for each AFAS environment: one "
                            "set of keys per environment.")
OWN_ACCESS_POINT = _("AFAS also sends over Peppol as its own access point. An identifier is "
                     "active at one access point at a time, so not via AFAS and via this "
                     "platform together.")

SETUP = register(Setup(
    slug="afas",
    name="AFAS",
    software=Software.AFAS,
    method=_("Connection keys (Native API)"),
    direction=_("Send + Receive"),
    minimum_subscription="basic",
    contract_required=False,
    summary=_("Connect AFAS with connection keys for automatic e-invoicing."),
    before_you_start=(
        _("An active account with at least a Basic subscription"),
        _("Administrator access to your AFAS environment"),
        _("Your connection keys (App Key and Secret): you create them in step 2"),
    ),
    warnings=(SMALL_BUSINESS, OWN_ACCESS_POINT),
    steps=(
        steps.ready(_("The integration needs at least a Basic subscription and an active "
                      "organization with its Peppol identifier."), checks.organization_active),
        steps.keys(
            _("Create a connection for AFAS here: the App Key and Secret appear in this step."),
            _("Copy the generated App Key and Secret."),
            warnings=(ONE_SET_PER_ENVIRONMENT,), several_keys=True),
        Step("enter_keys", _("Enter the keys in AFAS"), (
            _("Open your AFAS environment."),
            _("Go to the e-invoicing settings or the eConnect integration."),
            _("Enter the App Key and Secret in the designated fields, and save the settings."),
            _("The eVerbinding profile in AFAS also takes your Bedrijfs-ID: enter it with the "
              "keys."),
            _("This step turns complete when AFAS first calls the platform with the keys."),
        ), check=checks.key_used, values=("app_key", "secret", "company_id"),
            events=("connection_key.used",), shows_addresses=True),
        Step("contacts", _("Set up contacts"), (
            _("Each contact (customer) in AFAS needs its Peppol identification number, such as "
              "a KvK number or OIN. The customer cards here show who is ready."),
        ), check=checks.customer_cards),
        steps.test_invoice(_("Create and post an invoice in AFAS: it is submitted "
                             "automatically. This step turns complete when it passed the "
                             "rules and was delivered."), warnings=(SMALL_BUSINESS,)),
        steps.receiving(_("Received purchase invoices go to your AFAS environment as they "
                          "are stored: AFAS fetches them with its connection key, without "
                          "field mapping, and maps the fields itself."),
                        _("This step turns complete when AFAS first fetches the inbox with "
                          "the keys, even when it is empty.")),
    ),
    apis=(SOAP,),
))
