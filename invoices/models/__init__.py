from invoices.models.documents import (
    Channel,
    Direction,
    Document,
    DocumentEvent,
    DocumentType,
    Status,
)
from invoices.models.evidence import PeppolEvidence
from invoices.models.fingerprints import ReceivedFingerprint
from invoices.models.reminders import InboxReminder

__all__ = ["Channel", "Direction", "Document", "DocumentEvent", "DocumentType", "InboxReminder",
           "PeppolEvidence", "ReceivedFingerprint", "Status"]
