"""The rejected rows of an import as a file to correct and import again: the original
columns of each rejected row, and the reason in one more column."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.utils.translation import gettext

from customers.importing.files import rows_of
from customers.models import ImportJob


def rejected_rows_file(job: ImportJob, rejections: list[list]) -> bytes:
    """The rejected rows as read from the upload, each with its reason last (UTF-8 CSV).

    Made at the end of a pass, while the upload is still stored: once an import is done the
    upload is gone, and the report must still hold the rows as they were.
    """
    if not rejections:
        return b""
    reasons = {row: reason for row, _number, _column, reason in rejections}
    last = max(reasons)
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    writer = csv.writer(text)
    rows = rows_of(job)
    header = next(rows, [])
    width = len(header)
    writer.writerow([*header, ""])
    for number, cells in enumerate(rows, start=2):
        if number in reasons:
            # Cells past the named columns could not be imported and have no name to go by.
            writer.writerow([*cells[:width], *[""] * (width - len(cells)), reasons[number]])
        if number >= last:
            break
    text.flush()
    return buffer.getvalue()


def rejected_rows(job: ImportJob) -> Iterator[list[str]]:
    """The rows of the download, the header first, the reason header in today's language."""
    stored = bytes(job.rejected_rows or b"")
    if not stored:
        # Reports of imports from before the rows were kept: where each rejection was.
        yield [gettext("row"), gettext("customer number"), gettext("column"), gettext("reason")]
        for row, number, column, reason in job.rejections:
            yield [str(row), number, column, reason]
        return
    reader = csv.reader(io.StringIO(stored.decode("utf-8"), newline=""))
    header = next(reader)
    yield [*header[:-1], gettext("reason")]
    yield from reader
