"""The staff lists and the organization list in Dutch at a laptop's size: the identifiers to
verify are filtered by scheme from the filter bar and stay filtered on the next page, every
list says how many it holds, and a scheme the list does not know is said beside its field
with nothing listed and one click to clear it."""

import pytest

from onboarding.models import Organization, OrganizationIdentifier, Subscription
from tests.conftest import enable_totp
from tests.e2e.browsing import Watcher, new_page, screenshot, sign_in
from tests.e2e.test_layout import CLIPPED_CHOICES, fits
from tests.onboarding.test_staff_lists import upgrade_requests, waiting_identifiers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def same_row(form) -> bool:
    tops = [control.bounding_box()["y"] for control in
            form.locator("input:not([type=hidden]), select, button").all()]
    return max(tops) - min(tops) < 2


def test_it_filters_the_identifiers_to_verify_by_scheme_across_pages(live_server, browser,
                                                                      cast):
    cast.techsupport.language = "nl"
    cast.techsupport.save()
    waiting_identifiers(cast, 27)
    waiting_identifiers(cast, 3, scheme="9944", prefix="Btw")
    page = new_page(browser, width=1280, height=800, locale="nl-NL")
    watcher = Watcher(page)
    sign_in(page, live_server, cast.techsupport.email, totp=True)

    page.goto(f"{live_server.url}/staff/identifiers/")
    screenshot(page, "staff-identifiers-nl-1280")
    form = page.locator("#identifier-filter")
    assert fits(page) and same_row(form)
    assert form.evaluate(CLIPPED_CHOICES) == []
    assert page.locator("#list-total").inner_text().startswith("30 ")

    form.locator("select[name=scheme]").select_option("0088")
    form.get_by_role("button").click()
    page.wait_for_url("**/staff/identifiers/?*scheme=0088*")
    assert page.locator("#list-total").inner_text().startswith("27 ")
    page.locator("a[rel=next]").click()
    page.wait_for_url("**page=2*")
    screenshot(page, "staff-identifiers-page-2-nl-1280")
    assert form.locator("select[name=scheme]").input_value() == "0088"
    assert page.locator("#identifier-queue tbody tr").count() == 2
    assert form.evaluate(CLIPPED_CHOICES) == []

    page.goto(f"{live_server.url}/staff/identifiers/?scheme=0000")
    screenshot(page, "staff-identifiers-invalid-nl-1280")
    error = page.locator("#id_scheme_error")
    assert error.is_visible()
    assert error.bounding_box()["y"] > form.locator("select[name=scheme]").bounding_box()["y"]
    assert page.locator("table").count() == 0
    page.locator("#filter-invalid a").click()
    page.wait_for_url(f"{live_server.url}/staff/identifiers/?")
    assert page.locator("#identifier-queue tbody tr").count() == 25
    assert watcher.problems == []


def test_it_filters_an_environments_organizations_by_status_and_receiving(live_server,
                                                                          browser, cast):
    cast.admin.language = "nl"
    cast.admin.save()
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    for number in range(6):
        organization = Organization.create(environment=cast.company, by=cast.admin,
                                           name=f"Klant {number} BV", registry_number="")
        if number % 2:
            Organization.objects.filter(pk=organization.pk).update(
                status=Organization.Status.PENDING)
    page = new_page(browser, width=1280, height=800, locale="nl-NL")
    watcher = Watcher(page)
    sign_in(page, live_server, cast.admin.email)

    page.goto(f"{live_server.url}/organizations/?status=pending")
    screenshot(page, "organizations-pending-nl-1280")
    form = page.locator("#organization-filter")
    assert fits(page) and same_row(form)
    assert form.evaluate(CLIPPED_CHOICES) == []
    assert page.locator("#organizations tbody tr").count() == 3
    assert page.locator("#list-total").inner_text().startswith("3 ")

    page.goto(f"{live_server.url}/organizations/?receiving=misschien")
    screenshot(page, "organizations-invalid-nl-1280")
    assert page.locator("#id_receiving_error").is_visible()
    assert page.locator("table").count() == 0
    assert watcher.problems == []


def test_it_says_how_many_organizations_the_staff_list_holds(live_server, browser, cast):
    cast.techsupport.language = "nl"
    cast.techsupport.save()
    waiting_identifiers(cast, 3)
    OrganizationIdentifier.objects.update(verification="verified")
    page = new_page(browser, width=1280, height=800, locale="nl-NL")
    sign_in(page, live_server, cast.techsupport.email, totp=True)
    page.goto(f"{live_server.url}/staff/organizations/?status=active")
    screenshot(page, "staff-organizations-nl-1280")
    assert page.locator("#list-total").inner_text().startswith("3 ")
    assert page.locator("#list-total a").inner_text() == "Filters wissen"
    assert fits(page)


def test_it_says_under_the_upgrade_views_that_it_has_no_such_view(live_server, browser, cast):
    cast.sales.language = "nl"
    cast.sales.save()
    enable_totp(cast.sales)
    upgrade_requests(cast, 2)
    page = new_page(browser, width=1280, height=800, locale="nl-NL")
    sign_in(page, live_server, cast.sales.email, totp=True)

    page.goto(f"{live_server.url}/staff/upgrades/")
    screenshot(page, "staff-upgrades-nl-1280")
    assert page.locator("#list-total").inner_text().startswith("2 ")
    page.goto(f"{live_server.url}/staff/upgrades/?show=alles")
    screenshot(page, "staff-upgrades-invalid-nl-1280")
    error = page.locator("#id_show_error")
    assert error.is_visible()
    assert error.bounding_box()["y"] > page.locator("#upgrade-show").bounding_box()["y"]
    assert page.locator("table").count() == 0
    page.locator("#filter-invalid a").click()
    page.wait_for_url(f"{live_server.url}/staff/upgrades/?")
    assert page.locator("#upgrade-queue tbody tr").count() == 2
    assert fits(page)
