"""Flash messages, with a sentence that ends on an abbreviation ending only once.

Messages end with a full stop and often name something that ends with one ("Bakkerij B.V.",
"Acme Ltd."); the storage writes "B.V." rather than "B.V.." for every message of every app.
"""

import re

from django.contrib.messages.storage.fallback import FallbackStorage
from django.utils.safestring import SafeData, mark_safe

DOUBLED_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")


def single_stops(text):
    cleaned = DOUBLED_STOP.sub(".", str(text))
    return mark_safe(cleaned) if isinstance(text, SafeData) else cleaned  # noqa: S308


class SentenceStorage(FallbackStorage):
    def add(self, level, message, extra_tags=""):
        super().add(level, single_stops(message), extra_tags)
