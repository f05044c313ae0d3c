"""Keyset pages for lists that may hold millions of rows: each page is found through the
index from the last row shown, never by OFFSET, and the total is counted only up to a bound.

A list is read newest first (by id), or sorted by one column either way (KeysetOrder). A
sorted list's cursor is the last row's value and id; rows without a value come after the
others in both directions. Those are read apart, by id: an index on (…, column, id) then
serves both directions and both parts as ranges, where one query ordered "NULLS LAST" would
either sort every row or walk the index from its start."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.fields import MAX_ID

PER_PAGE = 25
COUNT_LIMIT = 1000
# Between a sorted list cursor's value and its id: no date, amount or moment holds it, and a
# link keeps it as it is.
CURSOR_SEPARATOR = "~"


@dataclass(frozen=True)
class KeysetOrder:
    """Newest first when `column` is None; else `column` ascending or descending, its ties
    by id the same way, and rows without a value last either way."""

    column: str | None = None
    descending: bool = True

    @property
    def is_newest_first(self) -> bool:
        return self.column is None

    def ordering(self) -> list:
        """The whole order, for reading a list at once (an export)."""
        if self.column is None:
            return ["-pk"]
        if self.descending:
            return [F(self.column).desc(nulls_last=True), F("pk").desc()]
        return [F(self.column).asc(nulls_last=True), F("pk").asc()]

    def cursor_of(self, row) -> str:
        if self.column is None:
            return str(row.pk)
        value = getattr(row, self.column)
        return f"{'' if value is None else _written(value)}{CURSOR_SEPARATOR}{row.pk}"

    def read_cursor(self, text, model) -> tuple | None:
        """(value, id) of a cursor a link gave, or None for one that is garbled or belongs
        to another order: such a link leads to the first page."""
        if text is None:
            return None
        if self.column is None:
            pk = _row_id(text)
            return None if pk is None else (None, pk)
        value, separator, pk = text.rpartition(CURSOR_SEPARATOR)
        pk = _row_id(pk)
        if not separator or pk is None:
            return None
        model_field = model._meta.get_field(self.column)
        if value == "":
            return (None, pk) if model_field.null else None
        try:
            value = model_field.clean(value, None)
        except ValidationError:
            return None
        if isinstance(value, datetime) and timezone.is_naive(value):
            return None
        return value, pk

    def parts(self, queryset, cursor, *, forward: bool, selective: bool) -> list:
        """The querysets to read, each ordered and in the order they are walked: from the
        cursor on (`forward`), or back from it towards the first row."""
        walk_down = self.descending == forward
        ids = (F("pk") + 0) if selective else F("pk")
        by_id = ids.desc() if walk_down else ids.asc()
        past = "lt" if walk_down else "gt"
        value, pk = cursor if cursor is not None else (None, None)
        if self.column is None:
            return [(queryset.filter(**{f"pk__{past}": pk}) if pk is not None else queryset)
                    .order_by(by_id)]
        column = self.column
        # Coalesce(v, v) is v, in an expression PostgreSQL cannot read from the column's
        # index: see `selective` in keyset_page.
        values = Coalesce(F(column), F(column)) if selective else F(column)
        by_value = values.desc() if walk_down else values.asc()
        valued = queryset.order_by(by_value, by_id)
        if value is not None:
            # The range bound on its own lets the index start at the cursor.
            valued = valued.filter(Q(**{f"{column}__{past}e": value}),
                                   Q(**{f"{column}__{past}": value})
                                   | Q(**{f"pk__{past}": pk}))
        if not queryset.model._meta.get_field(column).null:
            return [valued]
        if value is None:
            valued = valued.filter(**{f"{column}__isnull": False})
        empty = queryset.filter(**{f"{column}__isnull": True}).order_by(by_id)
        if cursor is not None and value is None:
            empty = empty.filter(**{f"pk__{past}": pk})
        if forward:
            # Rows without a value come last: after a cursor among them, only they are left.
            return [empty] if cursor is not None and value is None else [valued, empty]
        # Back from a row with a value, none of the rows without one comes before it.
        return [valued] if value is not None else [empty, valued]


NEWEST = KeysetOrder()


def _written(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@dataclass
class KeysetPage:
    object_list: list = field(default_factory=list)
    has_next: bool = False
    has_previous: bool = False
    count: int = 0
    count_capped: bool = False
    order: KeysetOrder = NEWEST

    @property
    def next_cursor(self):
        return self.order.cursor_of(self.object_list[-1]) if self.object_list else None

    @property
    def previous_cursor(self):
        return self.order.cursor_of(self.object_list[0]) if self.object_list else None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def sorted(self) -> bool:
        return not self.order.is_newest_first


def _row_id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _rows(parts, limit: int) -> list:
    # Every part is read, even once the first fills the page: a page then asks the database
    # as often whatever the list holds.
    rows = []
    for part in parts:
        rows.extend(part[:limit])
    return rows[:limit]


def keyset_page(request, queryset, per_page: int = PER_PAGE,
                count_limit: int = COUNT_LIMIT, selective: bool = False,
                order: KeysetOrder = NEWEST) -> KeysetPage:
    """``?before=CURSOR`` goes on down the list, ``?after=CURSOR`` back up towards its first
    row; a newest-first list's cursor is an id.

    ``selective`` says a filter picks few rows through an index of its own (a search). The
    order is then written so that PostgreSQL cannot walk the id index (or the sorted
    column's) instead, hoping to meet enough matches soon: when they all lie at the far end,
    that walk reads every row. A list whose rows are fewer than ``count_limit`` is read so
    too: counting them has just read every one, so reading them again and sorting them costs
    no more (a range of days long ago, found through the index by day)."""
    page = KeysetPage(order=order)
    page.count = queryset.order_by()[:count_limit + 1].count()
    page.count_capped = page.count > count_limit
    page.count = min(page.count, count_limit)
    selective = selective or not page.count_capped
    before = order.read_cursor(request.GET.get("before"), queryset.model)
    after = order.read_cursor(request.GET.get("after"), queryset.model)
    if after is not None and before is None:
        rows = _rows(order.parts(queryset, after, forward=False, selective=selective),
                     per_page + 1)
        page.has_previous = len(rows) > per_page
        page.object_list = rows[:per_page][::-1]
        page.has_next = True
    else:
        rows = _rows(order.parts(queryset, before, forward=True, selective=selective),
                     per_page + 1)
        page.has_next = len(rows) > per_page
        page.object_list = rows[:per_page]
        page.has_previous = before is not None
    return page
