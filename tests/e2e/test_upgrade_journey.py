"""A company on the free plan runs into the plan limit for AFAS, asks Sales for an upgrade
from the refusal itself, Sales approves from its queue, and the key can be made."""

import pytest
from django.core import mail

from onboarding.models import ConnectionKey, Organization, Subscription, UpgradeRequest
from tests.conftest import PASSWORD, enable_totp
from tests.e2e.screens import at_laptop_widths
from tests.e2e.test_organization_journey import signed_in_page
from tests.onboarding.test_mfa import current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_goes_from_a_plan_refusal_to_an_approved_upgrade(live_server, browser, cast):
    org = Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                              registry_number="12345678", registry_checked=True)
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
    enable_totp(cast.sales)

    admin = signed_in_page(browser, live_server, cast.admin.email)
    admin.goto(f"{live_server.url}/organizations/{org.pk}/connection-keys/new/")
    # Creating keys asks for the password again first.
    admin.locator("#id_password").fill(PASSWORD)
    admin.locator("#id_password").press("Enter")
    admin.get_by_label("Software package").select_option("afas")
    admin.get_by_role("button", name="Create keys").click()
    error = admin.locator("#id_software_error")
    assert "AFAS needs at least a Basic subscription" in error.inner_text()
    at_laptop_widths(admin, "plan-refusal")
    error.get_by_role("link", name="Ask Sales for an upgrade.").click()

    admin.get_by_role("heading", name="Ask for an upgrade").wait_for()
    # The refusal's link chose the plan AFAS needs.
    assert admin.get_by_label("Basic", exact=True).is_checked()
    admin.get_by_label("Message to Sales").fill("We want to connect AFAS.")
    at_laptop_widths(admin, "upgrade-request")
    admin.get_by_role("button", name="Send the request to Sales").click()
    admin.locator("#upgrade-waiting").wait_for()

    sales = signed_in_page(browser, live_server, cast.sales.email)
    sales.locator("input[name=code]").fill(current_code())
    sales.locator("button[type=submit]").first.click()
    sales.wait_for_url(f"{live_server.url}/staff/")
    sales.locator("#staff-queues").get_by_role("link", name="Upgrade requests").click()
    sales.wait_for_url(f"{live_server.url}/staff/upgrades/")
    at_laptop_widths(sales, "upgrade-queue")
    sales.get_by_role("link", name="Acme").click()
    sales.get_by_text("We want to connect AFAS.").wait_for()
    sales.get_by_label("Answer to the administrator").fill("Welcome to Basic.")
    at_laptop_widths(sales, "upgrade-decision")
    sales.get_by_role("button", name="Approve").click()
    sales.get_by_text("Acme now has the Basic subscription.").wait_for()

    cast.company.refresh_from_db()
    assert cast.company.subscription == Subscription.BASIC
    assert UpgradeRequest.objects.get().status == UpgradeRequest.Status.APPROVED
    assert any("now has the Basic subscription" in m.body for m in mail.outbox
               if m.to == [cast.admin.email])

    admin.goto(f"{live_server.url}/")
    assert "Welcome to Basic." in admin.locator("#upgrade-status").inner_text()
    admin.goto(f"{live_server.url}/organizations/{org.pk}/connection-keys/new/")
    admin.get_by_label("Software package").select_option("afas")
    admin.get_by_role("button", name="Create keys").click()
    admin.wait_for_url(lambda url: "/created/" in url)
    assert ConnectionKey.objects.get().software == "afas"
