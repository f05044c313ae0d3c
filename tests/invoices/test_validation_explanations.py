"""What the schema check's terse messages (libxml2's) mean, in plain words: each message as
the check really words it for a broken invoice, and the explanation a reader gets beside it."""

import re

import pytest

from invoices.peppol import validation
from invoices.peppol.validation import RuleMessage, validate
from tests.invoices.conftest import invoice

BASE = invoice("F-1")


def without(pattern: bytes) -> bytes:
    return re.sub(pattern, b"", BASE, count=1, flags=re.S)


def only_message(data: bytes) -> RuleMessage:
    report = validate(data)
    assert report.stopped_at == "xsd", report.verdict
    [message] = report.messages
    return message


@pytest.mark.parametrize(("data", "explained"), [
    (without(rb"<cbc:IssueDate>.*?</cbc:IssueDate>"),
     "cbc:IssueDate (or one of cbc:CopyIndicator, cbc:UUID) is missing before cbc:DueDate, or "
     "cbc:DueDate is out of place."),
    (without(rb"<cbc:ID>F-1</cbc:ID>"),
     "cbc:ID (or cbc:ProfileExecutionID) is missing before cbc:IssueDate, or cbc:IssueDate is "
     "out of place."),
    (without(rb"<cac:AccountingCustomerParty>.*?</cac:AccountingCustomerParty>"),
     "cac:AccountingCustomerParty is missing before cac:PaymentMeans, or cac:PaymentMeans is "
     "out of place."),
    # libxml2 names ten elements at most, and the missing supplier is not among them.
    (without(rb"<cac:AccountingSupplierParty>.*?</cac:AccountingSupplierParty>"),
     "cac:AccountingCustomerParty is out of place, or an element is missing before it. "
     "Expected there: one of cac:InvoicePeriod, cac:OrderReference, cac:BillingReference, "
     "cac:DespatchDocumentReference, cac:ReceiptDocumentReference, "
     "cac:StatementDocumentReference, cac:OriginatorDocumentReference, "
     "cac:ContractDocumentReference, cac:AdditionalDocumentReference, cac:ProjectReference, or "
     "an element that may follow them."),
    (BASE.replace(b"<cbc:ID>F-1</cbc:ID>", b"<ID>F-1</ID>"),
     "ubl:ID has the wrong namespace: write it as cbc:ID."),
    (without(rb'<cbc:PayableAmount currencyID="EUR">[^<]*</cbc:PayableAmount>'),
     "cbc:PayableAmount (or one of cbc:AllowanceTotalAmount, cbc:ChargeTotalAmount, "
     "cbc:PrepaidAmount, cbc:PayableRoundingAmount) is missing in cac:LegalMonetaryTotal."),
    (without(rb"<cac:InvoiceLine>.*</cac:InvoiceLine>"),
     "cac:InvoiceLine is missing in ubl:Invoice."),
    (BASE.replace(b">2026-11-30</cbc:IssueDate>", b">30-11-2026</cbc:IssueDate>"),
     "cbc:IssueDate holds “30-11-2026”, which is not a date: write a date as YYYY-MM-DD, for "
     "example 2026-11-30."),
    (BASE.replace(b">2026-11-30</cbc:IssueDate>", b"></cbc:IssueDate>"),
     "cbc:IssueDate is empty, but it needs a value."),
    (re.sub(rb"(<cbc:PriceAmount[^>]*>)[^<]*", rb"\g<1>1.234,50", BASE),
     "cbc:PriceAmount holds “1.234,50”, which is not a number: write a number with a point "
     "before the decimals, without thousands separators or symbols, for example 1234.50."),
    (re.sub(rb"(<cbc:InvoicedQuantity[^>]*>)[^<]*", rb"\g<1>two", BASE),
     "cbc:InvoicedQuantity holds “two”, which is not a number: write a number with a point "
     "before the decimals, without thousands separators or symbols, for example 1234.50."),
    (BASE.replace(b"<cbc:DueDate>", b"<cbc:IssueTime>noon</cbc:IssueTime><cbc:DueDate>"),
     "cbc:IssueTime holds “noon”, which is not a time: write a time as hh:mm:ss, for example "
     "14:30:00."),
    (BASE.replace(b' currencyID="EUR"', b"", 1),
     "cbc:TaxAmount needs the attribute currencyID, which is missing."),
    (BASE.replace(b'currencyID="EUR"', b'currencyID="EUR" rate="1"', 1),
     "cbc:TaxAmount may not have the attribute rate."),
    (BASE.replace(b"<cac:AccountingSupplierParty>", b"<cac:AccountingSupplierParty>Acme", 1),
     "cac:AccountingSupplierParty holds text of its own, but may only contain other "
     "elements."),
], ids=["issue-date", "id", "customer", "supplier-list-cut", "namespace", "payable-amount",
        "no-lines", "date", "empty", "decimal-comma", "quantity", "time", "attribute-missing",
        "attribute-extra", "text"])
def test_it_explains_what_a_schema_message_means(data, explained):
    message = only_message(data)

    assert message.render_explanation() == explained
    # The official text stays as it was.
    assert message.shown_text.startswith("Line ")


def test_it_explains_only_the_schema_checks_messages():
    official = RuleMessage("BR-CO-15", "fatal", "/ubl:Invoice[1]",
                           "[BR-CO-15]-Element 'cbc:X': This element is not expected.")
    assert official.explanation is None and official.render_explanation() == ""
    unknown = RuleMessage("XSD", "fatal", "/", "Line 3: Element 'cbc:X': Something new.")
    assert unknown.render_explanation() == ""
    assert RuleMessage("XSD", "fatal", "/", "The schema check failed.").render_explanation() \
        == ""


def test_it_explains_a_stored_report_read_back():
    report = validate(without(rb"<cbc:IssueDate>.*?</cbc:IssueDate>"))
    again = validation.ValidationReport.from_dict(report.to_dict())

    assert again.messages[0].render_explanation() == report.messages[0].render_explanation()
    assert "explanation" not in report.to_dict()["messages"][0]


def test_it_renders_the_explanation_through_a_translation_function():
    message = only_message(without(rb"<cbc:IssueDate>.*?</cbc:IssueDate>"))
    dutch = {validation.SCHEMA_EXPLANATIONS["missing_before_one_of"]:
             "{expected} (of een van {others}) ontbreekt vóór {element}, of {element} staat "
             "op de verkeerde plaats."}

    assert message.render_explanation(dutch.get) == (
        "cbc:IssueDate (of een van cbc:CopyIndicator, cbc:UUID) ontbreekt vóór cbc:DueDate, of "
        "cbc:DueDate staat op de verkeerde plaats.")
    # A translation that names a parameter the template has not falls back to English.
    broken = {validation.SCHEMA_EXPLANATIONS["missing_before_one_of"]: "{missing} ontbreekt"}
    assert message.render_explanation(broken.get).startswith("cbc:IssueDate (or one of")
