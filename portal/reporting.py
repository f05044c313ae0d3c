"""How a view tells the user what a state change did."""

from __future__ import annotations

from django.contrib import messages

from portal.errors import ChangeRefused


def report_decision(request, decided: bool, done: str, already: str | None) -> None:
    """`done` when this request made the decision; `already` (if any) when another was first,
    which is no error: the decision stands either way."""
    if decided:
        messages.success(request, done)
    elif already:
        messages.info(request, already)


def report_attempt(request, form, decide, *, done: str, already: str | None = None,
                   field: str | None = None) -> bool:
    """A decision posted with a valid `form`: runs `decide()` and reports what it did (True),
    or shows its refusal on the form, next to `field` (False: show the form again)."""
    try:
        decided = decide()
    except ChangeRefused as refused:
        form.add_error(field, refused.message)
        return False
    report_decision(request, decided, done, already)
    return True
