"""Write a Peppol BIS Billing 3.0 invoice or credit note with lxml, element by element in the
order the UBL 2.1 schema prescribes, with every total computed here so that the EN 16931
calculation rules (BR-CO-10 to BR-CO-17) hold by construction."""

from __future__ import annotations

import base64
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from invoices.peppol.ubl.names import (
    BIS3_CUSTOMIZATION,
    BIS3_PROFILE,
    CAC,
    CBC,
    CREDIT_NOTE,
    INVOICE,
    ROOT_NAMESPACES,
)
from portal.text import without_control_characters

CENT = Decimal("0.01")
# VAT categories whose breakdown carries an exemption reason (BR-E-10, BR-O-10, BR-AE-10, ...).
EXEMPT_CATEGORIES = {"E", "O", "AE", "K", "G"}


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    postal_zone: str
    country: str


@dataclass(frozen=True)
class Party:
    name: str
    endpoint_scheme: str
    endpoint_value: str
    address: Address
    legal_scheme: str = ""
    legal_value: str = ""
    vat_id: str = ""


@dataclass(frozen=True)
class Line:
    name: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal = Decimal("21")
    vat_category: str = "S"
    unit_code: str = "C62"

    @property
    def amount(self) -> Decimal:
        return money(Decimal(self.quantity) * Decimal(self.unit_price))


@dataclass(frozen=True)
class AllowanceCharge:
    """A document-level allowance (a discount) or, with ``charge``, a surcharge."""

    reason: str
    amount: Decimal
    vat_rate: Decimal = Decimal("21")
    vat_category: str = "S"
    charge: bool = False


@dataclass(frozen=True)
class Attachment:
    """A supporting document embedded in the invoice (BG-24), such as its PDF."""

    reference: str
    filename: str
    mime_code: str
    content: bytes
    description: str = ""


@dataclass(frozen=True)
class VatGroup:
    category: str
    rate: Decimal
    taxable: Decimal
    tax: Decimal


@dataclass
class DocumentSpec:
    number: str
    issue_date: date
    supplier: Party
    customer: Party
    lines: list[Line]
    due_date: date | None = None
    currency: str = "EUR"
    buyer_reference: str = ""
    document_type: str = INVOICE
    allowances: list[AllowanceCharge] = field(default_factory=list)
    # A credit note names the invoice it corrects (NL-R-001 for Dutch suppliers).
    billing_reference: str = ""
    billing_reference_date: date | None = None
    note: str = ""
    payment_means_code: str = "30"
    payment_id: str = ""
    iban: str = ""
    exemption_reason: str = ""
    attachments: list[Attachment] = field(default_factory=list)

    # -- totals ---------------------------------------------------------------------------

    @property
    def line_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def allowance_total(self) -> Decimal:
        return sum((money(a.amount) for a in self.allowances if not a.charge), Decimal("0.00"))

    @property
    def charge_total(self) -> Decimal:
        return sum((money(a.amount) for a in self.allowances if a.charge), Decimal("0.00"))

    @property
    def tax_exclusive(self) -> Decimal:
        return self.line_total - self.allowance_total + self.charge_total

    @property
    def vat_groups(self) -> list[VatGroup]:
        taxable: OrderedDict[tuple[str, Decimal], Decimal] = OrderedDict()
        for line in self.lines:
            key = (line.vat_category, Decimal(line.vat_rate))
            taxable[key] = taxable.get(key, Decimal("0.00")) + line.amount
        for item in self.allowances:
            key = (item.vat_category, Decimal(item.vat_rate))
            sign = 1 if item.charge else -1
            taxable[key] = taxable.get(key, Decimal("0.00")) + sign * money(item.amount)
        return [VatGroup(category, rate, amount, money(amount * rate / 100))
                for (category, rate), amount in taxable.items()]

    @property
    def tax_total(self) -> Decimal:
        return sum((group.tax for group in self.vat_groups), Decimal("0.00"))

    @property
    def tax_inclusive(self) -> Decimal:
        return self.tax_exclusive + self.tax_total

    @property
    def payable(self) -> Decimal:
        return self.tax_inclusive


# -- writing ------------------------------------------------------------------------------

def _amount(value: Decimal) -> str:
    return f"{money(value):.2f}"


def _rate(value: Decimal) -> str:
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class _Builder:
    def __init__(self, spec: DocumentSpec):
        self.spec = spec

    def cbc(self, parent, name, text, **attrs):
        element = etree.SubElement(parent, f"{{{CBC}}}{name}", **attrs)
        # Stored before forms refused control characters, a name may still hold one; XML
        # cannot carry it.
        element.text = without_control_characters(str(text))
        return element

    def cac(self, parent, name):
        return etree.SubElement(parent, f"{{{CAC}}}{name}")

    def money(self, parent, name, value):
        return self.cbc(parent, name, _amount(value), currencyID=self.spec.currency)

    def tax_scheme(self, parent):
        self.cbc(self.cac(parent, "TaxScheme"), "ID", "VAT")

    def tax_category(self, parent, tag, category, rate, with_reason=False):
        element = self.cac(parent, tag)
        self.cbc(element, "ID", category)
        if category != "O":
            # BR-O-05: "not subject to VAT" has no rate at all.
            self.cbc(element, "Percent", _rate(rate))
        if with_reason and category in EXEMPT_CATEGORIES and self.spec.exemption_reason:
            self.cbc(element, "TaxExemptionReason", self.spec.exemption_reason)
        self.tax_scheme(element)
        return element

    def party(self, parent, tag, party: Party):
        wrapper = self.cac(parent, tag)
        element = self.cac(wrapper, "Party")
        self.cbc(element, "EndpointID", party.endpoint_value, schemeID=party.endpoint_scheme)
        self.cbc(self.cac(element, "PartyName"), "Name", party.name)
        address = self.cac(element, "PostalAddress")
        if party.address.street:
            self.cbc(address, "StreetName", party.address.street)
        if party.address.city:
            self.cbc(address, "CityName", party.address.city)
        if party.address.postal_zone:
            self.cbc(address, "PostalZone", party.address.postal_zone)
        self.cbc(self.cac(address, "Country"), "IdentificationCode", party.address.country)
        if party.vat_id:
            tax = self.cac(element, "PartyTaxScheme")
            self.cbc(tax, "CompanyID", party.vat_id)
            self.tax_scheme(tax)
        legal = self.cac(element, "PartyLegalEntity")
        self.cbc(legal, "RegistrationName", party.name)
        if party.legal_value:
            attrs = {"schemeID": party.legal_scheme} if party.legal_scheme else {}
            self.cbc(legal, "CompanyID", party.legal_value, **attrs)

    def build(self) -> etree._Element:
        spec = self.spec
        credit = spec.document_type == CREDIT_NOTE
        root = etree.Element(f"{{{ROOT_NAMESPACES[spec.document_type]}}}{spec.document_type}",
                             nsmap={None: ROOT_NAMESPACES[spec.document_type],
                                    "cac": CAC, "cbc": CBC})
        self.cbc(root, "CustomizationID", BIS3_CUSTOMIZATION)
        self.cbc(root, "ProfileID", BIS3_PROFILE)
        self.cbc(root, "ID", spec.number)
        self.cbc(root, "IssueDate", spec.issue_date.isoformat())
        if not credit and spec.due_date:
            self.cbc(root, "DueDate", spec.due_date.isoformat())
        self.cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode",
                 "381" if credit else "380")
        if spec.note:
            self.cbc(root, "Note", spec.note)
        self.cbc(root, "DocumentCurrencyCode", spec.currency)
        if spec.buyer_reference:
            self.cbc(root, "BuyerReference", spec.buyer_reference)
        if spec.billing_reference:
            reference = self.cac(self.cac(root, "BillingReference"), "InvoiceDocumentReference")
            self.cbc(reference, "ID", spec.billing_reference)
            if spec.billing_reference_date:
                self.cbc(reference, "IssueDate", spec.billing_reference_date.isoformat())
        for attachment in spec.attachments:
            reference = self.cac(root, "AdditionalDocumentReference")
            self.cbc(reference, "ID", attachment.reference)
            if attachment.description:
                self.cbc(reference, "DocumentDescription", attachment.description)
            self.cbc(self.cac(reference, "Attachment"), "EmbeddedDocumentBinaryObject",
                     base64.b64encode(attachment.content).decode(),
                     mimeCode=attachment.mime_code, filename=attachment.filename)
        self.party(root, "AccountingSupplierParty", spec.supplier)
        self.party(root, "AccountingCustomerParty", spec.customer)
        if spec.payment_means_code:
            means = self.cac(root, "PaymentMeans")
            self.cbc(means, "PaymentMeansCode", spec.payment_means_code)
            if credit and spec.due_date:
                self.cbc(means, "PaymentDueDate", spec.due_date.isoformat())
            if spec.payment_id:
                self.cbc(means, "PaymentID", spec.payment_id)
            if spec.iban:
                self.cbc(self.cac(means, "PayeeFinancialAccount"), "ID", spec.iban)
        if spec.due_date is None or credit:
            # BR-CO-25: a positive amount due needs a due date or payment terms.
            terms = self.cac(root, "PaymentTerms")
            self.cbc(terms, "Note", spec.note or "Direct")
        for item in spec.allowances:
            element = self.cac(root, "AllowanceCharge")
            self.cbc(element, "ChargeIndicator", "true" if item.charge else "false")
            self.cbc(element, "AllowanceChargeReason", item.reason)
            self.money(element, "Amount", item.amount)
            self.tax_category(element, "TaxCategory", item.vat_category, item.vat_rate)
        tax_total = self.cac(root, "TaxTotal")
        self.money(tax_total, "TaxAmount", spec.tax_total)
        for group in spec.vat_groups:
            subtotal = self.cac(tax_total, "TaxSubtotal")
            self.money(subtotal, "TaxableAmount", group.taxable)
            self.money(subtotal, "TaxAmount", group.tax)
            self.tax_category(subtotal, "TaxCategory", group.category, group.rate,
                              with_reason=True)
        totals = self.cac(root, "LegalMonetaryTotal")
        self.money(totals, "LineExtensionAmount", spec.line_total)
        self.money(totals, "TaxExclusiveAmount", spec.tax_exclusive)
        self.money(totals, "TaxInclusiveAmount", spec.tax_inclusive)
        if spec.allowance_total:
            self.money(totals, "AllowanceTotalAmount", spec.allowance_total)
        if spec.charge_total:
            self.money(totals, "ChargeTotalAmount", spec.charge_total)
        self.money(totals, "PayableAmount", spec.payable)
        for number, line in enumerate(spec.lines, start=1):
            element = self.cac(root, "CreditNoteLine" if credit else "InvoiceLine")
            self.cbc(element, "ID", number)
            self.cbc(element, "CreditedQuantity" if credit else "InvoicedQuantity",
                     f"{Decimal(line.quantity):f}", unitCode=line.unit_code)
            self.money(element, "LineExtensionAmount", line.amount)
            item = self.cac(element, "Item")
            self.cbc(item, "Name", line.name)
            self.tax_category(item, "ClassifiedTaxCategory", line.vat_category, line.vat_rate)
            self.cbc(self.cac(element, "Price"), "PriceAmount", f"{Decimal(line.unit_price):f}",
                     currencyID=spec.currency)
        return root


def build(spec: DocumentSpec) -> bytes:
    """The document as UTF-8 bytes with an XML declaration."""
    if spec.document_type not in (INVOICE, CREDIT_NOTE):
        raise ValueError(f"Unknown document type {spec.document_type!r}")
    if not spec.lines:
        raise ValueError("A document needs at least one line (BR-16).")
    return etree.tostring(_Builder(spec).build(), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)
