"""What other parts of the portal hear about documents, after the change is committed.

`document_changed` is sent for every new status of a document (its first one included),
with `document` and `event` (the DocumentEvent that records it).

`delivery_retried` is sent when an attempt to deliver an outgoing document failed in a way
that may pass and another attempt is scheduled, with `document`, `attempt` (the number of the
attempt that failed), `reason` and `retry_at`."""

from django.dispatch import Signal

document_changed = Signal()
delivery_retried = Signal()
