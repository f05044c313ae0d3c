"""A CSV upload: which encoding and delimiter it is in, and its rows as a stream with the
import's limits."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from customers.importing.limits import Limits
from customers.importing.problems import FileProblem

DELIMITERS = (";", ",", "\t", "|")
BINARY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Longest first: the UTF-32 little-endian mark begins with UTF-16's.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SAMPLE = 64 * 1024
CHUNK = 1024 * 1024

ENCODING_NAMES = {
    "utf-8": _("UTF-8"),
    "utf-8-sig": _("UTF-8 (with byte order mark)"),
    "utf-16": _("UTF-16 (with byte order mark)"),
    "utf-32": _("UTF-32 (with byte order mark)"),
    "utf-16-le": _("UTF-16 little-endian (without byte order mark)"),
    "utf-16-be": _("UTF-16 big-endian (without byte order mark)"),
}


def encoding_name(encoding: str) -> str:
    return str(ENCODING_NAMES.get(encoding, encoding))


def _decodes_as(content: bytes, encoding: str) -> bool:
    """Decoded in chunks, so a 50 MB file is never held twice over as text."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    view = memoryview(content)
    try:
        for start in range(0, len(content), CHUNK):
            decoder.decode(view[start:start + CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _utf16_without_mark(sample: bytes) -> str | None:
    # Text in UTF-16 without a byte order mark shows as a NUL in every other byte for the
    # Latin letters, digits and separators every customer file is full of; UTF-8 and the
    # Windows code page have no NUL bytes at all.
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0:pairs * 2:2].count(0)
    odd = sample[1:pairs * 2:2].count(0)
    if odd > pairs * 0.3 and even < pairs * 0.05:
        return "utf-16-le"
    if even > pairs * 0.3 and odd < pairs * 0.05:
        return "utf-16-be"
    return None


def detect_encoding(content: bytes) -> str:
    """A byte order mark, then UTF-16 without one, then UTF-8, then the declared fallback."""
    for mark, encoding in BYTE_ORDER_MARKS:
        if content.startswith(mark):
            return encoding
    utf16 = _utf16_without_mark(content[:SAMPLE])
    if utf16 and _decodes_as(content, utf16):
        return utf16
    if _decodes_as(content, "utf-8"):
        return "utf-8"
    return settings.CUSTOMER_IMPORT_FALLBACK_ENCODING


def is_text(content: bytes, encoding: str) -> bool:
    """Whether the start of the file reads as text in `encoding`: none of the control
    characters below space but tab and line breaks, which a spreadsheet saved as CSV never
    holds (a program or an image does)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return not BINARY.search(decoder.decode(content[:SAMPLE]))


def detect_delimiter(content: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(content[:SAMPLE])
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return max(DELIMITERS, key=first_line.count) if first_line else ","


class _Reader:
    """csv.reader over lines that are never longer than a row may be, however the file is
    laid out: a million columns on one line stop after the first allowed row's worth."""

    def __init__(self, content: bytes, encoding: str, delimiter: str, limits: Limits) -> None:
        # A byte the Windows code page leaves undefined shows as a replacement character.
        self.text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, errors="replace",
                                     newline="")
        self.delimiter = delimiter
        self.limits = limits
        # Every cell at its longest, quoted, with its separator.
        self.record_chars = limits.columns * (limits.cell_chars + 3) + 2
        self.row = 0
        self.chars = 0

    def _lines(self) -> Iterator[str]:
        while line := self.text.readline(self.record_chars + 1 - self.chars):
            self.chars += len(line)
            if self.chars > self.record_chars:
                raise self._too_long(line)
            yield line

    def _too_long(self, line: str) -> FileProblem:
        row = self.row + 1
        if line.count(self.delimiter) >= self.limits.columns:
            return self.limits.too_many_columns(row)
        lengths = [len(part) for part in line.split(self.delimiter)]
        return self.limits.cell_too_long(row, lengths.index(max(lengths)))

    def rows(self) -> Iterator[list[str]]:
        reader = csv.reader(self._lines(), delimiter=self.delimiter)
        try:
            for cells in reader:
                self.row += 1
                self.chars = 0
                self.limits.check_row(self.row)
                while cells and not cells[-1]:
                    cells.pop()
                if len(cells) > self.limits.columns:
                    raise self.limits.too_many_columns(self.row)
                for index, cell in enumerate(cells):
                    if len(cell) > self.limits.cell_chars:
                        raise self.limits.cell_too_long(self.row, index)
                yield cells
        except csv.Error as exc:
            raise FileProblem(_("The file is not a CSV file we can read: %(problem)s")
                              % {"problem": exc}) from exc


def csv_rows(content: bytes, encoding: str, delimiter: str, limits: Limits) -> Iterator[list[str]]:
    return _Reader(content, encoding, delimiter, limits).rows()
