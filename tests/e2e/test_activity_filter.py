"""The activity list in Dutch, at a laptop's width: a filter value the log does not hold is
said beside its field, the other fields stay in their row, nothing is listed, and one click
clears the filters."""

import pytest

from onboarding.models import Invitation, Role
from tests.e2e.browsing import new_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_says_beside_the_action_that_the_log_holds_none_and_offers_to_clear(
        live_server, browser, cast):
    cast.admin.language = "nl"
    cast.admin.save()
    Invitation.send(environment=cast.company, email="new@acme.nl", role=Role.BASIC,
                    by=cast.admin)
    page = new_page(browser, width=1280)
    sign_in(page, live_server, cast.admin.email)

    page.goto(f"{live_server.url}/activity/?action=contract.ended")
    screenshot(page, "activity-invalid-filter-nl-1280")

    form = page.locator("#activity-filter")
    action = form.locator("select[name=action]")
    assert action.get_attribute("aria-invalid") == "true"
    error = page.locator("#id_action_error")
    assert error.is_visible()
    # The error takes room under its own field only: the fields and the button keep one row.
    tops = [box["y"] for box in (control.bounding_box() for control in
                                 form.locator("input:not([type=hidden]), select, button").all())]
    assert max(tops) - min(tops) < 2, tops
    assert error.bounding_box()["y"] > action.bounding_box()["y"]
    assert page.locator("table").count() == 0
    assert "new@acme.nl" not in page.locator("main").inner_text()

    page.get_by_role("link", name="Filters wissen").click()
    page.wait_for_url(f"{live_server.url}/activity/")
    assert "new@acme.nl" in page.locator("main").inner_text()
