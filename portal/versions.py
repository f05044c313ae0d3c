"""Optimistic concurrency: a form carries the version of the row it was opened at, and the
change refuses to write over a row that changed meanwhile."""

from __future__ import annotations

from django import forms

from portal.errors import ChangeRefused


class Stale(ChangeRefused):
    """The row changed since the form was opened: show its current values and ask again."""


class Gone(ChangeRefused):
    """The row was deleted since the page was opened."""


def version_of(changed_at) -> str:
    """A row's version as a form carries it: its last-changed moment, to the microsecond
    (Django's own datetime widgets drop the microseconds)."""
    return changed_at.isoformat() if changed_at else ""


class VersionField(forms.CharField):
    """The hidden version of the row being edited; empty from a form that has none."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
