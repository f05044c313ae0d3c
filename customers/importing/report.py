"""The rejected rows of an import as a file to correct and import again: the original
columns of each rejected row, and the reason in one more column."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.utils.text import capfirst
from django.utils.translation import gettext

from customers.importing.files import TARGETS, rows_of
from customers.models import ImportJob
from portal.said import render


def rejected_rows_file(job: ImportJob, rejections: list[list]) -> bytes:
    """The rejected rows as read from the upload, each with its reason last (UTF-8 CSV).

    Made at the end of a pass, while the upload is still stored: once an import is done the
    upload is gone, and the report must still hold the rows as they were.
    """
    if not rejections:
        return b""
    reasons = {rejection[0]: rejection[3] for rejection in rejections}
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


def shown_rejection(rejection: list) -> tuple[int, str, str, str]:
    """(row number, customer number, column, reason) of one stored rejection (see
    ImportJob.rejections), in the active language where it was stored to be said again."""
    row, number, column, reason, *said = rejection
    reason_said, target = (*said, None, None)[:2]
    if target in TARGETS:
        column = str(TARGETS[target][0])
    # An identifier's message starts with its label ("a KvK number has ..."): capitalised.
    return row, number, column, capfirst(render(reason_said, reason))


def rejections_shown(job: ImportJob, limit: int | None = None) -> list[tuple]:
    """The first `limit` rejections of the import, for its report page."""
    return [shown_rejection(rejection) for rejection in job.rejections[:limit]]


def rejected_rows(job: ImportJob) -> Iterator[list[str]]:
    """The rows of the download, the header first, in the language of who downloads it."""
    stored = bytes(job.rejected_rows or b"")
    if not stored:
        # Reports of imports from before the rows were kept: where each rejection was.
        yield [gettext("row"), gettext("customer number"), gettext("column"), gettext("reason")]
        for rejection in job.rejections:
            row, number, column, reason = shown_rejection(rejection)
            yield [str(row), number, column, reason]
        return
    reader = csv.reader(io.StringIO(stored.decode("utf-8"), newline=""))
    header = next(reader)
    yield [*header[:-1], gettext("reason")]
    # The file has a line per rejected row, in the order of the rejections (one per row);
    # each reason is said again from its rejection. Should they not pair up, the reasons
    # stay as the file has them.
    rows = list(reader)
    if len(rows) != len(job.rejections):
        yield from rows
        return
    for cells, rejection in zip(rows, job.rejections, strict=True):
        yield [*cells[:-1], shown_rejection(rejection)[3]]
