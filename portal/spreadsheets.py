"""CSV files that spreadsheet programs open as meant: UTF-8 with a byte-order mark, the
separator the reader's language expects, and no cell that runs as a formula."""

from __future__ import annotations

import csv

from django.http import StreamingHttpResponse
from django.utils.translation import get_language

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets in these languages use the comma as the decimal sign, and read ";" as the
# separator of a CSV file.
SEMICOLON_LANGUAGES = {"nl"}


def spreadsheet_safe(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def reader_delimiter() -> str:
    """The separator a spreadsheet in the active language reads."""
    return ";" if (get_language() or "").split("-")[0] in SEMICOLON_LANGUAGES else ","


class _Line:
    def write(self, text):
        return text


def csv_lines(header, rows, delimiter=","):
    """The file line by line, to stream: a large export is never held whole. Every cell,
    the header's too (an import's report repeats the uploaded one), is made
    spreadsheet-safe here."""
    writer = csv.writer(_Line(), delimiter=delimiter)
    # A byte-order mark, so spreadsheet programs read the file as UTF-8.
    yield "\ufeff" + writer.writerow(map(spreadsheet_safe, header))
    for row in rows:
        yield writer.writerow(map(spreadsheet_safe, row))


def csv_download(lines, filename) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
