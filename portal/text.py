"""Small rules of writing that hold whatever the sentence."""

import re

# A sentence that ends in a name ending in a full stop ("Acme B.V.") gets no second one, at
# the end of the text or before the next sentence; an ellipsis stays.
_DOUBLED_STOP = re.compile(r"(?<!\.)\.\.(?=\s|$)")


def one_full_stop(sentence: str) -> str:
    return _DOUBLED_STOP.sub(".", sentence)
