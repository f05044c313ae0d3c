"""A keyboard user starts typing where a page asks for it: the sign-in, second-factor and
confirm-it-is-you pages put the focus in their first field."""

import pytest

from tests.conftest import PASSWORD, enable_totp
from tests.e2e.test_organization_journey import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_field(page) -> str:
    return page.evaluate("document.activeElement.name || document.activeElement.tagName")


def test_it_starts_in_the_first_field_of_each_entrance_page(live_server, page, cast):
    page.goto(f"{live_server.url}/accounts/login/")
    assert focused_field(page) == "login"

    page.keyboard.type(cast.sales.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    enable_totp(cast.sales)
    page.keyboard.press("Enter")
    page.locator("input[name=code]").wait_for()
    assert focused_field(page) == "code"


def test_it_starts_in_the_password_when_a_change_asks_for_it_again(live_server, browser, cast):
    admin = signed_in_page(browser, live_server, cast.admin.email)
    admin.goto(f"{live_server.url}/accounts/reauthenticate/?next=/")
    assert focused_field(admin) == "password"


def test_it_leaves_the_focus_on_a_field_with_an_error(live_server, page, cast):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(cast.admin.email)
    page.locator("input[name=password]").fill("not-the-password-1")
    page.locator("input[name=password]").press("Enter")
    page.get_by_text("are not correct").wait_for()
    assert focused_field(page) != "BODY"
