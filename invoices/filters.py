"""The filters of the outbox and inbox, and of TechSupport's duplicates."""

from __future__ import annotations

import uuid
from datetime import date

import django_filters
from django import forms
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from invoices.models import Direction, Document, Status
from invoices.models.documents import INCOMING_STATUSES, OUTGOING_STATUSES
from invoices.pagination import NEWEST, KeysetOrder
from portal.filters import DayFilter, day_bounds
from portal.widgets import DatePicker

SELECT = {"class": "form-select"}
CONTROL = {"class": "form-control"}


class DocumentFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("This day comes before the first day: swap them."))
        return cleaned


class DocumentOrdering(django_filters.OrderingFilter):
    """A column of the outbox and inbox, either way, set by its header; without one the list
    is newest first. Each is read by keyset from an index of its own (see Document.Meta),
    rows without a value (no issue date, no amount) after the others either way."""

    COLUMNS = {"issue_date": "issue_date", "amount": "payable_amount",
               "since": "status_changed_at"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, fields=[(field, param) for param, field in self.COLUMNS.items()],
                         field_labels={"issue_date": _("Issue date"),
                                       "payable_amount": _("Amount"),
                                       "status_changed_at": _("Since")},
                         **kwargs)

    @classmethod
    def order_of(cls, value) -> KeysetOrder:
        param = next((v for v in value or () if v), None)
        if param is None:
            return NEWEST
        return KeysetOrder(cls.COLUMNS[param.lstrip("-")], descending=param.startswith("-"))

    def filter(self, qs, value):
        order = self.order_of(value)
        return qs if order.is_newest_first else qs.order_by(*order.ordering())


# The shortest start of a Delivery ID that finds its document: what a document's page title
# shows when it has no number (invoices.templatetags.documents.document_name).
DELIVERY_ID_PREFIX = 8
HEX_DIGITS = frozenset("0123456789abcdef")


def _scheme_of(value: str) -> str:
    """The scheme of an identifier written "scheme:value" ("0106:81234567"), else ""."""
    scheme, colon, _rest = value.partition(":")
    return scheme if colon and len(scheme) == 4 and scheme.isdigit() else ""


def counterparty_ids(value: str, direction=None) -> Q | None:
    """The documents whose counterparty has the Endpoint-ID `value`, "scheme:value" or the
    value alone, in any case: the customer's (receiver) of a sent document, the supplier's
    (sender) of a received one; of one `direction` only when the list is one box. Read from
    the indexes doc_customer_id and doc_supplier_id."""
    scheme = _scheme_of(value)
    if scheme:
        value = value.partition(":")[2].strip()
    if not value:
        return None
    found = Q()
    for side, side_direction in (("receiver", Direction.OUTGOING),
                                 ("sender", Direction.INCOMING)):
        if direction in (None, side_direction):
            found |= Q(direction=side_direction, **{f"{side}_value__iexact": value},
                       **({f"{side}_scheme": scheme} if scheme else {}))
    return found or None


def delivery_ids(value: str) -> Q | None:
    """The documents whose Delivery ID is `value`, or starts with it when it has at least
    DELIVERY_ID_PREFIX hex digits (dashes aside): a range of ids, which the index on the
    Delivery ID answers on PostgreSQL (uuid) and SQLite (its hex digits) alike."""
    try:
        return Q(delivery_id=uuid.UUID(value))
    except ValueError:
        pass
    digits = value.lower().replace("-", "")
    if not DELIVERY_ID_PREFIX <= len(digits) < 32 or not HEX_DIGITS.issuperset(digits):
        return None
    return Q(delivery_id__gte=uuid.UUID(digits.ljust(32, "0")),
             delivery_id__lte=uuid.UUID(digits.ljust(32, "f")))


class DocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search",
                                  widget=forms.TextInput(attrs={"type": "search", **CONTROL}))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices,
                                         empty_label=_("Any status"),
                                         widget=forms.Select(attrs=SELECT))
    direction = django_filters.ChoiceFilter(label=_("Direction"), choices=Direction.choices,
                                            empty_label=_("Sent and received"),
                                            widget=forms.Select(attrs=SELECT))
    # The day a document was sent or arrived here, not its invoice date.
    date_from = DayFilter(label=_("Sent or received from"), method="created_from",
                          widget=DatePicker(attrs=CONTROL))
    date_to = DayFilter(label=_("Sent or received until"), method="created_to",
                        widget=DatePicker(attrs=CONTROL))
    counterparty = django_filters.CharFilter(label=_("Counterparty"), method="by_counterparty",
                                             widget=forms.TextInput(attrs=CONTROL))
    number = django_filters.CharFilter(label=_("Number"), field_name="number",
                                       lookup_expr="istartswith",
                                       widget=forms.TextInput(attrs=CONTROL))
    # Set by the column headers of a sortable list; the filter form keeps it hidden.
    ordering = DocumentOrdering(label=_("Sort order"), widget=forms.HiddenInput)

    class Meta:
        model = Document
        fields = ["q", "status", "direction", "date_from", "date_to", "counterparty", "number",
                  "ordering"]
        form = DocumentFilterForm

    def __init__(self, *args, direction=None, sortable=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_direction = direction
        if not sortable:
            del self.filters["ordering"]
        if direction is not None:
            del self.filters["direction"]
            statuses = OUTGOING_STATUSES if direction == Direction.OUTGOING else \
                INCOMING_STATUSES
            self.filters["status"].extra["choices"] = [
                (status.value, status.label) for status in statuses]

    @property
    def choosing(self) -> list[str]:
        """The filters proper: the order is none."""
        return [name for name in self.filters if name != "ordering"]

    @property
    def active(self) -> bool:
        return any(self.form.cleaned_data.get(name) for name in self.choosing) \
            if self.is_bound and self.form.is_valid() else False

    @property
    def described(self) -> list[tuple[str, str]]:
        """Each filter given, as its label and its value as the filter bar shows it: what a
        step on all the documents that match says it acts on."""
        if not self.active:
            return []
        shown = []
        for name in self.choosing:
            value = self.form.cleaned_data.get(name)
            if value in (None, ""):
                continue
            field = self.form.fields[name]
            if isinstance(field, forms.ChoiceField):
                value = dict(field.choices).get(value, value)
            elif isinstance(value, date):
                value = formats.date_format(value, "SHORT_DATE_FORMAT")
            shown.append((str(field.label), str(value).strip()))
        return shown

    @property
    def asked(self) -> bool:
        """A filter was given, valid or not: an empty list then is no empty box."""
        return self.is_bound and any(self.data.get(name) for name in self.choosing)

    @property
    def order(self) -> KeysetOrder:
        """The order the headers chose, if it is valid; else newest first."""
        if "ordering" not in self.filters or not self.is_bound or not self.form.is_valid():
            return NEWEST
        return DocumentOrdering.order_of(self.form.cleaned_data.get("ordering"))

    @property
    def sorting(self) -> dict[str, dict]:
        """Per sortable column: its aria-sort ("ascending", "descending", or "" when the
        list is not sorted by it) and the ordering its header link asks for: ascending
        first, then descending, then newest first again (None)."""
        order = self.order
        columns = {}
        for param, column in DocumentOrdering.COLUMNS.items():
            if order.column != column:
                columns[param] = {"aria": "", "next": param}
            elif order.descending:
                columns[param] = {"aria": "descending", "next": None}
            else:
                columns[param] = {"aria": "ascending", "next": f"-{param}"}
        return columns

    @property
    def searches(self) -> bool:
        """A text filter is on: few rows match, found through the search indexes. (A range
        of days is read the same way when few rows fall in it: see keyset_page.)"""
        return self.active and any(self.form.cleaned_data.get(name)
                                   for name in ("q", "number", "counterparty"))

    def search(self, queryset, name, value):
        """What a user may have at hand of a document: part of its number, of the
        counterparty's name or of the buyer reference; the counterparty's Endpoint-ID (see
        `counterparty_ids`); the id the sending software gave it, whole; its Delivery ID,
        whole or its start (`delivery_ids`). Each alternative is read from an index of its own
        on PostgreSQL, so that together they are too (a BitmapOr)."""
        value = value.strip()
        if not value:
            return queryset
        found = (Q(number__icontains=value) | Q(counterparty_name__icontains=value)
                 | Q(buyer_reference__icontains=value) | Q(client_document_id=value))
        for alternative in (delivery_ids(value), counterparty_ids(value, self.fixed_direction)):
            if alternative is not None:
                found |= alternative
        return queryset.filter(found)

    def by_counterparty(self, queryset, name, value):
        """Part of the counterparty's name, or its Endpoint-ID ("0106:81234567", or the value
        alone) as the outbox shows it under the customer's name."""
        value = value.strip()
        if not value:
            return queryset
        ids = counterparty_ids(value, self.fixed_direction)
        if ids is not None and _scheme_of(value):
            return queryset.filter(ids)
        found = Q(counterparty_name__icontains=value)
        return queryset.filter(found | ids if ids is not None else found)

    def created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=day_bounds(value)[0])

    def created_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=day_bounds(value)[1])


class HeldDocumentFilter(django_filters.FilterSet):
    """The documents held as duplicates, or the one document with the Delivery ID searched."""

    delivery_id = django_filters.CharFilter(method="by_delivery_id")

    class Meta:
        model = Document
        fields = ["delivery_id"]

    @property
    def query(self) -> str:
        return (self.form.cleaned_data.get("delivery_id") or "").strip() \
            if self.form.is_valid() else ""

    def filter_queryset(self, queryset):
        if not self.query:
            queryset = queryset.filter(status=Status.DUPLICATE)
        return super().filter_queryset(queryset)

    def by_delivery_id(self, queryset, name, value):
        try:
            return queryset.filter(delivery_id=uuid.UUID(value.strip()))
        except ValueError:
            return queryset.none()
