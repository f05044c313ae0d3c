"""Names a bookkeeper reads for the codes in a UBL document, status colours, and what the
dashboard shows of the documents."""

from datetime import timedelta
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from invoices.models import Direction, Document, Status
from invoices.models.documents import NEEDING_ATTENTION
from portal.filters import day_start

register = template.Library()

# How far back the dashboard counts documents that were refused, failed or came twice, and
# the count past which it says only "more than".
ATTENTION_DAYS = 30
ATTENTION_CAP = 1000
# What each line of NEEDING_ATTENTION says on the dashboard.
ATTENTION_LABELS = {
    Status.REFUSED: _("Refused by the rules or the sender check"),
    Status.DELIVERY_FAILED: _("Delivery failed"),
    Status.REJECTED: _("Rejected by the receiver"),
    Status.QUEUED: _("Waiting to be delivered"),
    Status.RECEIVED: _("Received, not yet fetched by software"),
    Status.DUPLICATE: _("Possible duplicates, held back"),
}
BOXES = {Direction.OUTGOING: "invoices:outbox_all", Direction.INCOMING: "invoices:inbox_all"}

VAT_CATEGORIES = {
    "S": _("Standard rate"),
    "Z": _("Zero rated"),
    "E": _("Exempt from VAT"),
    "AE": _("VAT reverse charge"),
    "K": _("Intra-community supply"),
    "G": _("Export outside the EU"),
    "O": _("Not subject to VAT"),
    "L": _("Canary Islands tax"),
    "M": _("Ceuta and Melilla tax"),
}
UNITS = {"C62": _("piece"), "H87": _("piece"), "EA": _("each"), "HUR": _("hour"),
         "DAY": _("day"), "MON": _("month"), "KGM": _("kg"), "MTR": _("metre"),
         "LTR": _("litre"), "KWH": _("kWh")}
PAYMENT_MEANS = {"30": _("Credit transfer"), "31": _("Debit transfer"),
                 "48": _("Bank card"), "49": _("Direct debit"), "57": _("Standing agreement"),
                 "58": _("SEPA credit transfer"), "59": _("SEPA direct debit"),
                 "1": _("Not defined")}
TONES = {"created": "secondary", "refused": "danger", "queued": "info",
         "delivered": "success", "delivery_failed": "danger", "received": "success",
         "duplicate": "warning", "downloaded": "secondary", "opened": "info",
         "under_review": "info",
         "approved": "primary", "approved_for_payment": "primary",
         "payment_started": "primary", "paid": "success", "rejected": "danger"}


@register.filter
def vat_category(code):
    return VAT_CATEGORIES.get(code or "", code or "—")


@register.filter
def unit(code):
    return UNITS.get(code or "", code or "")


@register.filter
def payment_means(code):
    return PAYMENT_MEANS.get(code or "", code or "")


@register.filter
def status_tone(status):
    return TONES.get(str(status), "secondary")


@register.filter
def explained(message):
    """What a terse message of the schema check means, in the reader's language; empty for a
    message without an explanation (the official rules' own texts, for one)."""
    return message.render_explanation(gettext)


@register.filter
def xpath_breaks(location):
    """An XPath that wraps only between its steps, never inside a name or a position."""
    return mark_safe("<wbr>/".join(conditional_escape(step)
                                   for step in str(location).split("/")))


@register.filter
def document_name(document):
    """What names a document after its type in a title: its number; without one (a file that
    is not UBL, say) the id its sending software gave, or the start of its Delivery ID."""
    if document.number:
        return document.number
    if document.client_document_id:
        return document.client_document_id
    if document.delivery_id:
        return str(document.delivery_id)[:8]
    return str(document.pk)


@register.inclusion_tag("invoices/_attention.html", takes_context=True)
def documents_needing_attention(context):
    """The documents of the organizations the reader may see that wait or went wrong, each
    line a link to the list that shows them."""
    request = context["request"]
    since = timezone.localdate() - timedelta(days=ATTENTION_DAYS - 1)
    counts = Document.objects.visible_to(request.user, request.environment) \
        .needing_attention(day_start(since), ATTENTION_CAP + 1)
    lines = []
    for status, direction, recent_only in NEEDING_ATTENTION:
        if counts[status]:
            query = {"status": status,
                     **({"date_from": since.isoformat()} if recent_only else {})}
            lines.append({"status": status, "label": ATTENTION_LABELS[status],
                          "count": f"{ATTENTION_CAP}+" if counts[status] > ATTENTION_CAP
                          else counts[status],
                          "url": f"{reverse(BOXES[direction])}?{urlencode(query)}"})
    return {"lines": lines, "days": ATTENTION_DAYS}
