"""The rejected rows of an import as a file to correct and import again: the original
columns of each rejected row, and the reasons in one more column."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import gettext

from customers.importing.files import TARGETS, rows_of
from customers.models import ImportJob
from portal.said import render

# Between the reasons of a row in one cell. Not "; ": reasons have that inside them ("A KvK
# number has 8 digits; this one has 3.").
REASONS_APART = " | "


@dataclass(frozen=True)
class ShownRejection:
    """A rejected row as its report shows it: `problems` are (column, reason) pairs, one for
    each thing wrong with the row (`first_only`: up to the first, with a note saying so).
    Unpacks as (row number, customer number, column, reason), the columns and the reasons of
    all problems joined."""

    row: int
    number: str
    problems: tuple[tuple[str, str], ...]
    first_only: bool = False

    @property
    def column(self) -> str:
        return ", ".join(column for column, _reason in self.problems)

    @property
    def reason(self) -> str:
        return REASONS_APART.join([reason for _column, reason in self.problems]
                                  + ([self.note] if self.first_only else []))

    @property
    def note(self) -> str:
        return first_only_note() if self.first_only else ""

    @property
    def lines(self) -> int:
        """The lines of the row in the report's table: a problem each, and the note."""
        return len(self.problems) + self.first_only

    @property
    def in_one_cell(self) -> str:
        """The reasons in the download's one column: each after its column, when there are
        several."""
        return reasons_in_one_cell(self.problems, self.note)

    def __iter__(self):
        return iter((self.row, self.number, self.column, self.reason))


def first_only_note() -> str:
    """Why a rejected row may have more problems than listed (see
    customers.importing.passes.EVERY_PROBLEM_OF)."""
    return gettext("The import rejected too many rows to look for every problem of each: this "
                   "row may have more than the one listed.")


def reasons_in_one_cell(problems, note: str = "") -> str:
    """`problems`: (column, reason) pairs; `note`: said after them (see first_only_note)."""
    if len(problems) == 1 and not note:
        return problems[0][1]
    return REASONS_APART.join([f"{column}: {reason}" for column, reason in problems]
                              + ([note] if note else []))


def _stored_problems(rejection: list) -> tuple[list[list], bool]:
    """[column, reason, reason said, card field] of each problem of a stored rejection (the
    last two None where it was stored before they were), and whether the row was checked
    up to its first problem only."""
    _row, _number, *stored = rejection
    first = [*stored[:4], *[None] * (4 - len(stored[:4]))]
    if len(stored) <= 4:
        return [first], False
    others = stored[4]
    return ([first], True) if others is None else ([first, *others], False)


def rejected_rows_file(job: ImportJob, rejections: list[list]) -> bytes:
    """The rejected rows as read from the upload, each with its reasons last (UTF-8 CSV).

    Made at the end of a pass, while the upload is still stored: once an import is done the
    upload is gone, and the report must still hold the rows as they were.
    """
    if not rejections:
        return b""
    note = first_only_note()
    reasons = {}
    for rejection in rejections:
        problems, first_only = _stored_problems(rejection)
        reasons[rejection[0]] = reasons_in_one_cell([problem[:2] for problem in problems],
                                                    note if first_only else "")
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


def shown_rejection(rejection: list) -> ShownRejection:
    """One stored rejection (see ImportJob.rejections) with every problem of its row, in the
    active language where a reason was stored to be said again."""
    stored, first_only = _stored_problems(rejection)
    problems = []
    for column, reason, reason_said, target in stored:
        if target in TARGETS:
            column = str(TARGETS[target][0])
        # An identifier's message starts with its label ("a KvK number has ..."): capitalised.
        problems.append((column, capfirst(render(reason_said, reason))))
    return ShownRejection(rejection[0], rejection[1], tuple(problems), first_only)


def rejections_shown(job: ImportJob, limit: int | None = None) -> list[ShownRejection]:
    """The first `limit` rejected rows of the import, for its report page."""
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
    # each row's reasons are said again from its rejection. Should they not pair up, the
    # reasons stay as the file has them.
    rows = list(reader)
    if len(rows) != len(job.rejections):
        yield from rows
        return
    for cells, rejection in zip(rows, job.rejections, strict=True):
        yield [*cells[:-1], shown_rejection(rejection).in_one_cell]
