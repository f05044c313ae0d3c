"""Messages that are stored and read later, in the reader's language.

A status reason or a history line is written once, by whoever changed the document (often a
worker, in the default language), and read many times by people who chose another language.
`Said` is such a message: a string in the language active when it was made, which also keeps
its text id and parameters, so that `render` can say it again in the language active when it
is read. Parameters are plain values, dates (written as the reader's language writes them)
or other `Said` messages."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext

from portal.text import one_full_stop


class Said(str):
    """`Said(gettext_noop("Sent to %(name)s."), name=...)`: the message in the active
    language, with what it takes to translate it again (`as_data`, `render`). `braces`: the
    text fills its parameters with str.format ({name}) instead of % (%(name)s)."""

    msgid: str
    params: dict
    braces: bool

    def __new__(cls, msgid: str, *, braces: bool = False, **params) -> Said:
        shown = {name: _date(value) if isinstance(value, date) else value
                 for name, value in params.items()}
        try:
            text = _fill(gettext(msgid), shown, braces)
        except FILL_ERRORS:
            # A translation that lost a parameter: the source text still has them all.
            text = _fill(msgid, shown, braces)
        said = super().__new__(cls, text)
        said.msgid, said.params, said.braces = str(msgid), params, braces
        return said

    def as_data(self) -> dict:
        """For a JSON field: the text id and the parameters, nested messages included."""
        data = {"id": self.msgid, "params": {name: _as_data(value)
                                             for name, value in self.params.items()}}
        if self.braces:
            data["braces"] = True
        return data


def said_field() -> models.JSONField:
    """The field that keeps a text field's message beside it (`as_data`); null for plain
    text."""
    return models.JSONField(null=True, blank=True, editable=False)


class Shown:
    """On a model: the text of `text_field` in the active language, said again from
    `said_field` where that holds a message, as stored otherwise."""

    def __init__(self, text_field: str, said_field: str):
        self.text_field, self.said_field = text_field, said_field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return render(getattr(instance, self.said_field), getattr(instance, self.text_field))


def as_data(text) -> dict | None:
    """What to store beside `text` for saying it again: None for plain text (typed by a
    person, or from another system), which is shown as it is."""
    return text.as_data() if isinstance(text, Said) else None


def render(data: dict | None, fallback: str = "") -> str:
    """A stored message in the active language; `fallback` (the text as it was stored) when
    there is none or it can no longer be filled in."""
    if not data:
        return fallback
    try:
        return _render(data)
    except (*FILL_ERRORS, AttributeError):
        return fallback


def _as_data(value):
    if isinstance(value, Said):
        return value.as_data()
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _date(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def _render(data: dict) -> str:
    if "date" in data:
        return _date(date.fromisoformat(data["date"]))
    params = {name: _render(value) if isinstance(value, dict) else value
              for name, value in data.get("params", {}).items()}
    return _fill(gettext(data["id"]), params, data.get("braces", False))


FILL_ERRORS = (KeyError, IndexError, ValueError, TypeError)


def _fill(text: str, params: dict, braces: bool) -> str:
    if not params:
        return text
    # A name that ends in a full stop ends its sentence once.
    return one_full_stop(text.format(**params) if braces else text % params)
