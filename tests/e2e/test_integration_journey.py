"""The user follows a guided setup while the test plays their software: keys made in the step,
the software's test connection and test invoice made with them, and every step turning
complete on the open page, without a reload."""

import pytest
import requests
import zeep

from customers.models import CustomerCard, SendingProfile
from onboarding.models import ConnectionKey, Contract, Software, Subscription
from tests.conftest import PASSWORD
from tests.integrations.helpers import (
    API31_BODY,
    SOAP_ENV,
    organization,
    send_by_rest,
    send_by_soap,
    subscribe,
)
from tests.invoices.conftest import invoice, make_receiver
from tests.onboarding.entra_helpers import CLIENT_ID, TENANT, configure
from tests.standins.oidc import OidcStandIn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser, live_server, email, locale="en-GB"):
    page = browser.new_context(locale=locale).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def complete(page, step):
    page.locator(f'[data-step-status="{step}"] [data-state="complete"]').wait_for()


def start(page, live_server, slug, start_label):
    page.goto(f"{live_server.url}/integrations/")
    page.locator(f"#setup-{slug} .btn-primary").click()
    page.locator("#id_organization").wait_for()
    page.get_by_role("button", name=start_label).click()
    page.locator("#run").wait_for()


def create_keys(page):
    page.locator('#step-keys button[type="submit"]').first.click()
    page.wait_for_load_state()
    if "/reauthenticate/" in page.url:
        # Creating keys asks for the password again, as on the connection key pages; the
        # request then carries on and makes the keys.
        page.locator("#id_password").fill(PASSWORD)
        page.locator("button[type=submit]").last.click()
    page.locator("#keys-secret").wait_for()
    return page.locator("#keys-app_key").input_value(), page.locator("#keys-secret").input_value()


def play_the_rest(page, cast, org, send):
    """The test invoice the software sends its own way, the customers the user adds, and
    receiving."""
    make_receiver(cast)
    send()
    complete(page, "test_invoice")
    # The invoice the software sent is the one the step names.
    assert "F-2026-001" in page.locator('[data-step-status="test_invoice"]').inner_text()
    profile = SendingProfile.objects.create(organization=org, name="eConnect")
    CustomerCard.objects.create(organization=org, name="Bakery Client BV", customer_number="1",
                                endpoint_scheme="0106", endpoint_value="87654321",
                                buyer_reference_source="your_reference", sending_profile=profile)
    org.decide_receiving(cast.admin, False)
    page.locator("#run-complete:not(.d-none)").wait_for()


@pytest.mark.parametrize("locale,start_label,done", [
    ("en-GB", "Start the setup", "This integration is set up."),
    ("nl-NL", "Start de koppeling", "Deze koppeling is ingericht."),
])
def test_it_sets_up_afas_while_the_software_calls_in(live_server, browser, cast, locale,
                                                     start_label, done):
    subscribe(cast.company, Subscription.BASIC)
    org = organization(cast)
    page = signed_in(browser, live_server, cast.admin.email, locale)
    start(page, live_server, "afas", start_label)
    complete(page, "ready")

    app_key, secret = create_keys(page)
    complete(page, "keys")
    # AFAS has no connection test: its first call with the keys completes the step.
    answer = requests.get(f"{live_server.url}/api/v1/organization", auth=(app_key, secret),
                          timeout=10)
    assert answer.status_code == 200
    complete(page, "enter_keys")

    play_the_rest(page, cast, org, lambda: send_by_soap(live_server.url, app_key, secret))
    assert done in page.locator("#run-complete").inner_text()
    # Said to screen readers as it appears.
    assert done in page.get_by_role("status").filter(has_text=done).inner_text()


def afas_started(live_server, browser, cast):
    """The administrator's page on a new AFAS setup, and its organization."""
    subscribe(cast.company, Subscription.BASIC)
    org = organization(cast)
    page = signed_in(browser, live_server, cast.admin.email)
    start(page, live_server, "afas", "Start the setup")
    return page, org


def test_a_waiting_step_leads_to_where_it_is_done_and_turns_complete_there(
        live_server, browser, cast):
    page, org = afas_started(live_server, browser, cast)
    run_url = page.url

    page.locator("#step-receiving .step-action", has_text="Decide about receiving").click()
    page.wait_for_url(f"**/organizations/{org.pk}/#receiving")
    page.locator("#receiving").get_by_role("switch", name="Switch receiving on").click()
    page.locator("#receiving").get_by_role("switch", name="Switch receiving off").wait_for()
    # Done once AFAS fetched the inbox with its key, an empty one included.
    issued = ConnectionKey.issue(organization=org, software=Software.AFAS, by=cast.admin)
    assert requests.get(f"{live_server.url}/api/v1/inbox", timeout=10,
                        auth=(issued.key.app_key, issued.secret)).status_code == 200

    page.goto(run_url)
    complete(page, "receiving")
    assert page.locator("#step-receiving .step-action").count() == 0


def test_a_step_keeps_the_keyboards_place_while_the_page_follows_the_setup(
        live_server, browser, cast):
    page, org = afas_started(live_server, browser, cast)
    action = page.locator("#step-receiving .step-action")
    action.focus()

    # The page asks for the steps' states every two seconds; nothing changed meanwhile.
    with page.expect_response(lambda answer: "/status/" in answer.url):
        pass
    with page.expect_response(lambda answer: "/status/" in answer.url):
        pass
    assert page.evaluate("document.activeElement.classList.contains('step-action')")

    org.decide_receiving(cast.admin, False)
    complete(page, "receiving")
    # The step that changed is read out, and the keyboard stays in it.
    status = page.locator('[data-step-status="receiving"]')
    assert status.get_attribute("aria-live") == "polite"
    assert page.evaluate("document.activeElement.dataset.stepStatus") == "receiving"


def test_an_open_setup_page_stops_asking_and_says_why_once_the_setup_is_gone(
        live_server, browser, cast):
    from onboarding.integrations.runs import IntegrationRun

    subscribe(cast.company, Subscription.BASIC)
    organization(cast)
    page = signed_in(browser, live_server, cast.admin.email)
    start(page, live_server, "afas", "Start the setup")

    # As when a partnership ends under an accountant's open page: the status answers 404.
    IntegrationRun.objects.all().delete()

    page.get_by_role("heading", name="Page not found").wait_for()


def test_it_sets_up_business_central_by_api31(live_server, browser, cast):
    subscribe(cast.company, Subscription.PROFESSIONAL)
    subscription_key = Contract.add(environment=cast.company, by=cast.sales,
                                    reference="C-4PS").issued_subscription_key
    org = organization(cast)
    page = signed_in(browser, live_server, cast.admin.email)
    start(page, live_server, "business-central-api31", "Start the setup")
    complete(page, "contract")
    complete(page, "organization")
    assert page.locator("#configure-connection_type").input_value() == "API31"

    app_key, secret = create_keys(page)
    values = {"app_key": app_key, "secret": secret, "company_id": org.company_id,
              "subscription_key": subscription_key}
    wrong = requests.post(f"{live_server.url}/api/api31",
                          data=API31_BODY.format(env="urn:wrong", **values),
                          headers={"Content-Type": "text/xml"}, timeout=10)
    assert wrong.status_code == 500
    page.locator('[data-step-status="configure"] .step-advice',
                 has_text="Prefix soapenv").wait_for()

    right = requests.post(f"{live_server.url}/api/api31",
                          data=API31_BODY.format(env=SOAP_ENV, **values),
                          headers={"Content-Type": "text/xml"}, timeout=10)
    assert right.status_code == 200
    complete(page, "configure")
    play_the_rest(page, cast, org, lambda: send_by_rest(live_server.url, app_key, secret))


@pytest.mark.parametrize("slug,subscription", [("4ps-construct", Subscription.PROFESSIONAL),
                                               ("accept", Subscription.BASIC)])
def test_it_sets_up_the_native_api_setups(live_server, browser, cast, slug, subscription):
    subscribe(cast.company, subscription)
    if subscription == Subscription.PROFESSIONAL:
        Contract.add(environment=cast.company, by=cast.sales, reference="C-4PS")
    org = organization(cast)
    page = signed_in(browser, live_server, cast.admin.email)
    start(page, live_server, slug, "Start the setup")
    app_key, secret = create_keys(page)
    complete(page, "keys")
    # Their connection test is a SOAP v3.1 Login, as every call of theirs starts.
    zeep.Client(f"{live_server.url}/api/api31?wsdl").service.Login(AppKey=app_key,
                                                                 SecretKey=secret)
    complete(page, "configure")
    play_the_rest(page, cast, org, lambda: send_by_soap(live_server.url, app_key, secret))


@pytest.fixture(scope="module")
def entra_standin():
    with OidcStandIn() as standin:
        yield standin.start()


def test_it_sets_up_business_central_by_the_service_broker(live_server, browser, cast,
                                                          settings, entra_standin):
    from onboarding.models import EntraIdentity, PartyLink

    configure(settings, entra_standin)
    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="C-PSB")
    org = organization(cast)
    page = signed_in(browser, live_server, cast.admin.email)
    start(page, live_server, "business-central-psb", "Start the setup")
    page.get_by_role("button", name="The eConnect extension is installed").click()
    complete(page, "extension")
    assert page.locator('[data-step-status="extension"]').get_by_text(
        "Your own statement").is_visible()
    object_id = "00000000-0000-4000-9000-0000000000b1"
    identity = EntraIdentity.objects.create(user=cast.admin, tenant_id=TENANT,
                                            object_id=object_id, username="anna@acme.nl")
    complete(page, "entra")
    link = PartyLink.grant(identity=identity, organization=org, broker="production",
                           can_send=True, can_receive=False, by=cast.techsupport)
    complete(page, "party_link")
    PartyLink.objects.filter(pk=link.pk).update(sending_enabled=True)
    complete(page, "sending")
    profile = SendingProfile.objects.create(organization=org, name="eConnect")
    complete(page, "profile")
    CustomerCard.objects.create(organization=org, name="Bakery Client BV", customer_number="1",
                                endpoint_scheme="0106", endpoint_value="87654321",
                                buyer_reference_source="your_reference", sending_profile=profile)

    # Business Central's extension sends as the signed-in Entra ID user.
    make_receiver(cast)
    token = entra_standin.access_token(tenant_id=TENANT, object_id=object_id,
                                       audience=CLIENT_ID, username="anna@acme.nl")
    sent = requests.post(f"{live_server.url}/api/v1/documents", data=invoice(),
                         headers={"Authorization": f"Bearer {token}",
                                  "X-Party-Id": org.company_id,
                                  "Content-Type": "application/xml"}, timeout=60)
    assert sent.status_code == 202, sent.text
    complete(page, "test_invoice")
    assert "F-2026-001" in page.locator('[data-step-status="test_invoice"]').inner_text()
    org.decide_receiving(cast.admin, False)
    page.locator("#run-complete:not(.d-none)").wait_for()
