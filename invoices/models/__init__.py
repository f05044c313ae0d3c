from invoices.models.documents import (
    Channel,
    Direction,
    Document,
    DocumentEvent,
    DocumentType,
    Status,
)
from invoices.models.evidence import PeppolEvidence

__all__ = ["Channel", "Direction", "Document", "DocumentEvent", "DocumentType", "PeppolEvidence",
           "Status"]
