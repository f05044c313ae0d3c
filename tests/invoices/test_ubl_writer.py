"""Every invoice the portal writes passes the official rules: no fatal error, no warning."""

from datetime import date
from decimal import Decimal

import pytest

from invoices.peppol import xmlsafe
from invoices.peppol.ubl import AllowanceCharge, Line, read_document, read_facts
from invoices.peppol.validation import validate
from invoices.test_invoice import build_test_invoice, card_receiver, organization_receiver
from onboarding.models import OrganizationIdentifier
from tests.invoices.conftest import invoice, party


def assert_clean(data: bytes):
    report = validate(data)
    assert report.valid, report.verdict
    assert report.xsd_valid
    assert report.rules and report.release
    assert [(m.rule_id, m.text) for m in report.messages] == []
    return report


TWO_RATES = [Line("Advies", Decimal("2"), Decimal("100.00"), Decimal("21")),
             Line("Boek", Decimal("3"), Decimal("12.50"), Decimal("9"))]


def test_it_writes_an_invoice_with_two_vat_rates_that_passes_the_rules():
    data = invoice(lines=TWO_RATES)
    assert_clean(data)
    readable = read_document(xmlsafe.parse_xml(data))
    assert [(v.rate, v.taxable, v.tax) for v in readable.vat] == [
        (Decimal("21"), Decimal("200.00"), Decimal("42.00")),
        (Decimal("9"), Decimal("37.50"), Decimal("3.38"))]
    assert readable.totals["PayableAmount"] == Decimal("282.88")


def test_it_writes_an_invoice_with_an_allowance_and_a_charge_that_passes_the_rules():
    data = invoice(lines=TWO_RATES, allowances=[
        AllowanceCharge("Korting", Decimal("10.00"), Decimal("21")),
        AllowanceCharge("Verzending", Decimal("5.00"), Decimal("9"), charge=True)])
    assert_clean(data)
    readable = read_document(xmlsafe.parse_xml(data))
    assert readable.totals["AllowanceTotalAmount"] == Decimal("10.00")
    assert readable.totals["ChargeTotalAmount"] == Decimal("5.00")
    assert [a.charge for a in readable.allowances] == [False, True]


def test_it_writes_a_credit_note_that_passes_the_rules():
    data = invoice("C-1", document_type="CreditNote", billing_reference="F-2026-001",
                   billing_reference_date=date(2026, 11, 30), lines=TWO_RATES)
    assert_clean(data)
    facts = read_facts(xmlsafe.parse_xml(data))
    assert (facts.document_type, facts.number) == ("CreditNote", "C-1")
    assert read_document(xmlsafe.parse_xml(data)).billing_reference == "F-2026-001"


def test_it_writes_an_invoice_without_vat_for_a_supplier_without_a_vat_number():
    data = invoice(supplier=party("Acme Trading BV", "12345678"),
                   lines=[Line("Dienst", Decimal("1"), Decimal("50"), Decimal("0"), "O")],
                   exemption_reason="Niet onderworpen aan btw")
    assert_clean(data)


def test_it_reads_the_key_facts():
    facts = read_facts(xmlsafe.parse_xml(invoice("F-9", buyer_reference="REF-7")))
    assert facts.document_type == "Invoice"
    assert facts.number == "F-9"
    assert facts.issue_date == date(2026, 11, 30)
    assert facts.currency == "EUR"
    assert facts.payable_amount == Decimal("242.00")
    assert facts.buyer_reference == "REF-7"
    assert (facts.sender_id, facts.receiver_id) == ("0106:12345678", "0106:87654321")
    assert facts.customer_name == "Bakery Client BV"


@pytest.mark.django_db
def test_it_builds_a_test_invoice_to_the_organization_itself_that_passes_the_rules(sender, cast):
    identifier = sender.identifiers.get()
    identifier.switch(cast.admin, "receive", True)
    sender.decide_receiving(cast.admin, True)
    assert_clean(build_test_invoice(sender, organization_receiver(sender)))


@pytest.mark.django_db
def test_it_builds_a_test_invoice_with_vat_when_the_organization_has_a_vat_number(sender, cast,
                                                                               receiver):
    OrganizationIdentifier.add(sender, cast.admin, "9944", "NL004495445B01")
    from customers.models import CustomerCard

    card = CustomerCard.objects.create(organization=sender, name="Bakery Client BV",
                                       customer_number="1", endpoint_scheme="0106",
                                       endpoint_value="87654321", legal_scheme="0106",
                                       legal_value="87654321")
    data = build_test_invoice(sender, card_receiver(card))
    assert_clean(data)
    readable = read_document(xmlsafe.parse_xml(data))
    assert readable.supplier.vat_id == "NL004495445B01"
    assert readable.customer.city == "Zeist"  # from the organization that holds the Endpoint-ID
