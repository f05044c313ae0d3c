"""A document list as a CSV file: what the list shows with its filters, in its order (newest
first unless a column was chosen), in the reader's language and with the separator and
decimal sign their spreadsheet expects."""

from __future__ import annotations

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from invoices.models import Direction, DocumentType, Status
from invoices.pagination import NEWEST, KeysetOrder
from portal.said import render
from portal.spreadsheets import csv_download, csv_lines, reader_delimiter

# The most documents one export holds: a year of a busy organization's invoices.
LIMIT = 50_000
FIELDS = ("created_at", "direction", "organization__name", "document_type", "number",
          "issue_date", "counterparty_name", "sender_scheme", "sender_value",
          "receiver_scheme", "receiver_value", "currency", "payable_amount", "status",
          "status_reason", "reason_said", "delivery_id", "attachment_count")


def _header() -> list[str]:
    return [_("Created"), _("Direction"), _("Organization"), _("Type"), _("Number"),
            _("Issue date"), _("Counterparty"), _("Sender"), _("Receiver"), _("Currency"),
            _("Amount"), _("Status"), _("Reason"), _("Delivery ID"), _("Attachments")]


def _rows(values, language: str):
    # The file streams after the view returned: it is written in the language of the
    # request that asked for it, whatever the thread does meanwhile.
    with translation.override(language):
        directions, types, statuses = ({key: str(label) for key, label in choices.choices}
                                       for choices in (Direction, DocumentType, Status))
        for (created, direction, organization, document_type, number, issue_date,
             counterparty, sender_scheme, sender_value, receiver_scheme, receiver_value,
             currency, amount, status, reason, reason_said, delivery_id, attachments) in values:
            yield [
                timezone.localtime(created).strftime("%Y-%m-%d %H:%M"), directions[direction],
                organization, types.get(document_type, ""), number,
                issue_date.isoformat() if issue_date else "", counterparty,
                f"{sender_scheme}:{sender_value}" if sender_value else "",
                f"{receiver_scheme}:{receiver_value}" if receiver_value else "", currency,
                formats.number_format(amount, 2) if amount is not None else "",
                statuses[status], render(reason_said, reason), delivery_id or "", attachments]


def download(documents, name: str, organization=None, order: KeysetOrder = NEWEST):
    """Stream `documents` (a filtered list's queryset) as CSV in the list's `order`, LIMIT
    rows at most: the first ones in that order."""
    values = (documents.order_by(*order.ordering()).values_list(*FIELDS)[:LIMIT]
              .iterator(chunk_size=2000))
    stamp = timezone.localdate().isoformat()
    owner = f"-{organization.company_id}" if organization is not None else ""
    rows = _rows(values, translation.get_language())
    return csv_download(csv_lines(_header(), rows, delimiter=reader_delimiter()),
                        f"{name}{owner}-{stamp}.csv")
