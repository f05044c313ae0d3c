"""Model fields that several apps declare alike, and the ids that name their rows."""

from django.conf import settings
from django.db import models


def acting_user(verbose_name=None, *, blank: bool = False) -> models.ForeignKey:
    """The user who did something (created, decided, revoked, ...): the row keeps its
    history when the user is deleted (the field becomes empty), and users get no reverse
    accessor for it."""
    return models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=blank,
                             on_delete=models.SET_NULL, related_name="+",
                             verbose_name=verbose_name)


# The largest id a row can have (a 64-bit primary key). A larger number names no row, and
# SQLite refuses to compare a column with it.
MAX_ID = 2 ** 63 - 1


def row_id(value) -> int | None:
    """`value`, as a form, a query or a header gives it, as the id of a row; None where it
    cannot be one (not plain digits, zero, or beyond MAX_ID)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
