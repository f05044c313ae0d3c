from invoices.models.documents import (
    Channel,
    Direction,
    Document,
    DocumentEvent,
    DocumentType,
    Status,
)

__all__ = ["Channel", "Direction", "Document", "DocumentEvent", "DocumentType", "Status"]
