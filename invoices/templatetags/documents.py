"""Names a bookkeeper reads for the codes in a UBL document, and status colours."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

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
