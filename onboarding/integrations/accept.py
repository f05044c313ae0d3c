"""Accept: connection keys on the native API v3 with SimpleInvoicing 2.0; Basic."""

from django.utils.translation import gettext_lazy as _

from onboarding.integrations import checks, steps
from onboarding.integrations.base import SOAP, Setup, Step
from onboarding.integrations.registry import register
from onboarding.models import Software

# The identifiers Accept fills in for a debtor: its Dossier/KvK nr and its FAX/OIN.
KVK_SCHEME, OIN_SCHEME = "0106", "0190"

EMPTY_LINES = _("Do not include empty invoice lines: they can disrupt processing.")

SETUP = register(Setup(
    slug="accept",
    name="Accept",
    software=Software.ACCEPT,
    method=_("Connection keys (Native API v3)"),
    direction=_("Send + Receive"),
    minimum_subscription="basic",
    contract_required=False,
    summary=_("Connect Accept via the native API with SimpleInvoicing 2.0."),
    before_you_start=(
        _("An active account with at least a Basic subscription"),
        _("Administrator access to your Accept environment"),
        _("Your connection keys (App Key and Secret): you create them in step 2"),
    ),
    warnings=(EMPTY_LINES,),
    steps=(
        steps.ready(_("Accept needs at least a Basic subscription and an active organization "
                      "with its Peppol identifier."), checks.organization_active),
        steps.keys(_("Create connection keys for Accept here.")),
        Step("configure", _("Configuration in Accept"), (
            _("Start Accept and select the bookkeeping you want to connect."),
            _("Go to Beheer > Administratie > Instellingen."),
            _("Open the eFactuur folder and then eVerbinding (or eConnect)."),
            _("Check Gebruik API versie 3 and set SimpleInvoicing version to 2.0."),
            _("Enter your email address, paste the App Key and Secret, enter your Bedrijfs-ID "
              "and your sender details (country: NL)."),
            _("With version 2.0: check Gebruik debiteur dossiernummer als KvK."),
            _("This step turns complete when Accept first calls the platform with the keys."),
        ), check=checks.key_used,
            values=("quick_connect", "email", "app_key", "secret", "company_id", "sender"),
            events=("connection_key.used",), shows_addresses=True),
        Step("debtors", _("Set up debtors"), (
            _("On the debtor card (Properties tab), enter each debtor's email address for "
              "invoices and its identification number: government at FAX/OIN, organizations "
              "with KvK at Dossier/KvK nr; without KvK the dummy number 99999998 is used."),
            _("The customer cards here check that each debtor has a KvK number or an OIN as "
              "Endpoint-ID, the two identifiers Accept fills in."),
        ), check=checks.customer_cards),
        steps.test_invoice(
            _("Open the invoice and check that the invoice address has the right email "
              "address."),
            _("Click Uitvoer and select eFactuur > eVerbinding bericht; confirm with Ja and "
              "type VERZENDEN."),
            _("After sending, the Delivery ID is on the Extra tab of the invoice."),
            check=lambda f: checks.test_invoice(f, empty_lines=True), warnings=(EMPTY_LINES,)),
        steps.receiving(_("Optionally configure folders for purchase and sales invoices in "
                          "Accept; decide here whether the organization receives."),
                        _("This step turns complete when Accept first fetches the inbox with "
                          "the keys, even when it is empty.")),
    ),
    card_schemes=(KVK_SCHEME, OIN_SCHEME),
    apis=(SOAP,),
))
