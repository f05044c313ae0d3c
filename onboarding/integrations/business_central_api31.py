"""4PS Business Central by API31: connection keys plus the contract's subscription key."""

from django.utils.translation import gettext_lazy as _

from onboarding.integrations import checks, steps
from onboarding.integrations.base import KVK_GLN_OR_VAT, SOAP, Setup, Step
from onboarding.integrations.business_central import BUSINESS_CENTRAL, BUYER_REFERENCE
from onboarding.integrations.registry import register

SETUP = register(Setup(
    slug="business-central-api31",
    name=_("4PS Business Central (API31)"),
    method=_("API (API31 + subscription key)"),
    **BUSINESS_CENTRAL,
    summary=_("Connect 4PS Business Central via API with connection keys and subscription "
              "key."),
    before_you_start=(
        _("An active account with at least a Professional subscription"),
        _("A contract with API rights, including its subscription key (from Sales)"),
        _("An activated organization"),
        _("Administrator access to your 4PS Business Central environment"),
    ),
    steps=(
        steps.contract(_("API31 needs a Professional subscription and a contract with API "
                         "rights. Sales gives you the contract's subscription key."),
                       values=("subscription_key",)),
        steps.organization(values=("company_id",)),
        steps.keys(_("Create connection keys for 4PS Business Central here.")),
        Step("configure", _("Configuration in 4PS Business Central"), (
            _("In 4PS Business Central, go to the eConnect document uitwisseling instellingen "
              "setting."),
            _("For Type aansluiting, select API31."),
            _("Enter the App Key and Secret, the Bedrijfs-ID eConnect and the subscription "
              "key."),
            _("Click Verbinding testen: this step turns complete when the test arrives."),
            _('If the test fails, check that the "Generieke webservice naamruimten" are filled '
              "in: Prefix soapenv, Namespace http://schemas.xmlsoap.org/soap/envelope/."),
        ), check=checks.key_tested,
            values=("connection_type", "app_key", "secret", "company_id", "subscription_key",
                    "soap_prefix", "soap_namespace"),
            events=("connection_key.tested",), shows_addresses=True),
        Step("customers", _("Customer cards for sending"), (
            _("Each customer card needs an identifier (KvK number, GLN or VAT number)."),
            _("Open the customer card and configure the e-invoicing details in the Sales "
              "section."),
        ), check=checks.customer_cards, warnings=(BUYER_REFERENCE,)),
        steps.test_invoice(_("Post an invoice in 4PS Business Central. This step turns "
                             "complete when it passed the rules and was delivered.")),
        steps.receiving(_("Decide whether the organization receives. Received invoices wait "
                          "in its inbox; their import into Business Central (the Autopilot "
                          "of the guide) is arranged with support.")),
    ),
    card_schemes=KVK_GLN_OR_VAT,
    # API31 is the SOAP endpoint: its connection test, and the v3.1 calls beside it.
    apis=(SOAP,),
))
