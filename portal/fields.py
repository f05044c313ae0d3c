"""Model fields that several apps declare alike."""

from django.conf import settings
from django.db import models


def acting_user(verbose_name=None, *, blank: bool = False) -> models.ForeignKey:
    """The user who did something (created, decided, revoked, ...): the row keeps its
    history when the user is deleted (the field becomes empty), and users get no reverse
    accessor for it."""
    return models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=blank,
                             on_delete=models.SET_NULL, related_name="+",
                             verbose_name=verbose_name)
