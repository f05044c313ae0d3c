"""An administrator makes keys and sees the ERP's test connection arrive; an accountant gets
access to a client's organization by an authorisation request and makes keys for it."""

import re

import pytest
import requests
from django.core import mail

from onboarding.models import ConnectionKey, Partnership, Subscription
from tests.conftest import PASSWORD
from tests.e2e.test_organization_journey import signed_in_page
from tests.onboarding.test_connection_keys import active_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def confirm_password(page):
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(lambda url: "/reauthenticate/" not in url)


def create_keys(page, organization_name, software):
    page.get_by_role("button", name="Create connection keys").click()
    page.get_by_role("link", name=re.compile(organization_name)).click()
    confirm_password(page)
    page.get_by_label("Software package").select_option(label=software)
    page.get_by_role("button", name="Create keys").click()
    page.get_by_role("heading", name="Your new connection keys").wait_for()
    return page.locator("#app-key").input_value(), page.locator("#secret").input_value()


def test_it_shows_the_test_connection_of_a_new_key(live_server, browser, cast):
    organization = active_org(cast)
    admin = signed_in_page(browser, live_server, cast.admin.email)
    admin.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                    origin=live_server.url)
    admin.goto(f"{live_server.url}/connection-keys/")
    admin.get_by_text("No connection keys yet").wait_for()

    app_key, secret = create_keys(admin, organization.name, "Other software")
    admin.get_by_role("button", name="Copy Secret").focus()
    admin.keyboard.press("Enter")
    admin.locator("[data-copy='#secret']", has_text="✓").wait_for()
    # The keyboard stays on the button it pressed.
    assert admin.evaluate("document.activeElement.dataset.copy") == "#secret"
    assert admin.evaluate("navigator.clipboard.readText()") == secret
    # A screen reader hears which value was copied.
    assert admin.get_by_role("status").filter(has_text="Secret copied").count() == 1
    admin.get_by_text("Waiting for a test connection").wait_for()

    answer = requests.get(f"{live_server.url}/api/v1/ping", auth=(app_key, secret), timeout=10)

    assert answer.status_code == 200
    assert answer.json()["organization"]["company_id"] == organization.company_id
    admin.locator("#key-status .text-success").wait_for(timeout=3_000)
    admin.reload()
    assert secret not in admin.content()
    assert ConnectionKey.objects.get().last_tested_at is not None


def test_it_lets_an_accountant_make_keys_for_a_client_who_accepted(live_server, browser, cast):
    cast.client.subscription = Subscription.BASIC
    cast.client.save()
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number="11223344")
    accountant = signed_in_page(browser, live_server, cast.accountant.email)
    accountant.locator("#environment-menu").click()
    accountant.get_by_role("button", name=re.compile("Numbers Accountants")).click()
    accountant.get_by_role("link", name="Clients").click()
    accountant.get_by_role("link", name="Send authorisation request").click()
    accountant.get_by_label("Client's name").fill("Bea Baker")
    accountant.get_by_label("Client's email address").fill("owner@bakery.nl")
    accountant.get_by_label("KvK number of the organization").fill("11223344")
    accountant.get_by_label("Software package").select_option(label="AFAS")
    accountant.get_by_role("button", name="Send request").click()
    accountant.get_by_text("The authorisation request was sent").wait_for()
    link = re.search(r"http://\S+/authorisation/\S+/", mail.outbox[-1].body).group(0)

    client = signed_in_page(browser, live_server, cast.client_admin.email)
    client.goto(link)
    client.get_by_label(re.compile("Bakery BV")).check()
    client.get_by_role("button", name="Accept").click()
    client.get_by_text("can now set up Bakery BV for you").wait_for()
    assert Partnership.objects.get().organization == bakery

    accountant.goto(f"{live_server.url}/clients/")
    accountant.locator("#clients").get_by_text("Partnership active").wait_for()
    # The client's page: the accountant gives it a GLN besides its KvK number.
    accountant.get_by_role("link", name="Bakery BV", exact=True).click()
    accountant.get_by_text("You look after Bakery BV for Bakery").wait_for()
    accountant.locator("#identifier-form select").select_option("0088")
    accountant.locator("#identifier-form input[name=value]").fill("8712345000011")
    accountant.locator("#identifier-form button[type=submit]").click()
    accountant.get_by_text("Peppol identifier 0088:8712345000011 was added").wait_for()
    assert bakery.identifiers.filter(scheme="0088", value="8712345000011").exists()
    accountant.goto(f"{live_server.url}/connection-keys/")
    app_key, secret = create_keys(accountant, "Bakery BV", "AFAS")

    answer = requests.get(f"{live_server.url}/api/v1/ping", auth=(app_key, secret), timeout=10)
    assert answer.json()["organization"]["company_id"] == bakery.company_id
