"""Reading an upload: CSV (any common delimiter and encoding) or XLSX, within the import's
limits; its header and first rows, and which column fills which field of a card."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.importing.csvfile import csv_rows, detect_delimiter, detect_encoding, is_text
from customers.importing.limits import Limits
from customers.importing.problems import FileProblem
from customers.importing.xlsx import xlsx_rows
from customers.models import ImportJob

PREVIEW_ROWS = 5
# Cells are cut to this in the stored preview: it shows what a column holds, not all of it.
PREVIEW_CHARS = 80

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


def normalise_header(header: str) -> str:
    return " ".join(header.replace("_", " ").replace("-", " ").lower().split())


def detect_format(filename: str, content: bytes) -> str:
    if content[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        return ImportJob.Format.XLSX
    return ImportJob.Format.CSV


def read_rows(content: bytes, file_format: str, *, encoding: str = "", delimiter: str = "",
              limits: Limits | None = None) -> Iterator[list[str]]:
    """Every row of an upload, the header first, within the import's limits."""
    limits = limits or Limits.from_settings()
    if file_format == ImportJob.Format.XLSX:
        return xlsx_rows(content, limits)
    return csv_rows(content, encoding, delimiter, limits)


def stored_content(job: ImportJob) -> bytes:
    """The upload, fetched on its own when the job was loaded without it."""
    if "content" in job.get_deferred_fields():
        content = ImportJob.objects.filter(pk=job.pk).values_list("content", flat=True).get()
    else:
        content = job.content
    return content if isinstance(content, bytes) else bytes(content)


def rows_of(job: ImportJob) -> Iterator[list[str]]:
    """Every row of the job's upload, the header first."""
    return read_rows(stored_content(job), job.file_format, encoding=job.encoding,
                     delimiter=job.delimiter)


def _preview_cell(value: str) -> str:
    return value if len(value) <= PREVIEW_CHARS else value[:PREVIEW_CHARS - 1] + "…"


@dataclass
class Inspection:
    """What the preview and mapping page needs of an upload, and no more."""

    file_format: str
    encoding: str = ""
    delimiter: str = ""
    columns: list[str] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)
    rows_total: int = 0


def inspect(filename: str, content: bytes) -> Inspection:
    """Read the whole upload once, within the limits: its columns, first rows and size."""
    if not content or content.isspace():
        raise FileProblem(_("The file is empty."))
    limit = settings.CUSTOMER_IMPORT_MAX_MB * 1024 * 1024
    if len(content) > limit:
        raise FileProblem(_("The file is larger than %(size)d MB; split it into smaller files.")
                          % {"size": settings.CUSTOMER_IMPORT_MAX_MB})
    found = Inspection(file_format=detect_format(filename, content))
    if found.file_format == ImportJob.Format.CSV:
        found.encoding = detect_encoding(content)
        if not is_text(content, found.encoding):
            raise FileProblem(_("The file is neither a CSV file nor an Excel workbook (.xlsx). "
                                "Save the customer list from your spreadsheet as one of them "
                                "and upload that."))
        found.delimiter = detect_delimiter(content, found.encoding)
    rows = read_rows(content, found.file_format, encoding=found.encoding,
                     delimiter=found.delimiter)
    header = next(rows, None)
    if not header or not any(cell.strip() for cell in header):
        raise FileProblem(_("The first row should name the columns; it is empty."))
    found.columns = [cell.strip() for cell in header]
    width = len(found.columns)
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        found.rows_total += 1
        if len(found.preview) < PREVIEW_ROWS:
            found.preview.append([_preview_cell(cell) for cell in row[:width]])
    if not found.rows_total:
        raise FileProblem(_("The file has only the row with the column names: there are no "
                            "customers below it."))
    return found


def upload(organization, *, by, environment, filename: str, content: bytes,
           language: str = "") -> ImportJob:
    """Store the file with its columns and first rows, for the preview and mapping."""
    found = inspect(filename, content)
    job = ImportJob(organization=organization, created_by=by, environment=environment,
                    filename=filename[:255], content=content, language=language,
                    file_format=found.file_format, encoding=found.encoding,
                    delimiter=found.delimiter, columns=found.columns, preview=found.preview,
                    rows_total=found.rows_total, progress_total=found.rows_total,
                    mapping=guess_mapping(found.columns))
    job.save()
    return job


def _names_of(target: str) -> set[str]:
    """The headers that choose `target`: its name, its aliases and the field's label in each
    of the portal's languages, as the upload page lists them."""
    label, aliases = TARGETS[target]
    names = {target.replace("_", " "), *aliases}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            names.add(normalise_header(str(label)))
    return names


def guess_mapping(columns: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    names = {target: _names_of(target) for target in TARGETS}
    for index, header in enumerate(columns):
        name = normalise_header(header)
        for target in TARGETS:
            if name in names[target] and target not in mapping:
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
