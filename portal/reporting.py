"""How a view tells the user what a state change did."""

from __future__ import annotations

from django.contrib import messages


def report_decision(request, decided: bool, done: str, already: str) -> None:
    """`done` when this request made the decision; `already` when another was first, which is
    no error: the decision stands either way."""
    if decided:
        messages.success(request, done)
    else:
        messages.info(request, already)
