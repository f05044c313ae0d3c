"""Reading an upload: CSV (any common delimiter, UTF-8 or the Windows code page) or XLSX,
its header and first rows, and which column fills which field of a card."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from itertools import islice

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import ImportJob

PREVIEW_ROWS = 5
DELIMITERS = (";", ",", "\t", "|")

# What a column can fill, with the header names (lower case, words separated by single
# spaces) that choose it without the user's help: this portal's export, English, Dutch.
TARGETS: dict[str, tuple[str, set[str]]] = {
    "customer_number": (_("Customer number"), {
        "customer number", "customer no", "customer no.", "customer id", "number", "no.",
        "klantnummer", "klantnr", "debiteurnummer", "debiteurnr", "debiteur", "nummer", "nr"}),
    "name": (_("Name"), {"name", "customer name", "company", "company name", "naam",
                         "klantnaam", "debiteurnaam", "bedrijfsnaam"}),
    "country": (_("Country"), {"country", "country code", "land", "landcode"}),
    "invoice_email": (_("Invoice email"), {
        "invoice email", "email", "e mail", "email address", "invoice e mail",
        "factuur e mail", "e mail factuur", "factuur email", "e mailadres", "emailadres"}),
    "endpoint_id": (_("Endpoint-ID (scheme:value)"), {
        "endpoint id", "endpoint", "endpointid", "peppol id", "peppol identifier",
        "participant id"}),
    "endpoint_scheme": (_("Endpoint-ID scheme"), {
        "endpoint scheme", "endpoint id scheme", "scheme", "schemeid", "scheme id"}),
    "endpoint_value": (_("Endpoint-ID value"), {"endpoint value", "endpoint id value"}),
    "legal_id": (_("Legal ID (scheme:value)"), {"legal id", "legalid", "legal entity id"}),
    "legal_scheme": (_("Legal ID scheme"), {"legal scheme", "legal id scheme"}),
    "legal_value": (_("Legal ID value"), {"legal value", "legal id value"}),
    "is_government": (_("Government customer (yes/no)"), {
        "is government", "government", "government customer", "overheid"}),
    "buyer_reference_source": (_("BuyerReference comes from"), {
        "buyer reference source", "buyer reference", "buyerreference", "buyer reference from"}),
    "einvoicing_method": (_("E-invoicing method"), {
        "einvoicing method", "e invoicing method", "elektronische facturering"}),
    "sending_profile": (_("Sending profile"), {"sending profile", "verzendprofiel"}),
}
# Pairs a file gives either as one "scheme:value" column or as two columns.
COMBINED = {"endpoint_id": ("endpoint_scheme", "endpoint_value"),
            "legal_id": ("legal_scheme", "legal_value")}


class FileProblem(ValueError):
    """The file as a whole cannot be read; `message` says why, for the uploader."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def normalise_header(header: str) -> str:
    return " ".join(header.replace("_", " ").replace("-", " ").lower().split())


def detect_format(filename: str, content: bytes) -> str:
    if content[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        return ImportJob.Format.XLSX
    return ImportJob.Format.CSV


def _encoding(content: bytes) -> str:
    # Excel on Windows saves "CSV" in the Windows code page unless told UTF-8.
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _delimiter(first_line: str) -> str:
    return max(DELIMITERS, key=first_line.count) if first_line else ","


def _csv_rows(content: bytes, encoding: str, delimiter: str) -> Iterator[list[str]]:
    # A byte the Windows code page leaves undefined shows as a replacement character.
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, errors="replace",
                            newline="")
    try:
        yield from csv.reader(text, delimiter=delimiter)
    except csv.Error as exc:
        raise FileProblem(_("The file is not a CSV file we can read: %(problem)s")
                          % {"problem": exc}) from exc


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    import openpyxl  # noqa: PLC0415 - only XLSX uploads need it

    unreadable = _("The file is not an Excel workbook (.xlsx) we can read.")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileProblem(unreadable) from exc
    try:
        sheet = workbook.active
        if not hasattr(sheet, "iter_rows"):
            raise FileProblem(_("The workbook's first sheet holds no table."))
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in row]
    except FileProblem:
        raise
    except Exception as exc:
        # The sheets are read only now, row by row; an uploaded workbook can be broken (or
        # hostile: defusedxml refuses entities) in more ways than openpyxl names.
        raise FileProblem(unreadable) from exc
    finally:
        workbook.close()


def rows_of(job: ImportJob) -> Iterator[list[str]]:
    """Every row of the upload, the header first."""
    content = bytes(job.content)
    if job.file_format == ImportJob.Format.XLSX:
        return _xlsx_rows(content)
    return _csv_rows(content, job.encoding, job.delimiter)


def upload(organization, *, by, environment, filename: str, content: bytes,
           language: str = "") -> ImportJob:
    """Store the file with its columns and first rows, for the preview and mapping."""
    if not content.strip():
        raise FileProblem(_("The file is empty."))
    limit = settings.CUSTOMER_IMPORT_MAX_MB * 1024 * 1024
    if len(content) > limit:
        raise FileProblem(_("The file is larger than %(size)d MB; split it into smaller files.")
                          % {"size": settings.CUSTOMER_IMPORT_MAX_MB})
    job = ImportJob(organization=organization, created_by=by, environment=environment,
                    filename=filename[:255], content=content, language=language,
                    file_format=detect_format(filename, content))
    if job.file_format == ImportJob.Format.CSV:
        job.encoding = _encoding(content)
        first_line = content[:4096].decode(job.encoding, "replace").splitlines()[0]
        job.delimiter = _delimiter(first_line)
    rows = rows_of(job)
    header = next(rows, None)
    if not header or not any(cell.strip() for cell in header):
        raise FileProblem(_("The first row should name the columns; it is empty."))
    job.columns = [cell.strip() for cell in header]
    job.preview = [row for _row, row in zip(range(PREVIEW_ROWS), rows, strict=False)]
    # Counted only up to the limit: a compressed workbook can unpack to endless rows.
    job.rows_total = len(job.preview) + sum(
        1 for _row in islice(rows, settings.CUSTOMER_IMPORT_MAX_ROWS + 1 - len(job.preview)))
    if job.rows_total > settings.CUSTOMER_IMPORT_MAX_ROWS:
        raise FileProblem(_("The file has more than %(rows)d rows; split it into smaller "
                            "files.") % {"rows": settings.CUSTOMER_IMPORT_MAX_ROWS})
    job.progress_total = job.rows_total
    job.mapping = guess_mapping(job.columns)
    job.save()
    return job


def guess_mapping(columns: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, header in enumerate(columns):
        name = normalise_header(header)
        for target, (_label, aliases) in TARGETS.items():
            if (name == target.replace("_", " ") or name in aliases) and target not in mapping:
                mapping[target] = index
                break
    for combined, parts in COMBINED.items():
        if combined in mapping:
            for part in parts:
                mapping.pop(part, None)
    return mapping


def mapping_problems(mapping: dict[str, int]) -> list[str]:
    problems = []
    if "customer_number" not in mapping:
        problems.append(gettext("Choose the column with the customer number: cards are "
                                "matched on it."))
    for combined, parts in COMBINED.items():
        if combined in mapping and any(part in mapping for part in parts):
            problems.append(gettext("Map %(combined)s or its scheme and value columns, not "
                                    "both.") % {"combined": TARGETS[combined][0]})
    return problems
