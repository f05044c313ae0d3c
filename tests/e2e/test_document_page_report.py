"""A document's page at laptop width: the validation report takes the page's width with the
history after it, a rule id never breaks and a location breaks only between its steps, a
count of none looks neutral, and a file that is not UBL says the rules did not run on it."""

import pytest

from invoices.models import Channel
from invoices.submission import accept
from tests.e2e.browsing import Watcher, new_page, screenshot, sign_in
from tests.invoices.conftest import invoice, make_sender

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The characters of an element that start a new line on screen.
LINE_STARTS = """(element) => {
  const starts = [];
  let lastTop = null;
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect || !node.data[i].trim()) continue;
      if (lastTop !== null && rect.top > lastTop + 2) starts.push(node.data[i]);
      lastTop = rect.top;
    }
  }
  return starts;
}"""


def documents(sender):
    def send(data, client_document_id=""):
        return accept(sender, data, Channel.CONNECTION_KEY,
                      client_document_id=client_document_id)

    return {
        # BR-CO-15, BR-CO-16 and PEPPOL-EN16931-R003.
        "rules": send(invoice("F-RULES", buyer_reference="").replace(
            b'<cbc:TaxInclusiveAmount currencyID="EUR">242.00',
            b'<cbc:TaxInclusiveAmount currencyID="EUR">243.00'), "ERP-2026-0042"),
        # UBL-SR-53, four steps deep into the supplier.
        "deep": send(invoice("F-DEEP").replace(b"<cbc:CompanyID>NL004495445B01</cbc:CompanyID>",
                                               b"", 1)),
        "schema": send(invoice("F-SCHEMA").replace(
            b"<cbc:IssueDate>2026-11-30</cbc:IssueDate>", b"")),
        # Valid, with the warning UBL-CR-002.
        "valid": send(invoice("F-VALID").replace(
            b"<cbc:CustomizationID>",
            b"<cbc:UBLVersionID>2.0</cbc:UBLVersionID><cbc:CustomizationID>")),
        "not-ubl": send(b"<Invoice>not ubl</Invoice>", "ERP-NOT-UBL"),
    }


@pytest.mark.parametrize("language", ["en", "nl"])
def test_it_gives_the_report_the_width_its_rule_ids_and_locations_need(
        live_server, browser, cast, language):
    user = cast.admin
    user.language = language
    user.save()
    sent = documents(make_sender(cast))
    page = new_page(browser, width=1280, height=800)
    watcher = Watcher(page)
    sign_in(page, live_server, user.email)

    for name, document in sent.items():
        page.goto(f"{live_server.url}{document.get_absolute_url()}")
        report, history = page.locator("#validation"), page.locator("#timeline")
        report.scroll_into_view_if_needed()
        screenshot(page, f"document-report-{name}-{language}")
        main = page.locator("main").bounding_box()
        box = report.bounding_box()
        assert box["width"] > 1000 and box["width"] >= main["width"] - 60, (name, box, main)
        assert history.bounding_box()["y"] >= box["y"] + box["height"], name
        for rule in page.locator(".message-rule").all():
            assert rule.evaluate(LINE_STARTS) == [], (name, rule.inner_text())
        for location in page.locator(".message-xpath").all():
            assert set(location.evaluate(LINE_STARTS)) <= {"/"}, (name, location.inner_text())
        ids = page.locator("#document-ids")
        assert str(document.delivery_id) in ids.inner_text()
        assert page.locator("#english-only").count() == (
            1 if language == "nl" and name != "not-ubl" else 0), name

    # The deep location takes two lines, or three, not one for each step.
    page.goto(f"{live_server.url}{sent['deep'].get_absolute_url()}")
    deep = page.locator("#fatal tr", has_text="UBL-SR-53").locator(".message-xpath")
    assert 1 <= len(deep.evaluate(LINE_STARTS)) <= 2

    page.goto(f"{live_server.url}{sent['valid'].get_absolute_url()}")
    assert "text-bg-secondary" in page.locator("#fatal-count").get_attribute("class")
    assert "text-bg-warning" in page.locator("#warning-count").get_attribute("class")

    page.goto(f"{live_server.url}{sent['schema'].get_absolute_url()}")
    assert page.locator("#fatal .message-explained").count() == 1
    assert "This element is not expected" in page.locator("#fatal .message-text").inner_text()

    page.goto(f"{live_server.url}{sent['not-ubl'].get_absolute_url()}")
    assert page.locator("h1").inner_text().startswith("Document ERP-NOT-UBL")
    assert page.locator("#client-document-id").inner_text() == "ERP-NOT-UBL"
    assert page.locator("#fatal-count").count() == 0
    if language == "en":
        assert "so the official rules did not run on it" in \
            page.locator("#refused-notice").inner_text()
    page.locator("#refused-notice").scroll_into_view_if_needed()
    screenshot(page, f"document-report-not-ubl-top-{language}")
    assert not watcher.problems
