"""An administrator adds the company by KvK number, TechSupport activates it, and the
receive prompt is answered at the next login."""

import pytest

from onboarding.models import Organization, OrganizationIdentifier
from tests.conftest import PASSWORD
from tests.e2e.screens import at_laptop_widths
from tests.onboarding.test_mfa import current_code
from tests.standins.kvk import KvKStandIn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kvk(settings):
    standin = KvKStandIn(api_key="browser-key").start()
    settings.KVK_API_URL = standin.base_url
    settings.KVK_API_KEY = "browser-key"
    yield standin
    standin.stop()


def signed_in_page(browser, live_server, email):
    page = browser.new_context(locale="en-GB").new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def test_it_takes_an_organization_from_kvk_lookup_to_receiving(live_server, browser, cast, kvk):
    admin = signed_in_page(browser, live_server, cast.admin.email)
    admin.goto(f"{live_server.url}/organizations/add/")
    admin.get_by_label("Netherlands").check()
    admin.get_by_role("button", name="Next").click()
    admin.locator("#kvk-q").fill("81234567")
    admin.get_by_role("button", name="Search").click()
    admin.locator("strong", has_text="Bakkerij De Gouden Korenaar B.V.").wait_for()
    admin.get_by_role("button", name="Use this").click()
    admin.locator("#from-registry").wait_for()
    assert admin.get_by_label("City").input_value() == "Amersfoort"
    admin.locator("form button[type=submit]", has_text="Add organization").click()
    admin.get_by_role("heading", name="Bakkerij De Gouden Korenaar B.V.").wait_for()

    admin.locator("#identifier-form select").select_option("0088")
    admin.locator("#identifier-form input[name=value]").fill("1234567890123")
    admin.locator("#identifier-form button[type=submit]").click()
    admin.get_by_text("does not match").first.wait_for()
    admin.locator("#identifier-form input[name=value]").fill("1234567890128")
    admin.locator("#identifier-form button[type=submit]").click()
    admin.locator("code", has_text="0088:1234567890128").wait_for()

    admin.get_by_role("link", name="Ask TechSupport to activate").first.click()
    admin.get_by_label("Your name").fill("Anna Admin")
    admin.get_by_label("Your role in the company").fill("Director")
    admin.get_by_label("KvK number").fill("81234567")
    admin.get_by_label("I confirm").check()
    at_laptop_widths(admin, "activation-request")
    admin.get_by_role("button", name="Send the activation request to TechSupport").click()
    admin.get_by_text("Your activation request was sent to TechSupport.").first.wait_for()
    org = Organization.objects.get(name="Bakkerij De Gouden Korenaar B.V.")
    assert org.status == Organization.Status.PENDING

    staff = signed_in_page(browser, live_server, cast.techsupport.email)
    staff.locator("input[name=code]").fill(current_code())
    staff.locator("button[type=submit]").first.click()
    # TechSupport starts on the staff home with its queues, not on "not in an environment
    # yet".
    staff.wait_for_url(f"{live_server.url}/staff/")
    staff.locator("#staff-queues").get_by_role("link", name="Activation queue").click()
    staff.wait_for_url(f"{live_server.url}/staff/activations/")
    staff.get_by_role("link", name="Bakkerij De Gouden Korenaar B.V.").click()
    identifiers = staff.locator("#activation-identifiers")
    assert "0106:81234567" in identifiers.inner_text()
    assert "0088:1234567890128" in identifiers.inner_text()
    assert "q=81234567" in staff.locator("#kvk-register-link").get_attribute("href")
    at_laptop_widths(staff, "activation-review")
    staff.get_by_role("button", name="Approve and activate").click()
    staff.get_by_text("Confirm that you checked the details before activating.",
                    exact=True).wait_for()
    # The summary names the box by its sentence, without the sentence's full stop.
    summary = staff.locator("#form-error-summary li").first.inner_text()
    assert summary.startswith("I compared the details with the KvK register and the Peppol "
                              "identifiers listed on this page belong to this organization: "
                              "Confirm"), summary
    staff.get_by_label("I compared the details with the KvK register").check()
    staff.get_by_role("button", name="Approve and activate").click()
    staff.get_by_text("Bakkerij De Gouden Korenaar B.V. is active.").wait_for()
    org.refresh_from_db()
    assert org.status == Organization.Status.ACTIVE

    again = signed_in_page(browser, live_server, cast.admin.email)
    prompt = again.locator("#receive-prompt")
    prompt.wait_for(state="visible")
    prompt.get_by_role("button", name="Enable receiving").first.click()
    again.get_by_text("Receiving is on for Bakkerij De Gouden Korenaar B.V.").wait_for()
    org.refresh_from_db()
    assert org.receiving_enabled
    # The prompt's choice reached the identifiers, and the page says so at a glance.
    again.goto(f"{live_server.url}/organizations/{org.pk}/")
    state = again.locator("#receiving-state")
    assert "Receiving on" in state.inner_text()
    assert "0106:81234567" in state.inner_text() and "0088:1234567890128" in state.inner_text()
    assert again.locator('[aria-checked="true"][data-switch^="receive-"]').count() == 2
    at_laptop_widths(again, "organization-receiving")
    assert OrganizationIdentifier.objects.filter(organization=org, scheme="0106",
                                                 value="81234567").exists()
