"""What every list's FilterSet shares: one search box over several fields, days to filter
from and until, and widgets styled like the portal's other forms."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.fields import MAX_ID


class SearchFilter(django_filters.CharFilter):
    """A row matches when any of `fields` contains the typed text (surrounding spaces dropped)."""

    def __init__(self, *args, fields, placeholder="", **kwargs):
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("widget", forms.TextInput(
            attrs={"type": "search", "placeholder": placeholder}))
        super().__init__(*args, **kwargs)
        self.search_fields = fields

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        qs = qs.filter(condition)
        return qs.distinct() if self.distinct else qs


class RowIdFilter(django_filters.Filter):
    """The id of a row, as a link gives it; anything that cannot be one makes the form
    invalid rather than reach the database."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class FilterSet(django_filters.FilterSet):
    """Always bound, so a list opened without a query string gets its defaults too."""

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data if data is not None else {}, *args, **kwargs)
        for field in self.form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)

    @property
    def is_filtered(self) -> bool:
        self.form.is_valid()
        return any(value not in (None, "", [], False)
                   for value in getattr(self.form, "cleaned_data", {}).values())

    @property
    def hidden_choices(self) -> list[tuple[str, object]]:
        """(label, chosen row) of each filter the bar does not show, but a link set."""
        self.form.is_valid()
        chosen = getattr(self.form, "cleaned_data", {})
        return [(field.label, chosen[field.name]) for field in self.form.hidden_fields()
                if getattr(chosen.get(field.name), "pk", None) is not None]

    @property
    def query(self) -> str:
        """The search text as used, for "nothing matches" messages."""
        self.form.is_valid()
        return (getattr(self.form, "cleaned_data", {}).get("q") or "").strip()


def day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def day_bounds(day) -> tuple[datetime, datetime]:
    """The first moment of `day` and of the day after, in the reader's time zone. An
    OverflowError for a day at the edge of the calendar, whose bounds no database stores."""
    start, end = day_start(day), day_start(day + timedelta(days=1))
    for moment in (start, end):
        moment.astimezone(UTC)
    return start, end


class DayField(forms.DateField):
    default_error_messages = {
        "far_off": _("This day is too far off to search by: enter a day closer to today."),
    }

    def validate(self, value):
        super().validate(value)
        if value is not None:
            try:
                day_bounds(value)
            except OverflowError:
                raise forms.ValidationError(self.error_messages["far_off"],
                                            code="far_off") from None


class DayFilter(django_filters.DateFilter):
    """A day that a list is filtered from or until; one at the edge of the calendar is an
    error beside the field, as a day that is no date is."""

    field_class = DayField
