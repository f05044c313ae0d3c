"""The service-broker path of the Business Central guide: an administrator links their
Microsoft account, signs in with Entra ID, finds no partyIds linked, asks for them;
TechSupport approves one of the two organizations; in a fresh private window the
administrator signs in again, selects the organization and checks "Sending via Peppol"."""

import pytest

from onboarding.models import Organization, PartyLink, PartyLinkRequest, Subscription
from tests.conftest import PASSWORD
from tests.onboarding.entra_helpers import configure, entra_user
from tests.onboarding.test_mfa import current_code
from tests.standins.oidc import OidcStandIn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")]


@pytest.fixture
def entra(settings):
    with OidcStandIn() as provider:
        configure(settings, provider)
        yield provider


def private_window(browser):
    # The stand-in's certificate comes from a test CA the browser does not know.
    page = browser.new_context(locale="en-GB", ignore_https_errors=True).new_page()
    page.set_default_timeout(10_000)
    return page


def password_sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def authorize_at_microsoft(page, sub):
    """The provider's sign-in page stands in for Microsoft's."""
    page.wait_for_url(lambda url: "/oauth2/authorize" in url)
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def entra_sign_in(page, live_server, sub):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#entra-signin").click()
    page.get_by_label("Production (live use)").check()
    page.get_by_role("button", name="Continue to Microsoft").click()
    authorize_at_microsoft(page, sub)
    page.wait_for_url(lambda url: url.endswith("/entra/connection/"))


def test_it_links_party_ids_from_request_to_sending_via_peppol(live_server, browser, cast,
                                                               entra):
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    trading, services = (
        Organization.create(environment=cast.company, by=cast.admin, name=name,
                            registry_number=number, registry_checked=True)
        for name, number in (("Acme Trading BV", "12345678"), ("Acme Services BV", "23456789")))
    Organization.objects.update(status=Organization.Status.ACTIVE)
    anna = entra_user(entra, "anna@acme.onmicrosoft.com", name="Anna Admin")

    admin = private_window(browser)
    password_sign_in(admin, live_server, cast.admin.email)
    admin.goto(f"{live_server.url}/entra/")
    admin.get_by_role("button", name="Link a Microsoft account").click()
    # Linking a way to sign in asks for the password again.
    admin.wait_for_url(lambda url: "/accounts/reauthenticate/" in url)
    admin.locator("#id_password").fill(PASSWORD)
    admin.locator("main button[type=submit]").click()
    authorize_at_microsoft(admin, anna["sub"])
    admin.get_by_text("Your Microsoft account anna@acme.onmicrosoft.com is linked.").wait_for()
    admin.context.close()

    admin = private_window(browser)
    entra_sign_in(admin, live_server, anna["sub"])
    admin.get_by_text("No partyIds linked yet").wait_for()
    assert admin.get_by_label("Acme Trading BV (KvK 12345678)").is_checked()
    assert admin.get_by_label("Acme Services BV (KvK 23456789)").is_checked()
    assert admin.get_by_label("Entra user name").input_value() == "anna@acme.onmicrosoft.com"
    admin.get_by_label("Note for TechSupport").fill("Setting up Business Central today.")
    admin.get_by_role("button", name="Send request").click()
    admin.get_by_text("Your request went to TechSupport.").wait_for()
    link_request = PartyLinkRequest.objects.get()
    assert link_request.status == PartyLinkRequest.Status.PENDING
    admin.context.close()

    staff = private_window(browser)
    password_sign_in(staff, live_server, cast.techsupport.email)
    staff.locator("input[name=code]").fill(current_code())
    staff.locator("button[type=submit]").first.click()
    staff.wait_for_url(lambda url: "/accounts/" not in url)
    staff.goto(f"{live_server.url}/staff/party-links/")
    staff.get_by_role("link", name="anna@acme.onmicrosoft.com").click()
    staff.get_by_label("Approve Acme Trading BV").check()
    staff.get_by_role("button", name="Approve the ticked organizations").click()
    staff.get_by_text("1 organization linked to anna@acme.onmicrosoft.com.").wait_for()
    link_request.refresh_from_db()
    assert link_request.status == PartyLinkRequest.Status.PARTLY_APPROVED
    staff.context.close()

    admin = private_window(browser)
    entra_sign_in(admin, live_server, anna["sub"])
    admin.get_by_role("heading", name="Select the organization").wait_for()
    assert admin.get_by_text("Acme Services BV").count() == 0
    admin.get_by_role("link", name="Acme Trading BV").click()
    admin.get_by_role("heading", name="Acme Trading BV").wait_for()
    admin.get_by_text(trading.company_id).first.wait_for()
    admin.get_by_role("checkbox", name="Sending via Peppol").check()
    admin.get_by_role("button", name="Save").click()
    admin.get_by_text("The connection for Acme Trading BV is active.").wait_for()
    assert admin.locator("#connection-status").inner_text() == "Connection active"

    link = PartyLink.objects.get()
    assert (link.organization, link.sending_enabled, link.is_connected) == (trading, True, True)
    assert not PartyLink.objects.filter(organization=services).exists()
