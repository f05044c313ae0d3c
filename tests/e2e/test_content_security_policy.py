"""Every main page, Swagger UI included, works under the Content-Security-Policy: the browser
reports no violation, no script error and no console error on any of them."""

import pytest

from customers.models import CustomerCard, SendingProfile
from onboarding.models import (
    ConnectionKey,
    Organization,
    OrganizationIdentifier,
    Software,
    Subscription,
)
from tests.e2e.browsing import Watcher, new_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal_data(cast):
    cast.company.subscription = Subscription.BASIC
    cast.company.save(update_fields=["subscription"])
    org = Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                              registry_number="12345678", registry_checked=True)
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
    org.refresh_from_db()
    OrganizationIdentifier.add(org, cast.admin, "0088", "1234567890128")
    key = ConnectionKey.issue(organization=org, software=Software.AFAS, by=cast.admin).key
    profile = SendingProfile.objects.create(organization=org, name="eConnect")
    card = CustomerCard.objects.create(
        organization=org, name="Bakker BV", customer_number="1001", endpoint_scheme="0106",
        endpoint_value="87654321", buyer_reference_source="your_reference")
    return {"org": org.pk, "key": key.pk, "profile": profile.pk, "card": card.pk}


def walk(page, watcher, base, paths):
    for path in paths:
        response = page.goto(base + path)
        assert response is not None and response.ok, (path, response and response.status)
        page.wait_for_load_state("load")
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy, (path, policy)
        assert "'unsafe-inline'" not in policy, (path, policy)
    return watcher.problems


def test_it_serves_the_administrators_pages_without_a_violation(
        live_server, browser, cast, portal_data):
    page = new_page(browser)
    watcher = Watcher(page)
    sign_in(page, live_server, cast.admin.email)
    org, key, card = portal_data["org"], portal_data["key"], portal_data["card"]
    problems = walk(page, watcher, live_server.url, [
        "/", "/organizations/", f"/organizations/{org}/", "/organizations/add/",
        f"/organizations/{org}/activate/", f"/organizations/{org}/receiving/",
        "/connection-keys/", f"/connection-keys/{key}/",
        f"/organizations/{org}/connection-keys/new/", "/users/", "/users/invite/",
        "/activity/", "/subscription/", "/party-links/", "/clients/", "/entra/",
        "/customers/", f"/organizations/{org}/customers/", f"/organizations/{org}/customers/add/",
        f"/customers/{card}/", f"/customers/{card}/edit/",
        f"/organizations/{org}/customers/import/", f"/organizations/{org}/sending-profiles/",
        f"/organizations/{org}/sending-profiles/add/",
        "/accounts/email/", "/accounts/password/change/", "/accounts/2fa/",
        "/accounts/2fa/totp/activate/", "/accounts/notifications/",
    ])
    assert problems == []


def test_it_serves_the_pages_before_sign_in_and_the_language_switch(live_server, browser):
    page = new_page(browser)
    watcher = Watcher(page)
    problems = walk(page, watcher, live_server.url, [
        "/accounts/signup/", "/accounts/password/reset/", "/accounts/login/",
    ])
    # Going through the footer's languages with the arrow keys changes nothing yet; its
    # button does.
    page.locator("#language-select").focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == "language-select"
    assert page.evaluate("document.documentElement.lang") == "en"
    page.locator("#language-select").select_option("nl")
    page.locator("#language-change").click()
    page.wait_for_function("() => document.documentElement.lang === 'nl'")
    assert problems == []


def test_it_serves_the_staff_pages_without_a_violation(live_server, browser, cast, portal_data):
    page = new_page(browser)
    watcher = Watcher(page)
    sign_in(page, live_server, cast.techsupport.email, totp=True)
    problems = walk(page, watcher, live_server.url, [
        "/staff/", "/staff/activations/", "/staff/party-links/", "/staff/organizations/",
        f"/staff/organizations/{portal_data['org']}/",
        f"/staff/environments/{cast.company.pk}/",
        f"/staff/organizations/{portal_data['org']}/documents/",
    ])
    assert problems == []


def test_it_runs_swagger_ui_under_the_policy(live_server, browser):
    page = new_page(browser)
    watcher = Watcher(page)
    response = page.goto(f"{live_server.url}/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    operation = page.locator(".opblock-summary").first
    operation.wait_for()
    operation.click()
    page.get_by_role("button", name="Try it out").first.wait_for()
    screenshot(page, "swagger-ui-1280")
    assert page.locator(".opblock").count() >= 2
    assert watcher.problems == []


def test_it_blocks_and_reports_a_script_slipped_into_a_page(live_server, browser):
    page = new_page(browser)
    watcher = Watcher(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.appendChild(script);
    }""")
    page.wait_for_function("() => document.readyState === 'complete'")
    assert page.evaluate("() => window.injected === undefined")
    assert any("CSP violation: script-src" in problem for problem in watcher.problems), (
        watcher.problems)
