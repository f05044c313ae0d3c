"""Small rules of writing that hold whatever the sentence."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A sentence that ends in a name ending in a full stop ("Acme B.V.") gets no second one, at
# the end of the text or before the next sentence; an ellipsis stays.
_DOUBLED_STOP = re.compile(r"(?<!\.)\.\.(?=\s|$)")


def one_full_stop(sentence: str) -> str:
    return _DOUBLED_STOP.sub(".", sentence)


# Characters nobody types and nothing shows: C0 controls but for tab and line breaks, DEL
# and the C1 controls. XML cannot carry most of them, so a Peppol document could not either.
# NUL is Django's own CharField check already.
CONTROL_CHARACTERS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def refuse_control_characters(value) -> None:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _("This text contains invisible control characters. Type it again instead of "
              "pasting it."), code="control_characters")


def without_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)
