"""An accountant sends authorisation requests to a list of clients copied from a spreadsheet:
checks it, changes it, and sends the ready rows."""

import re

import pytest
from django.core import mail

from onboarding.models import AuthorisationRequest, Subscription
from tests.e2e.test_organization_journey import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST = ("Name\tEmail\tKvK number\tSoftware\n"
        "Bea Baker\tbea@bakery.nl\t87654321\tAFAS\n"
        "Carl Cook\tcarl@cook.nl\t1234\tAccept\n")


def test_it_sends_the_ready_rows_of_a_pasted_list(live_server, browser, cast):
    cast.accountancy.subscription = Subscription.BASIC
    cast.accountancy.save()
    page = signed_in_page(browser, live_server, cast.accountant.email)
    page.locator("#environment-menu").click()
    page.get_by_role("button", name=re.compile("Numbers Accountants")).click()
    page.get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Send to a list of clients").click()
    page.get_by_label("Paste the list").fill(LIST)
    page.get_by_role("button", name="Check the list").click()

    page.get_by_text("1 of 2 clients is ready.").wait_for()
    assert "A KvK number has 8 digits" in page.locator('tr[data-line="3"]').inner_text()
    # The accountant corrects the number and checks again.
    page.get_by_role("button", name="Change the list").click()
    page.get_by_label("Paste the list").fill(LIST.replace("\t1234\t", "\t11223344\t"))
    page.get_by_role("button", name="Check the list").click()
    page.get_by_text("2 of 2 clients are ready.").wait_for()
    assert AuthorisationRequest.objects.count() == 0
    page.get_by_role("button", name="Send 2 authorisation requests").click()

    page.get_by_text("2 authorisation requests were sent.").wait_for()
    assert sorted(m.to[0] for m in mail.outbox) == ["bea@bakery.nl", "carl@cook.nl"]
    assert page.locator("#clients td", has_text="carl@cook.nl").is_visible()
