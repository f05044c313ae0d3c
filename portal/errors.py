"""Errors shared by every app, and how a view shows them."""

from __future__ import annotations

import html
import re

from django.http import Http404
from django.utils.html import strip_tags


class ChangeRefused(Exception):
    """A refused change, with a message for the user."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def plain(self) -> str:
        """The message without markup, for the command line: a link (a plan refusal's way
        to ask Sales) is written as its text with its address after it."""
        text = re.sub(r'<a\s[^>]*href="([^"]*)"[^>]*>(.*?)</a>', r"\2 (\1)", str(self.message),
                      flags=re.S)
        return html.unescape(strip_tags(text))


class Explained(ValueError):
    """An error whose `message` (possibly lazy) is meant for the person or software that
    caused it, as it stands."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class NotFoundExplained(Http404):
    """A 404 whose page says more than "not found": rendered from `template` with `context`
    (portal.problems.NotFoundExplainedMiddleware), wherever the view raised it. Only for what
    the person asking may know."""

    def __init__(self, template: str, context: dict):
        super().__init__(template)
        self.template = template
        self.context = context


def add_field_error(form, field, message, default=None) -> None:
    """Show `message` next to `field` if the form has it, else next to `default` (None: above
    the form), so a model's refusal never breaks a form that lacks the field it names."""
    form.add_error(field if field in form.fields else default, message)


def add_refusal(form, refused: ChangeRefused, default=None) -> None:
    add_field_error(form, refused.field, refused.message, default)


def refusal(change, *args, **kwargs) -> str | None:
    """What `change(*args, **kwargs)` says when it is refused; None when it went through."""
    try:
        change(*args, **kwargs)
    except ChangeRefused as refused:
        return refused.message
    return None


def attempt(form, change, *args, **kwargs):
    """What `change(*args, **kwargs)` returns, or None when the change was refused; the
    refusal is then shown on `form`. For model methods that return the changed row."""
    try:
        return change(*args, **kwargs)
    except ChangeRefused as refused:
        add_refusal(form, refused)
        return None


def take_upload(request, form_class, handle, refused):
    """A form of `form_class` bound to the request's upload, and what `handle(file)` returns
    for a valid one (None otherwise). A `refused` exception's message is shown next to the
    file field."""
    form = form_class(request.POST or None, request.FILES or None)
    if form.is_bound and form.is_valid():
        try:
            return form, handle(form.cleaned_data["file"])
        except refused as problem:
            form.add_error("file", problem.message)
    return form, None
