"""4PS Business Central by the Peppol Service Broker: the extension, Entra ID sign-in and a
party link approved by TechSupport."""

from django.utils.translation import gettext_lazy as _

from onboarding.integrations import checks, steps
from onboarding.integrations.base import Setup, Step
from onboarding.integrations.business_central import BUSINESS_CENTRAL, BUYER_REFERENCE
from onboarding.integrations.registry import register

DEFAULT_PROFILE = _("Usually, do not make the sending profile the default: customers without "
                    "Peppol then fail.")

SETUP = register(Setup(
    slug="business-central-psb",
    needs_entra=True,
    name=_("4PS Business Central (PSB)"),
    method=_("Peppol Service Broker (extension + Entra ID)"),
    **BUSINESS_CENTRAL,
    summary=_("Connect 4PS Business Central with the eConnect extension and Microsoft Entra "
              "ID."),
    before_you_start=(
        _("The username of the person setting up the integration"),
        _("Organization names and KvK numbers"),
        _("Someone with global admin or super admin rights must be available"),
        _("Check in advance whether the eConnect extension may be installed"),
    ),
    steps=(
        steps.contract(_("The service broker needs a Professional subscription and a "
                         "contract.")),
        steps.organization(),
        Step("extension", _("Install the extension"), (
            _("Open Business Central and search for Extensiebeheer."),
            _('Search for "eConnect" and install the extension via the three dots.'),
        ), check=lambda f: checks.user_statement(f, "extension"),
            statement=_("The eConnect extension is installed in Business Central.")),
        Step("entra", _("Sign in with Entra ID"), (
            _("Click the eConnect Peppol link, check HttpClient aanvragen and choose the PSB "
              "Omgeving."),
            _("Click Connect to the eConnect PSB and sign in with your Microsoft Entra ID "
              "account; link that account here too."),
        ), check=checks.entra_linked),
        Step("party_link", _("Linked partyIds"), (
            _("When Business Central says no partyIds are linked, send a party-link request; "
              "TechSupport links them. Then sign in again."),
        ), check=checks.party_link, events=("party_link.",)),
        Step("sending", _("Sending via Peppol"), (
            _("Select the organization name and review the settings: Sending via Peppol must "
              "be checked."),
        ), check=checks.sending_via_peppol, events=("party_link.",)),
        Step("profile", _("Sending profile"), (
            _("Configure the sending profile: Default, Processing Mode (Manual or Automatic) "
              "and optionally XMLPorts."),
        ), check=checks.sending_profile, warnings=(DEFAULT_PROFILE,)),
        Step("customers", _("Customer cards"), (
            _('Set the sending profile to eConnect ("personaliseren" when hidden) and '
              '"elektronische facturering" to Verzendprofiel van documenten.'),
            _("Fill in the Endpoint-ID with its schemeID, for example 0106:12345678; a "
              "different Legal ID needs a schemeID that does not start with a 9."),
            BUYER_REFERENCE,
        ), check=checks.customer_cards),
        steps.test_invoice(
            _("Post a sales invoice to a customer whose card is ready; the extension sends it "
              "through the service broker."),
            _("This step turns complete when the invoice has passed the rules and was "
              "delivered."),
            check=checks.broker_test_invoice),
        Step("receiving", _("Receiving invoices"), (
            _("Decide on the organization's page whether the organization receives "
              "invoices; receiving costs money, so it is off until you switch it on."),
            _("Business Central's extension fetches received invoices through the service "
              "broker as the linked Entra ID account. Its party link needs the right to "
              "receive: ask for it in the note of the party-link request; TechSupport gives it."),
        ), check=checks.broker_receiving, events=("party_link.",)),
    ),
    cards_need_profiles=True,
))
