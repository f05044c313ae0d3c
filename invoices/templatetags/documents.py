"""Names a bookkeeper reads for the codes in a UBL document, status colours, and what the
dashboard shows of the documents."""

from datetime import timedelta
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoices.filters import day_start
from invoices.models import Document, Status

register = template.Library()

# How far back the dashboard counts documents that were refused, failed or came twice.
ATTENTION_DAYS = 30
# What the dashboard counts, in its order: the status, the list it opens, whether the count
# covers only the last ATTENTION_DAYS, and what the line says.
ATTENTION = (
    (Status.REFUSED, "invoices:outbox_all", True, _("Refused by the rules or the sender check")),
    (Status.DELIVERY_FAILED, "invoices:outbox_all", True, _("Delivery failed")),
    (Status.QUEUED, "invoices:outbox_all", False, _("Waiting to be delivered")),
    (Status.RECEIVED, "invoices:inbox_all", False, _("Received, not yet fetched by software")),
    (Status.DUPLICATE, "invoices:inbox_all", True, _("Possible duplicates, held back")),
)

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
         "duplicate": "warning", "downloaded": "secondary", "rejected": "danger"}


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


@register.inclusion_tag("invoices/_attention.html", takes_context=True)
def documents_needing_attention(context):
    """The documents of the organizations the reader may see that wait or went wrong, each
    line a link to the list that shows them."""
    request = context["request"]
    since = timezone.localdate() - timedelta(days=ATTENTION_DAYS - 1)
    counts = Document.objects.visible_to(request.user, request.environment) \
        .needing_attention(day_start(since))
    lines = []
    for status, list_name, recent, label in ATTENTION:
        if counts.get(status):
            query = {"status": status, **({"date_from": since.isoformat()} if recent else {})}
            lines.append({"status": status, "label": label, "count": counts[status],
                          "url": f"{reverse(list_name)}?{urlencode(query)}"})
    return {"lines": lines, "days": ATTENTION_DAYS}
