"""Authorisation requests to many clients at once: a list pasted from a spreadsheet or
uploaded as CSV, checked row by row before anything is sent.

The list's first row names its columns (in English or Dutch, as a spreadsheet would); each
further row is one client, checked as the single request's form checks it. Nothing is stored
until the accountant has seen every row's verdict and sends the ready ones.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from onboarding.forms.partners import AuthorisationRequestForm
from onboarding.models import AuthorisationRequest, Software
from portal.errors import ChangeRefused

# One list is one page to check: a larger practice sends it in parts.
MOST_ROWS = 200
MOST_CHARACTERS = 200_000

# What each column holds, with the header names (lower case, words separated by single
# spaces) that choose it: English and Dutch.
COLUMNS: dict[str, tuple[str, set[str]]] = {
    "client_name": (gettext_lazy("Client's name"), {
        "name", "client name", "client", "contact", "contact person", "naam", "klantnaam",
        "clientnaam", "cliënt", "client naam", "contactpersoon"}),
    "client_email": (gettext_lazy("Client's email address"), {
        "email", "e mail", "email address", "e mail address", "mail", "e mailadres",
        "emailadres", "mailadres"}),
    "registry_number": (gettext_lazy("KvK number"), {
        "kvk", "kvk number", "kvk nummer", "kvknummer", "kvk nr", "registry number",
        "chamber of commerce", "chamber of commerce number"}),
    "software": (gettext_lazy("Software package"), {
        "software", "software package", "package", "pakket", "softwarepakket",
        "boekhoudpakket", "boekhoudsoftware", "erp"}),
}


class ClientListProblem(ValueError):
    """The list as a whole cannot be read; the message says why and what to do."""


@dataclass
class ClientRow:
    line: int  # the row's number in the list, its header being row 1
    values: dict[str, str]
    problems: list[str] = field(default_factory=list)
    # Sent again: the pending request it replaces.
    replaces: AuthorisationRequest | None = None

    @property
    def ready(self) -> bool:
        return not self.problems

    @property
    def software_label(self) -> str:
        """The package by its name when the row names one; as the list had it otherwise."""
        value = self.values["software"]
        return Software(value).label if value in Software.values else value


def _header_key(cell: str) -> str:
    return " ".join(cell.replace("_", " ").replace("-", " ").lower().split())


def _software(value: str) -> str:
    """The Software value a cell names, by its value or its label; empty when none."""
    wanted = " ".join(value.lower().split())
    for choice, label in Software.choices:
        if wanted in (choice, str(label).lower(), choice.replace("_", " ")):
            return choice
    return ""


def decode(content: bytes) -> str:
    """An uploaded CSV as text: UTF-8 (with or without its mark), UTF-16 with its mark (what
    Excel's "Unicode text" saves) or, as Excel saves it on Dutch Windows, Windows-1252. A
    workbook (a zip file, whatever its name) is refused with what to do instead."""
    if content.startswith(b"PK\x03\x04"):
        raise ClientListProblem(_("This is an Excel workbook, not a CSV file. In Excel, save "
                                  "it as CSV (UTF-8), or copy the rows and paste them here."))
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16", errors="replace")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def read(text: str) -> list[ClientRow]:
    """The list's rows, each with its values by column; raises ClientListProblem."""
    if not text.strip():
        raise ClientListProblem(_("The list is empty. Paste the rows from your spreadsheet, "
                                  "the column names first, or upload a CSV file."))
    if len(text) > MOST_CHARACTERS:
        raise ClientListProblem(_("The list is too long. Send at most %(rows)d clients at "
                                  "once.") % {"rows": MOST_ROWS})
    # Each row keeps its number in the spreadsheet: blank rows are left out, not renumbered.
    raw = text.splitlines()
    first = next(index for index, line in enumerate(raw) if line.strip())
    numbered = [(number, line) for number, line in enumerate(raw[first:], start=1)
                if line.strip()]
    lines = [line for _number, line in numbered]
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters="\t;,")
    except csv.Error:
        dialect = csv.excel_tab if "\t" in lines[0] else csv.excel
    table = list(csv.reader(io.StringIO("\n".join(lines)), dialect))
    header = [_header_key(cell) for cell in table[0]]
    positions = {key: next((i for i, name in enumerate(header) if name in names), None)
                 for key, (_label, names) in COLUMNS.items()}
    missing = [str(COLUMNS[key][0]) for key, index in positions.items() if index is None]
    if missing:
        raise ClientListProblem(
            _("The first row should name the columns. Not found: %(missing)s. Name them, for "
              "example: Name, Email, KvK number, Software.") % {"missing": ", ".join(missing)})
    if len(table) - 1 > MOST_ROWS:
        raise ClientListProblem(_("The list has %(count)d clients. Send at most %(rows)d at "
                                  "once.") % {"count": len(table) - 1, "rows": MOST_ROWS})
    if len(table) == 1:
        raise ClientListProblem(_("The list names its columns but has no clients below them."))
    if len(table) != len(lines):
        # A quoted cell over several lines: number the rows as they come.
        numbered = list(enumerate(table, start=1))
    return [ClientRow(line=number, values={
        key: row[index].strip() if index < len(row) else "" for key, index in positions.items()})
        for (number, _line), row in zip(numbered[1:], table[1:], strict=True)]


def check(rows: list[ClientRow], environment) -> list[ClientRow]:
    """Give each row its problems, as the single request's form would, plus those only a list
    has: a client twice, and a client the environment already works for."""
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        software = _software(row.values["software"])
        form = AuthorisationRequestForm({**row.values, "software": software})
        if not form.is_valid():
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                if name == "software" and row.values["software"]:
                    errors = [_("%(value)s is not a package here; use AFAS, 4PS Construct, 4PS "
                                "Business Central, Accept or Other software.")
                              % {"value": row.values["software"]}]
                row.problems.extend(f"{label}: {error}" if label else str(error)
                                    for error in errors)
            continue
        row.values = {key: form.cleaned_data[key] for key in COLUMNS}
        row.values["client_email"] = row.values["client_email"].strip().lower()
        if problem := AuthorisationRequest.address_problem(environment,
                                                           row.values["client_email"]):
            row.problems.append(problem)
        pair = (row.values["client_email"], row.values["registry_number"])
        if pair in seen:
            row.problems.append(_("The same client as row %(row)d.") % {"row": seen[pair]})
        seen.setdefault(pair, row.line)
    _against_what_exists(rows, environment)
    return rows


def _against_what_exists(rows, environment) -> None:
    ready = [row for row in rows if row.ready]
    numbers = {row.values["registry_number"] for row in ready}
    clients = AuthorisationRequest.clients_among(environment, numbers)
    pending = {(r.client_email, r.registry_number): r for r in
               AuthorisationRequest.objects.pending().filter(
                   environment=environment, registry_number__in=numbers)}
    for row in ready:
        number = row.values["registry_number"]
        if number in clients:
            row.problems.append(AuthorisationRequest.already_client(clients[number]))
        else:
            row.replaces = pending.get((row.values["client_email"], number))


def over_day_limit(rows: list[ClientRow], environment) -> str:
    """Why the list's ready rows may not all go out today; empty when they may."""
    ready = sum(row.ready for row in rows)
    left = AuthorisationRequest.left_today(environment)
    if ready <= left:
        return ""
    if not left:
        return _("No more requests may be sent in the next 24 hours (at most %(most)d a day). "
                 "Send the list tomorrow.") % {"most": settings.AUTHORISATION_REQUESTS_PER_DAY}
    return ngettext(
        "Only %(left)d more request may be sent in the next 24 hours (at most %(most)d a day), "
        "and %(ready)d are ready. Shorten the list, and send the rest tomorrow.",
        "Only %(left)d more requests may be sent in the next 24 hours (at most %(most)d a "
        "day), and %(ready)d are ready. Shorten the list, and send the rest tomorrow.",
        left) % {"left": left, "most": settings.AUTHORISATION_REQUESTS_PER_DAY, "ready": ready}


def send(rows: list[ClientRow], *, environment, by, message: str, deliver) -> int:
    """Send the ready rows' requests, each with its mail (`deliver(request)`); how many.
    A list with more ready rows than may go out today is refused whole, before any is sent."""
    if problem := over_day_limit(rows, environment):
        raise ChangeRefused(problem)
    sent = 0
    for row in rows:
        if not row.ready:
            continue
        # Each request with its mail, as one request alone would be.
        with transaction.atomic():
            request = AuthorisationRequest.send(environment=environment, by=by,
                                                message=message, **row.values)
            deliver(request)
        sent += 1
    return sent
