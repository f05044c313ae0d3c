"""Read a UBL invoice or credit note that has already been parsed with the hardened parser:
the key facts the portal stores and indexes, and everything a person reads on the document
page. Missing or malformed values come back empty; judging a document is validation's job."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from invoices.peppol.parties import SenderReceiverIds
from invoices.peppol.ubl.names import NS, ROOT_NAMESPACES


def _text(node, path: str) -> str:
    found = node.find(path, NS) if node is not None else None
    return (found.text or "").strip() if found is not None else ""


def _attr(node, path: str, name: str) -> str:
    found = node.find(path, NS) if node is not None else None
    return (found.get(name) or "").strip() if found is not None else ""


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def document_type(root: etree._Element) -> str:
    """"Invoice", "CreditNote", or "" for any other root element."""
    qname = etree.QName(root)
    for name, namespace in ROOT_NAMESPACES.items():
        if qname.localname == name and qname.namespace == namespace:
            return name
    return ""


@dataclass(frozen=True)
class KeyFacts(SenderReceiverIds):
    document_type: str
    customization_id: str
    number: str
    issue_date: date | None
    currency: str
    payable_amount: Decimal | None
    buyer_reference: str
    sender_scheme: str
    sender_value: str
    receiver_scheme: str
    receiver_value: str
    supplier_name: str
    customer_name: str
    attachments: int  # supporting documents (BG-24), embedded or named by their address


SUPPLIER = "cac:AccountingSupplierParty/cac:Party"
CUSTOMER = "cac:AccountingCustomerParty/cac:Party"
# A supporting document; a reference without an attachment is the id of an invoiced object.
ATTACHED = "cac:AdditionalDocumentReference/cac:Attachment"


def read_facts(root: etree._Element) -> KeyFacts:
    supplier = root.find(SUPPLIER, NS)
    customer = root.find(CUSTOMER, NS)
    return KeyFacts(
        document_type=document_type(root),
        customization_id=_text(root, "cbc:CustomizationID"),
        number=_text(root, "cbc:ID"),
        issue_date=_date(_text(root, "cbc:IssueDate")),
        currency=_text(root, "cbc:DocumentCurrencyCode"),
        payable_amount=_decimal(_text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount")),
        buyer_reference=_text(root, "cbc:BuyerReference"),
        sender_scheme=_attr(supplier, "cbc:EndpointID", "schemeID"),
        sender_value=_text(supplier, "cbc:EndpointID"),
        receiver_scheme=_attr(customer, "cbc:EndpointID", "schemeID"),
        receiver_value=_text(customer, "cbc:EndpointID"),
        supplier_name=_party_name(supplier),
        customer_name=_party_name(customer),
        attachments=len(root.findall(ATTACHED, NS)),
    )


def supplier_email(root: etree._Element) -> str:
    """The seller's contact address (BT-43), as written; empty when there is none."""
    return _text(root.find(SUPPLIER, NS), "cac:Contact/cbc:ElectronicMail")


def _party_name(party) -> str:
    return (_text(party, "cac:PartyName/cbc:Name")
            or _text(party, "cac:PartyLegalEntity/cbc:RegistrationName"))


@dataclass
class ReadableParty:
    name: str = ""
    endpoint: str = ""
    street: str = ""
    postal_zone: str = ""
    city: str = ""
    country: str = ""
    vat_id: str = ""
    legal_id: str = ""


@dataclass
class ReadableLine:
    number: str
    name: str
    description: str
    quantity: Decimal | None
    unit: str
    price: Decimal | None
    amount: Decimal | None
    vat_category: str
    vat_rate: Decimal | None


@dataclass
class ReadableVat:
    category: str
    rate: Decimal | None
    taxable: Decimal | None
    tax: Decimal | None
    exemption_reason: str


@dataclass
class ReadableAllowance:
    charge: bool
    reason: str
    amount: Decimal | None
    vat_category: str
    vat_rate: Decimal | None


# The MIME codes BIS Billing 3.0 allows for an embedded attachment (BR-CL-24).
ATTACHMENT_TYPES = frozenset({
    "application/pdf", "image/png", "image/jpeg", "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
})


@dataclass
class ReadableAttachment:
    """A supporting document (BG-24): embedded in the document, or named by its address."""

    number: int  # its place among the document's attachments, from 1
    reference: str
    description: str
    filename: str
    mime_code: str
    size: int  # bytes once decoded; 0 when nothing is embedded
    uri: str

    @property
    def embedded(self) -> bool:
        return self.size > 0


def _compact(binary) -> str:
    return "".join((binary.text or "").split()) if binary is not None else ""


def _attachments(root):
    """(ReadableAttachment, its embedded base64 without white space) for each supporting
    document. A reference without an attachment (the id of an invoiced object) is none."""
    references = (reference for reference in root.findall("cac:AdditionalDocumentReference", NS)
                  if reference.find("cac:Attachment", NS) is not None)
    for number, reference in enumerate(references, start=1):
        binary = reference.find("cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS)
        encoded = _compact(binary)
        yield ReadableAttachment(
            number=number, reference=_text(reference, "cbc:ID"),
            description=_text(reference, "cbc:DocumentDescription"),
            filename=(binary.get("filename") or "").strip() if binary is not None else "",
            mime_code=(binary.get("mimeCode") or "").strip() if binary is not None else "",
            size=len(encoded) * 3 // 4 - encoded[-2:].count("="),
            uri=_text(reference, "cac:Attachment/cac:ExternalReference/cbc:URI"),
        ), encoded


def attachment_content(root: etree._Element, number: int) -> tuple[ReadableAttachment,
                                                                    bytes] | None:
    """Attachment `number` and its embedded content, decoded; None when the document has no
    such embedded attachment or its base64 is broken."""
    for attachment, encoded in _attachments(root):
        if attachment.number == number:
            if not encoded:
                return None
            try:
                return attachment, base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                return None
    return None


@dataclass
class ReadableDocument:
    facts: KeyFacts
    due_date: date | None = None
    notes: list[str] = field(default_factory=list)
    billing_reference: str = ""
    order_reference: str = ""
    supplier: ReadableParty = field(default_factory=ReadableParty)
    customer: ReadableParty = field(default_factory=ReadableParty)
    lines: list[ReadableLine] = field(default_factory=list)
    allowances: list[ReadableAllowance] = field(default_factory=list)
    vat: list[ReadableVat] = field(default_factory=list)
    totals: dict[str, Decimal | None] = field(default_factory=dict)
    tax_total: Decimal | None = None
    payment_means: str = ""
    payment_account: str = ""
    payment_terms: str = ""
    attachments: list[ReadableAttachment] = field(default_factory=list)


def _readable_party(party) -> ReadableParty:
    if party is None:
        return ReadableParty()
    scheme = _attr(party, "cbc:EndpointID", "schemeID")
    endpoint = _text(party, "cbc:EndpointID")
    legal_scheme = _attr(party, "cac:PartyLegalEntity/cbc:CompanyID", "schemeID")
    legal = _text(party, "cac:PartyLegalEntity/cbc:CompanyID")
    return ReadableParty(
        name=_party_name(party),
        endpoint=f"{scheme}:{endpoint}" if scheme else endpoint,
        street=_text(party, "cac:PostalAddress/cbc:StreetName"),
        postal_zone=_text(party, "cac:PostalAddress/cbc:PostalZone"),
        city=_text(party, "cac:PostalAddress/cbc:CityName"),
        country=_text(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
        vat_id=_text(party, "cac:PartyTaxScheme/cbc:CompanyID"),
        legal_id=f"{legal_scheme}:{legal}" if legal_scheme and legal else legal,
    )


TOTALS = ("LineExtensionAmount", "AllowanceTotalAmount", "ChargeTotalAmount",
          "TaxExclusiveAmount", "TaxInclusiveAmount", "PrepaidAmount", "PayableRoundingAmount",
          "PayableAmount")


def read_document(root: etree._Element) -> ReadableDocument:
    facts = read_facts(root)
    credit = facts.document_type == "CreditNote"
    quantity_tag = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
    readable = ReadableDocument(
        facts=facts,
        due_date=_date(_text(root, "cbc:DueDate")
                       or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate")),
        notes=[(n.text or "").strip() for n in root.findall("cbc:Note", NS) if n.text],
        billing_reference=_text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        order_reference=_text(root, "cac:OrderReference/cbc:ID"),
        supplier=_readable_party(root.find(SUPPLIER, NS)),
        customer=_readable_party(root.find(CUSTOMER, NS)),
        payment_means=_text(root, "cac:PaymentMeans/cbc:PaymentMeansCode"),
        payment_account=_text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"),
        payment_terms=_text(root, "cac:PaymentTerms/cbc:Note"),
        attachments=[attachment for attachment, _encoded in _attachments(root)],
    )
    for line in root.findall("cac:CreditNoteLine" if credit else "cac:InvoiceLine", NS):
        readable.lines.append(ReadableLine(
            number=_text(line, "cbc:ID"),
            name=_text(line, "cac:Item/cbc:Name"),
            description=_text(line, "cac:Item/cbc:Description"),
            quantity=_decimal(_text(line, quantity_tag)),
            unit=_attr(line, quantity_tag, "unitCode"),
            price=_decimal(_text(line, "cac:Price/cbc:PriceAmount")),
            amount=_decimal(_text(line, "cbc:LineExtensionAmount")),
            vat_category=_text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID"),
            vat_rate=_decimal(_text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent")),
        ))
    for item in root.findall("cac:AllowanceCharge", NS):
        readable.allowances.append(ReadableAllowance(
            charge=_text(item, "cbc:ChargeIndicator").lower() == "true",
            reason=_text(item, "cbc:AllowanceChargeReason")
            or _text(item, "cbc:AllowanceChargeReasonCode"),
            amount=_decimal(_text(item, "cbc:Amount")),
            vat_category=_text(item, "cac:TaxCategory/cbc:ID"),
            vat_rate=_decimal(_text(item, "cac:TaxCategory/cbc:Percent")),
        ))
    for tax_total in root.findall("cac:TaxTotal", NS):
        amount = tax_total.find("cbc:TaxAmount", NS)
        if amount is not None and (amount.get("currencyID") or facts.currency) == facts.currency:
            readable.tax_total = _decimal((amount.text or "").strip())
        for subtotal in tax_total.findall("cac:TaxSubtotal", NS):
            readable.vat.append(ReadableVat(
                category=_text(subtotal, "cac:TaxCategory/cbc:ID"),
                rate=_decimal(_text(subtotal, "cac:TaxCategory/cbc:Percent")),
                taxable=_decimal(_text(subtotal, "cbc:TaxableAmount")),
                tax=_decimal(_text(subtotal, "cbc:TaxAmount")),
                exemption_reason=_text(subtotal, "cac:TaxCategory/cbc:TaxExemptionReason"),
            ))
    totals = root.find("cac:LegalMonetaryTotal", NS)
    readable.totals = {name: _decimal(_text(totals, f"cbc:{name}")) for name in TOTALS}
    return readable
