"""The document lists at a laptop's width: sorted by a column header from the keyboard, and a
filter bar whose fields stay in line whether or not one of them says what is wrong."""

import pytest

from invoices.models import Document
from tests.e2e.browsing import new_page, screenshot, sign_in
from tests.invoices.conftest import make_sender
from tests.invoices.test_document_model import outgoing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The tops of the filter bar's inputs, selects and button, from the top of the bar, in
# whole pixels.
TOPS = """(form) => [...form.querySelectorAll(
    "input:not([type=hidden]), select, button")].map(field => Math.round(
    field.getBoundingClientRect().top - form.getBoundingClientRect().top))"""


def rows_of(tops: list[int]) -> list[list[int]]:
    """The tops by the bar's rows, in the order of the fields: a field lower than the one
    before it by more than its height starts a row."""
    rows: list[list[int]] = []
    for top in tops:
        if rows and abs(top - rows[-1][0]) < 30:
            rows[-1].append(top)
        else:
            rows.append([top])
    return rows


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("path", ["/documents/outbox/", "/documents/"])
def test_the_filter_fields_stay_in_line_when_one_says_what_is_wrong(
        live_server, browser, cast, language, path):
    cast.admin.language = language
    cast.admin.save()
    page = new_page(browser, width=1280, height=800)
    sign_in(page, live_server, cast.admin.email)
    name = path.strip("/").replace("/", "-")
    page.goto(f"{live_server.url}{path}")
    form = page.locator("#document-filters")
    plain = rows_of(form.evaluate(TOPS))
    screenshot(page, f"document-filters-{name}-{language}")

    # The day until comes before the day from: the error is said beneath the day until.
    page.goto(f"{live_server.url}{path}?date_from=2026-12-31&date_to=2026-12-01&number=F")
    assert form.locator(".invalid-feedback").count() == 1
    screenshot(page, f"document-filters-{name}-{language}-error")
    wrong = rows_of(form.evaluate(TOPS))

    # Every field of a row starts at the same height, a two-line label above it or not, an
    # error beneath it or not; the row with the error keeps its place, a row below it moves
    # down by the error's room.
    assert [len(row) for row in wrong] == [len(row) for row in plain] and len(plain[0]) >= 5
    assert all(len(set(row)) == 1 for row in plain + wrong), (path, language, plain, wrong)
    assert wrong[0] == plain[0], (path, language)


def test_it_sorts_by_a_header_reached_with_the_keyboard(live_server, browser, cast):
    sender = make_sender(cast)
    documents = [outgoing(sender) for _ in range(3)]
    for amount, document in zip((300, 100, 200), documents, strict=True):
        Document.objects.filter(pk=document.pk).update(payable_amount=amount)
    page = new_page(browser, width=1280)
    sign_in(page, live_server, cast.admin.email)
    page.goto(f"{live_server.url}/organizations/{sender.pk}/outbox/?status=created")

    header = page.locator("#documents th[data-sort=amount]")
    header.locator("a").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "ordering=amount" in url)

    assert "status=created" in page.url
    assert header.get_attribute("aria-sort") == "ascending"
    amounts = page.locator("#documents tbody td.text-end").all_inner_texts()
    assert [amount.split()[-1] for amount in amounts] == ["100.00", "200.00", "300.00"]
    screenshot(page, "documents-sorted-by-amount")
