"""The validation report on a document's page, and what the page says of a refused document:
the report's width and badges, schema errors in plain words, the note that the official
texts are English, and a file that is not UBL at all."""

import re

import pytest

from invoices.models import Channel, Direction, Document, Status
from invoices.peppol.validation import SCHEMA_EXPLANATIONS
from invoices.submission import accept
from tests.conftest import sign_in, text
from tests.invoices.conftest import invoice

pytestmark = pytest.mark.django_db

NO_ISSUE_DATE = invoice("F-SCHEMA").replace(b"<cbc:IssueDate>2026-11-30</cbc:IssueDate>", b"")


def sent(organization, data, client_document_id=""):
    """`data` as a connection key's software sends it, checked by the rules at once."""
    document = accept(organization, data, Channel.CONNECTION_KEY,
                      client_document_id=client_document_id)
    document.refresh_from_db()
    return document


def page_of(client, user, document, language="en"):
    user.language = language
    user.save()
    sign_in(client, user)
    return text(client.get(document.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language))


def part(page, element_id, end="</section>"):
    return page.split(f'id="{element_id}"', 1)[1].split(end, 1)[0]


def badge(page, element_id):
    return re.search(rf'<span class="badge ([^"]*)" id="{element_id}">(\d+)</span>', page).groups()


def test_it_gives_the_report_the_pages_width_and_shows_the_history_after_it(client, cast,
                                                                           sender):
    document = sent(sender, invoice("F-1", buyer_reference=""))

    page = page_of(client, cast.admin, document)

    assert page.index('id="validation"') < page.index('id="timeline"')
    # Neither sits in a column beside the other.
    assert re.search(r'<section class="mb-4" id="validation">', page)
    assert "col-lg-7" not in page and "col-lg-5" not in page
    fatal = part(page, "fatal", "</table>")
    assert re.search(r'<td class="text-nowrap"><code class="message-rule">PEPPOL-EN16931-R003'
                     r'</code></td>', fatal)


def test_it_breaks_a_location_only_between_its_steps(client, cast, sender):
    data = invoice("F-2").replace(b"<cbc:CompanyID>NL004495445B01</cbc:CompanyID>", b"", 1)
    document = sent(sender, data)

    fatal = part(page_of(client, cast.admin, document), "fatal", "</table>")

    assert ("<wbr>/ubl:Invoice[1]<wbr>/cac:AccountingSupplierParty[1]<wbr>/cac:Party[1]"
            "<wbr>/cac:PartyTaxScheme[1]") in fatal
    assert "text-break" not in fatal


def test_it_shows_a_count_of_none_in_a_neutral_badge(client, cast, sender):
    # UBL 2.0 named as the version: valid, with one warning (UBL-CR-002).
    valid = sent(sender, invoice("F-3").replace(
        b"<cbc:CustomizationID>", b"<cbc:UBLVersionID>2.0</cbc:UBLVersionID><cbc:CustomizationID>"))
    refused = sent(sender, invoice("F-4", buyer_reference=""))

    page = page_of(client, cast.admin, valid)
    assert badge(page, "fatal-count") == ("text-bg-secondary", "0")
    assert badge(page, "warning-count") == ("text-bg-warning", "1")
    assert "text-bg-danger" not in part(page, "validation")

    page = page_of(client, cast.admin, refused)
    assert badge(page, "fatal-count") == ("text-bg-danger", "1")
    assert badge(page, "warning-count") == ("text-bg-secondary", "0")


def test_it_explains_a_schema_error_in_plain_words_beside_the_official_text(client, cast,
                                                                           sender):
    document = sent(sender, NO_ISSUE_DATE)

    fatal = part(page_of(client, cast.admin, document), "fatal", "</table>")

    assert re.search(
        r'<div class="message-explained">cbc:IssueDate \(or one of cbc:CopyIndicator, cbc:UUID\) '
        r'is missing before cbc:DueDate, or cbc:DueDate is out of place.</div>', fatal)
    assert re.search(r'<div class="text-muted message-text" lang="en">Line \d+: Element '
                     r"'cbc:DueDate': This element is not expected. Expected is one of \( "
                     r"cbc:CopyIndicator, cbc:UUID, cbc:IssueDate \).</div>", fatal)


def test_it_shows_the_explanation_in_the_readers_language(client, cast, sender, monkeypatch):
    dutch = {SCHEMA_EXPLANATIONS["missing_before_one_of"]:
             "{expected} (of een van {others}) ontbreekt vóór {element}, of {element} staat "
             "op de verkeerde plaats."}
    monkeypatch.setattr("invoices.templatetags.documents.gettext",
                        lambda message: dutch.get(message, message))
    document = sent(sender, NO_ISSUE_DATE)

    fatal = part(page_of(client, cast.admin, document, "nl"), "fatal", "</table>")

    assert "cbc:IssueDate (of een van cbc:CopyIndicator, cbc:UUID) ontbreekt vóór cbc:DueDate" \
        in fatal
    assert "This element is not expected" in fatal


def test_it_gives_a_rules_own_text_without_an_explanation(client, cast, sender):
    document = sent(sender, invoice("F-5", buyer_reference=""))

    fatal = part(page_of(client, cast.admin, document), "fatal", "</table>")

    assert "message-explained" not in fatal
    assert '<span class="message-text" lang="en">A buyer reference or purchase order ' \
        'reference MUST be provided.</span>' in fatal


def test_it_says_once_to_a_dutch_reader_that_the_official_texts_are_in_english(client, cast,
                                                                             sender):
    refused = sent(sender, invoice("F-6", buyer_reference=""))
    valid = sent(sender, invoice("F-7"))

    page = page_of(client, cast.admin, refused, "nl")
    assert page.count('id="english-only"') == 1
    assert page.index('id="english-only"') < page.index('id="fatal"')
    assert "Fatale fouten" in page  # the page itself is Dutch
    assert 'id="english-only"' not in page_of(client, cast.admin, refused, "en")
    # Without messages there is nothing in English to warn of.
    assert 'id="english-only"' not in page_of(client, cast.admin, valid, "nl")


def test_it_says_the_rules_did_not_run_on_a_file_that_is_not_ubl(client, cast, sender):
    document = sent(sender, b"<Invoice>not ubl</Invoice>", "ERP-2026-0042")
    assert document.status == Status.REFUSED and document.number == ""

    page = page_of(client, cast.admin, document)

    notice = part(page, "refused-notice", "</div>")
    assert " ".join(notice.split()) == (
        "><strong>Refused.</strong> The document is not a UBL invoice or credit note, so the "
        "official rules did not run on it; the validation report below says what it is.")
    assert "does not pass the official rules" not in page
    report = part(page, "validation")
    assert "The official rules did not run on this document." in report
    assert "root element is Invoice, not a UBL 2.1 Invoice or CreditNote" in report
    # No counts of messages that could not come.
    assert "Fatal errors" not in report and "fatal-count" not in report


def test_it_names_a_document_without_a_number_by_the_ids_it_has(client, cast, sender):
    named = sent(sender, b"<Invoice>not ubl</Invoice>", "ERP-2026-0042")
    unnamed = sent(sender, b"<Invoice>not ubl either</Invoice>")

    page = page_of(client, cast.admin, named)
    assert "<title>Document ERP-2026-0042" in page
    assert re.search(r'<h1 class="h3 mb-1">Document ERP-2026-0042\s', page)
    ids = part(page, "document-ids", "</p>")
    assert f'<code id="delivery-id">{named.delivery_id}</code>' in ids
    assert '<code id="client-document-id">ERP-2026-0042</code>' in ids

    page = page_of(client, cast.admin, unnamed)
    short = str(unnamed.delivery_id)[:8]
    assert re.search(rf'<h1 class="h3 mb-1">Document {short}\s', page)
    assert 'id="client-document-id"' not in page
    assert f'<code id="delivery-id">{unnamed.delivery_id}</code>' in part(page, "document-ids",
                                                                          "</p>")


def test_it_keeps_a_documents_number_as_its_name(client, cast, sender):
    document = sent(sender, invoice("F-8", buyer_reference=""), "ERP-2026-0043")

    page = page_of(client, cast.admin, document)

    assert re.search(r'<h1 class="h3 mb-1">Invoice F-8\s', page)
    assert '<code id="client-document-id">ERP-2026-0043</code>' in page


def stored(organization, report: dict) -> Document:
    return Document.store(organization=organization, direction=Direction.OUTGOING,
                          status=Status.REFUSED, content=b"<x/>", channel=Channel.PORTAL,
                          validation={"valid": False, "xsd_valid": False, "rules": "",
                                      "release": "", "messages": [], **report})


@pytest.mark.parametrize(("report", "says"), [
    ({"stopped_at": "xml", "verdict_key": "malformed", "verdict_params": {"detail": "x"}},
     "The file cannot be read as XML, so the official rules did not run on it"),
    ({"stopped_at": "document_type", "verdict_key": "document_type",
      "verdict_params": {"element": "Order"}},
     "The document is not a UBL invoice or credit note, so the official rules did not run"),
    ({"stopped_at": "xsd", "verdict_key": "xsd", "messages": [
        {"rule_id": "XSD", "flag": "fatal", "location": "/", "text": "Line 1: bad"}]},
     "The document does not match the UBL 2.1 schema, so the official rules did not run on "
     "it; see the schema errors below."),
    ({"stopped_at": "customization", "verdict_key": "customization_missing"},
     "The document does not name, in its CustomizationID, rules that are checked here, so the "
     "official rules did not run on it"),
    ({"xsd_valid": True, "rules": "Peppol BIS Billing 3.0", "release": "3.0.21",
      "verdict_key": "rules_stopped", "messages": [
          {"rule_id": "RULES-STOPPED", "flag": "fatal", "location": "/", "text": "boom"}]},
     "The official rules stopped with an error on this document, so they could not judge it"),
    ({"xsd_valid": True, "rules": "Peppol BIS Billing 3.0", "release": "3.0.21",
      "verdict_key": "refused", "messages": [
          {"rule_id": "BR-01", "flag": "fatal", "location": "/", "text": "[BR-01]-No."}]},
     "The document does not pass the official rules; see the validation report below."),
])
def test_it_says_in_the_refusal_where_the_check_stopped(client, cast, sender, report, says):
    document = stored(sender, report)

    notice = " ".join(part(page_of(client, cast.admin, document), "refused-notice",
                           "</div>").split())

    assert says in notice
    others = {"does not pass the official rules", "did not run", "stopped with an error"}
    assert [phrase for phrase in others if phrase in notice] == [
        phrase for phrase in others if phrase in says]


def test_it_escapes_what_a_document_wrote_in_an_explanation_and_a_location(client, cast,
                                                                          sender):
    from invoices.templatetags.documents import xpath_breaks

    data = invoice("F-9").replace(b">2026-11-30</cbc:IssueDate>",
                                  b">&lt;b&gt;30-11&lt;/b&gt;</cbc:IssueDate>")
    document = sent(sender, data)

    sign_in(client, cast.admin)
    fatal = part(client.get(document.get_absolute_url()).content.decode(), "fatal", "</table>")

    assert "cbc:IssueDate holds “&lt;b&gt;30-11&lt;/b&gt;”, which is not a date" in fatal
    assert "<b>" not in fatal
    assert xpath_breaks("/a[@x='<b>']/c") == "<wbr>/a[@x=&#x27;&lt;b&gt;&#x27;]<wbr>/c"
