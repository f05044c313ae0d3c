"""Small rules of writing that hold whatever the sentence."""

import re

from django.utils import formats

# A sentence that ends in a name ending in a full stop ("Acme B.V.") gets no second one, at
# the end of the text or before the next sentence; an ellipsis stays.
_DOUBLED_STOP = re.compile(r"(?<!\.)\.\.(?=\s|$)")


def one_full_stop(sentence: str) -> str:
    return _DOUBLED_STOP.sub(".", sentence)


def counted(number: int) -> str:
    """A count as the reader's language writes it, thousands grouped: 1.234 in Dutch."""
    return formats.number_format(number, force_grouping=True)

