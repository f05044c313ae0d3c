"""Small rules of writing that hold whatever the sentence."""

import re

# A sentence that ends in a name ending in a full stop ("Acme B.V.") gets no second one; an
# ellipsis stays.
_DOUBLED_STOP = re.compile(r"(?<!\.)\.\.$")


def one_full_stop(sentence: str) -> str:
    return _DOUBLED_STOP.sub(".", sentence)
