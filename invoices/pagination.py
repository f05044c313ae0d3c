"""Keyset pages for lists that may hold millions of rows: each page is found through the
index from the last id shown, never by OFFSET, and the total is counted only up to a bound."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F

PER_PAGE = 25
COUNT_LIMIT = 1000


@dataclass
class KeysetPage:
    object_list: list = field(default_factory=list)
    has_next: bool = False
    has_previous: bool = False
    count: int = 0
    count_capped: bool = False

    @property
    def next_cursor(self):
        return self.object_list[-1].pk if self.object_list else None

    @property
    def previous_cursor(self):
        return self.object_list[0].pk if self.object_list else None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def _cursor(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def keyset_page(request, queryset, per_page: int = PER_PAGE,
                count_limit: int = COUNT_LIMIT, selective: bool = False) -> KeysetPage:
    """Newest first. ``?before=ID`` goes to older rows, ``?after=ID`` back to newer ones.

    ``selective`` says a filter picks few rows through an index of its own (a search). The
    order is then written so that PostgreSQL cannot walk the id index instead, hoping to meet
    enough matches soon: when they all lie at the far end, that walk reads every row. A list
    whose rows are fewer than ``count_limit`` is read so too: counting them has just read
    every one, so reading them again and sorting them costs no more (a range of days long
    ago, found through the index by day)."""
    page = KeysetPage()
    page.count = queryset.order_by()[:count_limit + 1].count()
    page.count_capped = page.count > count_limit
    page.count = min(page.count, count_limit)
    selective = selective or not page.count_capped
    newest = (F("pk") + 0).desc() if selective else "-pk"
    oldest = (F("pk") + 0).asc() if selective else "pk"
    before = _cursor(request.GET.get("before"))
    after = _cursor(request.GET.get("after"))
    if after is not None and before is None:
        rows = list(queryset.filter(pk__gt=after).order_by(oldest)[:per_page + 1])
        page.has_previous = len(rows) > per_page
        page.object_list = rows[:per_page][::-1]
        page.has_next = True
    else:
        scoped = queryset.filter(pk__lt=before) if before is not None else queryset
        rows = list(scoped.order_by(newest)[:per_page + 1])
        page.has_next = len(rows) > per_page
        page.object_list = rows[:per_page]
        page.has_previous = before is not None
    return page
