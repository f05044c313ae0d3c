"""Switching receiving off stops incoming invoices at once, so the organization's switch and an
identifier's Receive switch ask first; switching on takes one click."""

import pytest

from tests.e2e.browsing import Watcher, new_page, sign_in
from tests.onboarding.conftest import activated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiving(cast):
    org = activated(cast)
    org.decide_receiving(cast.admin, True)
    return org


def test_it_asks_before_the_organization_stops_receiving(live_server, browser, cast,
                                                          receiving):
    page = sign_in(new_page(browser), live_server, cast.admin.email)
    watcher = Watcher(page)
    page.goto(f"{live_server.url}/organizations/{receiving.pk}/")

    page.locator("#receiving").get_by_role("switch", name="Switch receiving off").click()
    page.get_by_role("heading", name="Switch receiving off for Trading BV?").wait_for()
    assert "will no longer be received here" in page.locator(
        "#receiving-off-consequence").inner_text()
    receiving.refresh_from_db()
    assert receiving.receives

    page.get_by_role("button", name="Switch receiving off").click()
    page.locator("#receiving").get_by_role("switch", name="Switch receiving on").wait_for()
    assert "Receiving off" in page.locator("#receiving-state").inner_text()
    receiving.refresh_from_db()
    assert not receiving.receives

    # On again: one click, no question.
    page.locator("#receiving").get_by_role("switch", name="Switch receiving on").click()
    page.locator("#receiving").get_by_role("switch", name="Switch receiving off").wait_for()
    receiving.refresh_from_db()
    assert receiving.receives
    assert watcher.problems == []


def test_it_asks_before_an_identifier_stops_receiving(live_server, browser, cast, receiving):
    gln = receiving.identifiers.get(scheme="0088")
    page = sign_in(new_page(browser), live_server, cast.admin.email)
    page.goto(f"{live_server.url}/organizations/{receiving.pk}/")
    switch = f'[data-switch="receive-{gln.pk}"]'

    page.locator(switch).click()
    page.get_by_role("heading", name="Switch receiving off for 0088:1234567890128?").wait_for()
    page.get_by_role("link", name="Cancel").click()
    page.locator(f'{switch}[aria-checked="true"]').wait_for()
    gln.refresh_from_db()
    assert gln.can_receive

    page.locator(switch).click()
    page.get_by_role("button", name="Switch receiving off").click()
    page.get_by_text("0088:1234567890128 no longer receives.").wait_for()
    assert page.locator(f'{switch}[aria-checked="false"]').count() == 1

    page.locator(switch).click()
    page.get_by_text("0088:1234567890128 now receives.").wait_for()
    gln.refresh_from_db()
    assert gln.can_receive
