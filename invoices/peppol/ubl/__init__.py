"""UBL 2.1 invoices and credit notes as Peppol BIS Billing 3.0 uses them: reading the facts a
portal needs out of a received document, and writing one in schema order."""

from invoices.peppol.ubl.reader import KeyFacts, ReadableDocument, read_document, read_facts
from invoices.peppol.ubl.writer import (
    Address,
    AllowanceCharge,
    Attachment,
    DocumentSpec,
    Line,
    Party,
    build,
)

__all__ = [
    "Address",
    "AllowanceCharge",
    "Attachment",
    "DocumentSpec",
    "KeyFacts",
    "Line",
    "Party",
    "ReadableDocument",
    "build",
    "read_document",
    "read_facts",
]
