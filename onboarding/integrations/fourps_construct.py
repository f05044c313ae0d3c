"""4PS Construct: connection keys on the native API; Professional and a contract."""

from django.utils.translation import gettext_lazy as _

from onboarding.integrations import checks, steps
from onboarding.integrations.base import KVK_GLN_OR_VAT, SOAP, Setup, Step
from onboarding.integrations.registry import register
from onboarding.models import Software

SETUP = register(Setup(
    slug="4ps-construct",
    name="4PS Construct",
    software=Software.FOURPS_CONSTRUCT,
    method=_("Connection keys (Native API)"),
    direction=_("Send + Receive"),
    minimum_subscription="professional",
    contract_required=True,
    summary=_("Connect 4PS Construct via the native API with connection keys."),
    before_you_start=(
        _("An active account with at least a Professional subscription"),
        _("A contract with API rights (via Sales)"),
        _("Administrator access to your 4PS Construct environment"),
        _("Your connection keys (App Key and Secret): you create them in step 3"),
    ),
    steps=(
        steps.contract(_("4PS Construct needs a Professional subscription and a contract "
                         "with API rights.")),
        steps.organization(values=("company_id",)),
        steps.keys(_("Create connection keys for 4PS Construct here.")),
        Step("configure", _("Configuration in 4PS Construct"), (
            _("In 4PS Construct, go to Afdelingen > Applicatiebeheer > Algemeen > Beheer."),
            _("When setting up Digipoort, create a connection to the online environment and "
              "enter the App Key, Secret and Bedrijfs-ID."),
            _("From the ribbon, choose Home > Verbinding testen: this step turns complete when "
              "the test arrives."),
        ), check=checks.key_tested, values=("app_key", "secret", "company_id"),
            events=("connection_key.tested",), shows_addresses=True),
        Step("customers", _("Customer cards"), (
            _("Go to Afdelingen > Verkoop > Stamgegevens > Klanten > Tabblad Elektronische "
              "factuur and configure the Digipoort settings per customer: each needs a KvK "
              "number, GLN or VAT number."),
        ), check=checks.customer_cards),
        steps.test_invoice(_("Post an invoice and click OK to send it. This step turns "
                             "complete when it passed the rules and was delivered.")),
        steps.receiving(_("In the purchase journal, click Importeren to retrieve incoming "
                          "invoices, then process them via Externe factuur verwerken."),
                        _("This step turns complete when 4PS Construct first fetches the "
                          "inbox, even when it is empty.")),
    ),
    card_schemes=KVK_GLN_OR_VAT,
    apis=(SOAP,),
))
