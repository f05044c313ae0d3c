"""How much of an upload the import reads, and what it says when a file goes past that.

Every reader checks these while it reads, so a file that unpacks to gigabytes is refused
after a bounded amount of work and memory, whatever its headers or compression claim.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from customers.importing.problems import FileProblem


@dataclass(frozen=True)
class Limits:
    rows: int
    columns: int
    cell_chars: int
    expanded_bytes: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(rows=settings.CUSTOMER_IMPORT_MAX_ROWS,
                   columns=settings.CUSTOMER_IMPORT_MAX_COLUMNS,
                   cell_chars=settings.CUSTOMER_IMPORT_MAX_CELL_CHARS,
                   expanded_bytes=settings.CUSTOMER_IMPORT_MAX_EXPANDED_MB * 1024 * 1024)

    def check_row(self, row: int) -> None:
        # Row 1 holds the column names.
        if row > self.rows + 1:
            raise FileProblem(_("The file has more than %(rows)d rows; split it into smaller "
                                "files.") % {"rows": self.rows})

    def too_many_columns(self, row: int) -> FileProblem:
        return FileProblem(_("Row %(row)d has more than %(columns)d columns. A customer file "
                             "needs far fewer: remove the columns you do not import.")
                           % {"row": row, "columns": self.columns})

    def cell_too_long(self, row: int, column: int) -> FileProblem:
        return FileProblem(_("Row %(row)d has a cell of more than %(chars)d characters (column "
                             "%(column)s); no field of a customer card is that long.")
                           % {"row": row, "chars": self.cell_chars,
                              "column": column_letters(column)})

    def too_large(self) -> FileProblem:
        return FileProblem(_("The workbook unpacks to more than %(size)d MB; split it into "
                             "smaller files, or save it as CSV.")
                           % {"size": self.expanded_bytes // (1024 * 1024)})


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how spreadsheets name a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
