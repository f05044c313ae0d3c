"""The two passes of an import: check every row, then save them all in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_noop

from customers.importing.files import TARGETS, mapping_problems, rows_of, upload
from customers.importing.problems import FileProblem
from customers.importing.report import rejected_rows_file
from customers.importing.rows import NOT_CHECKED, Problem, RowChecker
from customers.models import CustomerCard, ImportJob
from customers.models.cards import GOVERNMENT_NEEDS_OIN_ID, OIN_SCHEME
from onboarding.models import record_on_organization
from onboarding.models.audit import record
from portal.said import Said, as_data
from portal.tasks import checkpoint

BATCH = 2000
# The first rows with problems are checked for every problem; past these, a row is checked up
# to its first one, so a file of 200,000 bad rows costs time and memory (and JSON: PostgreSQL
# takes at most 255 MB in one value) by its rows, not by every problem of each.
EVERY_PROBLEM_OF = 1000

# What the check that a government customer is addressed by its OIN reads: it is left out
# when one of these already has a problem.
GOVERNMENT_INPUTS = frozenset({"is_government", "endpoint_id", "endpoint_scheme",
                               "endpoint_value"})

# The stored values a row is compared and written with.
STORED = ("name", "customer_number", "country", "invoice_email", "endpoint_scheme",
          "endpoint_value", "legal_scheme", "legal_value", "is_government",
          "buyer_reference_source", "einvoicing_method", "sending_profile_id",
          *CustomerCard.PEPPOL_FIELDS)
DATETIMES = {"peppol_checked_at"}


@dataclass
class Batch:
    new: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    unchanged: int = 0
    rows: int = 0


class Reading:
    """One pass over the upload: checked, classified batches, and the rows it rejected."""

    def __init__(self, job: ImportJob, *, saving: bool = False, changes_wanted: int = 0) -> None:
        self.job = job
        # The save re-reads the cards under a lock and writes a change only to a card that
        # nobody changed after the check whose changes the user saw (job.checked_at).
        self.saving = saving
        self.checked_at = job.checked_at if saving else None
        # (row number, the card as stored, the card as the row makes it), for the preview.
        self.changes: list[tuple[int, dict, dict]] = []
        self.changes_wanted = changes_wanted
        self.organization = job.organization
        self.checker = RowChecker(job.organization, job.mapping)
        self.rejections: list[list] = []
        self.rows = 0
        self.created = self.updated = self.unchanged = 0
        self._first_row_of: dict[str, int] = {}
        self._rows_with_problems = 0

    @property
    def valid(self) -> int:
        return self.created + self.updated + self.unchanged

    def counts(self) -> dict:
        return {"rows_total": self.rows, "rows_created": self.created,
                "rows_updated": self.updated, "rows_unchanged": self.unchanged,
                "rows_rejected": len(self.rejections), "rejections": self.rejections}

    def reject(self, row_number: int, customer_number: str, problems: list[Problem], *,
               first_only: bool = False) -> None:
        """Keep the rejection of a row as ImportJob.rejections describes it: each problem's
        reason (and the card field, where the file has no column of that name) to say again
        to each reader; the first in the rejection itself, any others in a list after it.
        `first_only`: the row was checked up to its first problem (see EVERY_PROBLEM_OF)."""
        first, *others = [self._stored(problem) for problem in problems]
        rejection = [row_number, customer_number, *first]
        if others or first_only:
            rejection.append(None if first_only else others)
        self.rejections.append(rejection)

    def _stored(self, problem: Problem) -> list:
        target, reason = problem
        index = self.job.mapping.get(target)
        column = self.job.columns[index] if index is not None else str(TARGETS[target][0])
        return [column, capfirst(reason), as_data(reason), None if index is not None else target]

    def batches(self) -> Iterator[Batch]:
        rows = rows_of(self.job)
        next(rows, None)  # the header
        pending: list[tuple[int, dict, list[Problem]]] = []
        for row_number, values in enumerate(rows, start=2):
            if not any(value.strip() for value in values):
                continue
            self.rows += 1
            every = self._rows_with_problems < EVERY_PROBLEM_OF
            fields, problems = self.checker.check(values, every=every)
            if problems:
                self._rows_with_problems += 1
            number = fields.get("customer_number")
            if number is None:
                self.reject(row_number, self.checker.customer_number(values), problems,
                            first_only=not every)
                continue
            # The first row of a number is the first that has it, whatever else is wrong with
            # that row: a second row for the customer is reported at once, not after the
            # first one is corrected.
            first = self._first_row_of.setdefault(number, row_number)
            if problems and not every:
                # The row's other fields were not looked at: no checks across them either.
                self.reject(row_number, number, problems, first_only=True)
                continue
            if first != row_number:
                # Two rows for one card: there is no one card to check the row against.
                problems.append(Problem("customer_number", Said(gettext_noop(
                    "Customer number %(number)s is also on row %(row)d."),
                    number=number, row=first)))
                self.reject(row_number, number, problems)
                continue
            pending.append((row_number, fields, problems))
            if len(pending) >= BATCH:
                yield self._classify(pending)
                pending = []
        if pending:
            yield self._classify(pending)
        self.rejections.sort(key=lambda rejection: rejection[0])

    def _classify(self, pending: list[tuple[int, dict, list[Problem]]]) -> Batch:
        cards = CustomerCard.objects.filter(
            organization=self.organization,
            customer_number__in=[fields["customer_number"] for _n, fields, _p in pending])
        if self.saving:
            # Held until the save commits: nobody changes these cards between this
            # comparison and the write.
            cards = cards.select_for_update()
        existing: dict[str, dict] = {}
        changed_at = {}
        for row in cards.values(*STORED, "updated_at"):
            changed_at[row["customer_number"]] = row.pop("updated_at")
            existing[row["customer_number"]] = row
        batch = Batch(rows=len(pending))
        for row_number, fields, problems in pending:
            number = fields["customer_number"]
            old = existing.get(number)
            # The checks across fields, after those of each field; a check whose fields
            # already have a problem is left out (it would judge what the row does not say).
            failed = {problem.target for problem in problems} if problems else ()
            if old is None and "name" not in fields and "name" not in failed:
                problems.append(Problem("customer_number", Said(gettext_noop(
                    "There is no customer with this number yet, and the file has no name to "
                    "create it with."))))
            card = {**(old or self.checker.new_card), **fields}
            if (card["is_government"] and card["endpoint_scheme"] != OIN_SCHEME
                    and GOVERNMENT_INPUTS.isdisjoint(failed)):
                target = "is_government" if "is_government" in fields else "endpoint_id"
                problems.append(Problem(target, Said(GOVERNMENT_NEEDS_OIN_ID)))
            if problems:
                self.reject(row_number, number, problems)
                continue
            if old is not None and (card["endpoint_scheme"], card["endpoint_value"]) != (
                    old["endpoint_scheme"], old["endpoint_value"]):
                card.update(NOT_CHECKED)
            if old is None:
                batch.new.append(card)
            elif card != old:
                if self.saving and (self.checked_at is None
                                    or changed_at[number] > self.checked_at):
                    self.reject(row_number, number,
                                [Problem("customer_number", Said(CHANGED_SINCE_CHECK))])
                    continue
                batch.changed.append(card)
                if len(self.changes) < self.changes_wanted:
                    self.changes.append((row_number, old, card))
            else:
                batch.unchanged += 1
        self.created += len(batch.new)
        self.updated += len(batch.changed)
        self.unchanged += batch.unchanged
        return batch


CHANGED_SINCE_CHECK = gettext_noop(
    "This customer's card was changed after the file was checked (by someone, or by another "
    "import), so this row was not written and the card keeps what it has now. Import the "
    "file again to see the changes against the card as it is now.")

UNEXPECTED = gettext_noop("The import stopped because of an unexpected error; nothing was "
                          "saved. Try again, or ask support if it happens again.")


def run(job_pk: int) -> None:
    """Do the job's next pass (and the save after a clean check), as the task of the job.

    Idempotent: a job that is no longer running is left alone, a check pass starts from the
    first row again, and the save is one transaction, so a second run after a worker died
    writes every card once. A failure that may pass propagates, for the worker to try again;
    any other marks the job failed and propagates, so staff see the failed task too.
    """
    # The upload is fetched by each pass that reads it, and dropped when the pass is done.
    job = ImportJob.objects.select_related("organization").defer(
        "content", "rejected_rows").get(pk=job_pk)
    if not job.is_running:
        return
    with translation.override(job.language or settings.LANGUAGE_CODE), \
            job.failing_with(Said(UNEXPECTED)):
        try:
            if job.status == ImportJob.Status.CHECKING:
                _check(job)
            if job.status == ImportJob.Status.SAVING:
                _save(job)
        except FileProblem as problem:
            job.fail(problem.message)


def _check(job: ImportJob) -> None:
    reading = Reading(job)
    for _batch in reading.batches():
        job.report(progress_done=reading.rows)
        # Nothing of a check is lost by stopping here: the next run reads from the top.
        checkpoint()
    # Changes to existing cards wait until the user has seen them (old → new) and confirmed:
    # see ImportJob.awaits_confirmation. New and unchanged cards alone go straight on.
    stop = (bool(reading.rejections) and not job.import_valid_rows) or bool(reading.updated)
    if stop:
        job.report(status=ImportJob.Status.CHECKED, progress_done=reading.rows,
                   progress_total=reading.rows, finished_at=timezone.now(),
                   rejected_rows=rejected_rows_file(job, reading.rejections),
                   **reading.counts())
    else:
        job.report(status=ImportJob.Status.SAVING, progress_done=0,
                   progress_total=reading.valid, **reading.counts())


class _RejectedWhileSaving(Exception):
    """Rows failed in the save that passed the check (the cards changed meanwhile)."""


def progress_key(job_pk: int) -> str:
    return f"customers:import:{job_pk}:saved"


def saved_so_far(job: ImportJob) -> int | None:
    """Rows written by a running save, which its transaction cannot commit to the job's row;
    None while the cache cannot say (before the first batch, or while it is unreachable)."""
    return cache.get(progress_key(job.pk)) if job.status == ImportJob.Status.SAVING else 0


def _save(job: ImportJob) -> None:
    reading = Reading(job, saving=True)
    try:
        with transaction.atomic():
            for batch in reading.batches():
                # Rows that passed the check may fail now, when the cards changed meanwhile:
                # then nothing is written, and the reading goes on to report them all.
                if not reading.rejections or job.import_valid_rows:
                    _write(job.organization, batch.new, batch.changed)
                    cache.set(progress_key(job.pk), reading.valid, 3600)
            if reading.rejections and not job.import_valid_rows:
                raise _RejectedWhileSaving
            _audit(job, {"file": job.filename, "imported": reading.created,
                         "updated": reading.updated, "unchanged": reading.unchanged,
                         "rejected": len(reading.rejections)})
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.DONE, progress_done=reading.valid, content=b"",
                rejected_rows=rejected_rows_file(job, reading.rejections),
                heartbeat_at=timezone.now(), finished_at=timezone.now(), **reading.counts())
    except _RejectedWhileSaving:
        job.report(status=ImportJob.Status.CHECKED, finished_at=timezone.now(),
                   rejected_rows=rejected_rows_file(job, reading.rejections),
                   **reading.counts())
    finally:
        cache.delete(progress_key(job.pk))
    job.refresh_from_db()


# What an import writes of a card, besides its organization, customer number and times.
WRITTEN = [c for c in STORED if c != "customer_number"]
INSERTED = ["organization_id", "customer_number", *WRITTEN, "created_at", "updated_at"]


def _insert_sql() -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in INSERTED)
    values = ", ".join(["%s"] * len(INSERTED))
    # Only the model's own table and column names are in the text; the values are parameters.
    return f"INSERT INTO {quote(CustomerCard._meta.db_table)} ({names}) VALUES ({values})"  # noqa: S608


def _update_sql() -> str:
    quote = connection.ops.quote_name
    changes = ", ".join(f"{quote(c)} = %s" for c in [*WRITTEN, "updated_at"])
    key = f"{quote('organization_id')} = %s AND {quote('customer_number')} = %s"
    return f"UPDATE {quote(CustomerCard._meta.db_table)} SET {changes} WHERE {key}"  # noqa: S608


def _write(organization, new: list[dict], changed: list[dict]) -> None:
    """Insert the new cards and overwrite the changed ones, found by customer number.

    Plain SQL: bulk_create spent more time turning 25 values a row into SQL than the whole
    check of the row took, and SQLite's INSERT ... ON CONFLICT slowed down with every row
    already in the table. On PostgreSQL new cards go in by COPY, its way of loading rows.
    """
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(timezone.now())

    def values(card):
        return [adapt(card[c]) if c in DATETIMES else card[c] for c in WRITTEN]

    inserted = ((organization.pk, card["customer_number"], *values(card), now, now)
                for card in new)
    with connection.cursor() as cursor:
        if new and connection.vendor == "postgresql":
            quote = connection.ops.quote_name
            columns = ", ".join(quote(c) for c in INSERTED)
            copy_sql = f"COPY {quote(CustomerCard._meta.db_table)} ({columns}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in inserted:
                    copy.write_row(row)
        elif new:
            cursor.executemany(_insert_sql(), list(inserted))
        if changed:
            cursor.executemany(_update_sql(), [(*values(card), now, organization.pk,
                                                card["customer_number"]) for card in changed])


def _audit(job: ImportJob, after: dict) -> None:
    if job.created_by is None:
        # From the command line, where nobody signed in.
        record(environment=job.organization.environment, actor=None, actor_label="command line",
               action="customer_cards.imported", target=job, after=after)
        return
    record_on_organization(job.organization, by=job.created_by, environment=job.environment,
                           action="customer_cards.imported", target=job, after=after)


def import_file(organization, *, by, environment, filename: str, content: bytes,
                import_valid_rows: bool = False, confirm_changes: bool = True) -> ImportJob:
    """Upload, map the columns by their headers, check and save: all in this thread.

    From the command line there is no page to show the changes on: the one who runs it
    confirms them beforehand (`confirm_changes`); without, changes wait in the portal."""
    job = upload(organization, by=by, environment=environment, filename=filename,
                 content=content)
    problems = mapping_problems(job.mapping)
    if problems:
        job.fail(" ".join(problems))
        return job
    job.start(mapping=job.mapping, import_valid_rows=import_valid_rows, queue=False)
    try:
        run(job.pk)
        job.refresh_from_db()
        if confirm_changes and job.awaits_confirmation:
            job.confirm_changes(queue=False)
            run(job.pk)
    except Exception:
        # Failed jobs say so themselves; here nobody retries what might have passed.
        job.fail_if_running(Said(UNEXPECTED))
    job.refresh_from_db()
    return job
