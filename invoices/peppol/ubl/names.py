"""Namespaces and fixed identifiers of UBL 2.1 and Peppol BIS Billing 3.0."""

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS = {"cac": CAC, "cbc": CBC}

BIS3_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
BIS3_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

INVOICE = "Invoice"
CREDIT_NOTE = "CreditNote"
ROOT_NAMESPACES = {INVOICE: INVOICE_NS, CREDIT_NOTE: CREDIT_NOTE_NS}
