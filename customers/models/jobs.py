"""Work that outlives a request: customer imports and Peppol checks of a whole list.

The job row is what users see (status, progress, counts, report); the work itself is a task
on the queue (customers.tasks), enqueued in the transaction that starts the job and run by a
worker. A page that shows a running job compares it with its task (notice_stall) and says
what is really going on: waiting for a worker, retrying, continuing after a worker stopped,
or failed for good.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import IntegrityError, models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from customers.models.cards import Reach
from onboarding.models import Organization
from onboarding.models.organizations import OrganizationPartQuerySet
from portal.errors import ChangeRefused
from portal.fields import acting_user
from portal.said import Said, Shown, as_data, said_field

logger = logging.getLogger(__name__)

# Without a task row to ask (the immediate backend), a job that has not reported for this
# long has died with its process.
STALLED_AFTER = timedelta(minutes=10)
# Queued work that no worker has started after this long is reported as waiting.
WAITING_AFTER = timedelta(minutes=1)

WAITING = _("Waiting for a background worker: this has been queued for %(minutes)d "
            "minute(s). If it stays like this, the task worker is not running; tell support.")


class BackgroundJob(models.Model):
    RUNNING: tuple[str, ...] = ()
    FAILED = "failed"
    # What each kind of job tells its user; see ImportJob and PeppolCheckRun.
    INTERRUPTED = RETRYING = GAVE_UP = STOPPED = ""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="+", verbose_name=_("organization"))
    # The environment the user worked in, so an accountant's work is recorded as theirs.
    environment = models.ForeignKey("onboarding.Environment", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_by = acting_user(_("started by"), blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The error as a message to say again in the reader's language (portal.said).
    error_said = said_field()
    error_shown = Shown("error", "error_said")
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The queued task doing the current step (its id on the task queue).
    task_id = models.CharField(max_length=64, blank=True, editable=False)

    objects = OrganizationPartQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    def report(self, **fields) -> None:
        """Commit progress at once, so a polling page sees it while the work goes on."""
        fields["heartbeat_at"] = timezone.now()
        type(self).objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)

    def fail(self, message) -> None:
        self.report(status=self.FAILED, error=str(message), error_said=as_data(message),
                    finished_at=timezone.now())

    def fail_if_running(self, message) -> bool:
        """Fail the job unless it finished meanwhile; True when this call failed it."""
        failed = type(self).objects.filter(pk=self.pk, status__in=self.RUNNING).update(
            status=self.FAILED, error=str(message), error_said=as_data(message),
            finished_at=timezone.now())
        self.refresh_from_db()
        return bool(failed)

    @classmethod
    @contextmanager
    def one_running(cls):
        """Around starting a job: while another of the organization's runs, the database
        refuses it, and the user reads the constraint's message."""
        try:
            yield
        except IntegrityError as exc:
            raise ChangeRefused(cls._meta.constraints[0].violation_error_message) from exc

    @contextmanager
    def failing_with(self, message):
        """Around the job's task: a failure that may pass (or a hand-back) propagates for the
        worker to try again; any other is logged, fails the job with `message` and
        propagates, so staff see the failed task too."""
        from portal.tasks import HandBack, is_passing

        try:
            yield
        except HandBack:
            raise
        except Exception as exc:
            if is_passing(exc):
                raise
            logger.exception("%s %s failed", self._meta.verbose_name, self.pk)
            self.fail(message)
            raise

    def _enqueue(self, task) -> None:
        """Queue the job's work in the caller's transaction (see portal.tasks)."""
        from portal.tasks import enqueue

        result = enqueue(task, self.pk)
        type(self).objects.filter(pk=self.pk).update(task_id=str(result.id))
        self.task_id = str(result.id)

    def task_row(self):
        """The job's task on the database queue; None with another backend or once pruned."""
        from django_tasks_db.models import DBTaskResult

        if not self.task_id or settings.TASKS_BACKEND != "database":
            return None
        return DBTaskResult.objects.filter(id=self.task_id).first()

    def notice_stall(self) -> None:
        """Fail a running job whose task failed for good or is gone; pages call this when
        they show a job, so the user reads what happened instead of a bar that never moves."""
        if not self.is_running:
            return
        row = self.task_row()
        if row is None:
            if self.heartbeat_at and timezone.now() - self.heartbeat_at > STALLED_AFTER:
                self.fail_if_running(Said(self.STOPPED))
            return
        if row.status == "FAILED":
            self.fail_if_running(Said(self.GAVE_UP))
        elif row.status == "SUCCESSFUL":
            self.fail_if_running(Said(self.STOPPED))

    @property
    def delay_note(self) -> str:
        """Why a running job does not move, when it does not: for the progress page."""
        if not self.is_running:
            return ""
        row = self.task_row()
        if row is None or row.status != "READY":
            return ""
        now = timezone.now()
        if row.exception_class_path and row.run_after > now:
            return Said(self.RETRYING, time=formats.time_format(
                timezone.localtime(row.run_after), "H:i:s"))
        if row.worker_ids:
            return Said(self.INTERRUPTED, done=intcomma(self.progress_done),
                        total=intcomma(self.progress_total))
        if now - row.enqueued_at > WAITING_AFTER:
            return str(WAITING) % {"minutes": (now - row.enqueued_at).total_seconds() // 60}
        return ""


class ImportJob(BackgroundJob):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting for the column mapping")
        CHECKING = "checking", _("Checking the rows")
        CHECKED = "checked", _("Checked; rows were rejected and nothing was imported")
        SAVING = "saving", _("Saving")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    RUNNING = (Status.CHECKING, Status.SAVING)
    INTERRUPTED = gettext_noop("The worker running this import stopped (a restart or a crash). "
                               "Another worker carries on and starts the current step again from "
                               "the first row; nothing is saved twice.")
    RETRYING = gettext_noop("The import could not reach the database or a service it needs; it "
                            "tries again by itself at %(time)s.")
    GAVE_UP = gettext_noop("The import stopped after several tries because the database or a "
                           "service it needs did not answer. Nothing was saved; start it again.")
    STOPPED = gettext_noop("The import stopped before it finished and is no longer queued. "
                           "Nothing was saved; start it again.")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.UPLOADED)
    filename = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(max_length=4, choices=Format.choices, default=Format.CSV)
    encoding = models.CharField(max_length=20, blank=True)
    # The uploader's language: rejection reasons are written in it, by a thread that has
    # no request to take it from.
    language = models.CharField(max_length=10, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    # The upload itself, until the import is done: between the preview and the import, and
    # for "import the valid rows" after a check, the work runs again from it.
    content = models.BinaryField(default=b"", editable=False)
    columns = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    # {card field: column index}
    mapping = models.JSONField(default=dict, blank=True)
    import_valid_rows = models.BooleanField(
        _("import the valid rows"), default=False,
        help_text=_("When some rows are rejected, still import the others."))
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_created = models.PositiveIntegerField(_("imported"), default=0)
    rows_updated = models.PositiveIntegerField(_("updated"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # One per rejected row: [row number, customer number, column, reason, reason said, card
    # field, [[column, reason, reason said, card field], ...]]: the row's first problem, and
    # its others (only when it has more than one; null when the row was checked up to its
    # first problem only, see customers.importing.passes). The reason as written in the
    # importer's language, and as a message to say again in the reader's (portal.said); the
    # card field named when the file has no column for it (the column is then its label).
    # Imports from before kept the first four only, or the first six. Read them with
    # customers.importing.report.rejections_shown.
    rejections = models.JSONField(default=list, blank=True)
    # The rejected rows as the file had them, each with its reason: a UTF-8 CSV made while
    # the upload was still stored, for the report to correct and import again.
    rejected_rows = models.BinaryField(default=b"", editable=False)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(status__in=["checking", "saving"]),
                name="one_running_import_per_organization",
                violation_error_message=_("Another import for this organization is running; "
                                          "wait until it is done."),
            )
        ]

    def __str__(self):
        return self.filename

    def _locked(self) -> ImportJob:
        return ImportJob.objects.select_for_update().defer("content", "rejections",
                                                          "rejected_rows").get(
            pk=self.pk)

    def _begin(self, to_status, allowed_from, *, queue=True, **fields) -> ImportJob:
        from customers.tasks import run_import

        with self.one_running(), transaction.atomic():
            current = self._locked()
            if current.status not in allowed_from:
                status = current.get_status_display().lower()
                raise ChangeRefused(_("This import is %(status)s; that step is not possible "
                                      "now.") % {"status": status})
            current.status = to_status
            current.heartbeat_at = timezone.now()
            current.error = ""
            for name, value in fields.items():
                setattr(current, name, value)
            current.save()
            if queue:
                current._enqueue(run_import)
        self.refresh_from_db()
        return current

    def start(self, *, mapping: dict[str, int], import_valid_rows: bool,
              queue: bool = True) -> ImportJob:
        """Check every row with this column mapping, then import (see customers.importing).

        The work is queued in the same transaction; `queue=False` leaves it to the caller
        (the command line runs it in its own process)."""
        return self._begin(self.Status.CHECKING, {self.Status.UPLOADED, self.Status.FAILED},
                           queue=queue, mapping=mapping, import_valid_rows=import_valid_rows,
                           progress_done=0, progress_total=self.rows_total, finished_at=None)

    def save_valid_rows(self) -> ImportJob:
        """After a check that rejected rows or found cards to change, the user confirmed:
        import the valid rows. The save refuses each row whose card changed after the check
        (see customers.importing.passes), so nothing the user did not see is overwritten."""
        return self._begin(self.Status.SAVING, {self.Status.CHECKED},
                           import_valid_rows=self.import_valid_rows or bool(self.rows_rejected),
                           progress_done=0)

    def back_to_mapping(self) -> ImportJob:
        """Leave a checked import unwritten and choose the columns again."""
        return self._begin(self.Status.UPLOADED, {self.Status.CHECKED}, queue=False,
                           finished_at=None)

    def confirm_changes(self, *, queue: bool = True) -> ImportJob:
        """Write the checked rows that change cards; rows rejected by the check (if any)
        still stop the import unless the user chose to import the valid rows."""
        return self._begin(self.Status.SAVING, {self.Status.CHECKED}, queue=queue,
                           progress_done=0)

    @property
    def awaits_confirmation(self) -> bool:
        """Checked, and only the user's go-ahead stands between the check and the save:
        the check found cards it would change (shown old → new before anything is written)."""
        return (self.status == self.Status.CHECKED and bool(self.rows_updated)
                and (not self.rows_rejected or self.import_valid_rows))

    @property
    def status_shown(self) -> str:
        if self.awaits_confirmation:
            return str(_("Checked; waiting for you to confirm the changes"))
        return self.get_status_display()

    @property
    def checked_at(self):
        """When the rows were last checked and shown: a card changed after this is not
        overwritten by the save. None when nothing was shown (the check went straight on)."""
        return self.finished_at if self.status in (self.Status.CHECKED,
                                                   self.Status.SAVING) else None

    @property
    def rows_valid(self) -> int:
        return self.rows_created + self.rows_updated + self.rows_unchanged


class PeppolCheckRun(BackgroundJob):
    """"Check Peppol" for every card of a (filtered) list, in the background."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Checking")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    RUNNING = (Status.RUNNING,)
    INTERRUPTED = gettext_noop("The worker running this check stopped (a restart or a crash). "
                               "Another worker carries on after the last customer it finished "
                               "(%(done)s of %(total)s).")
    RETRYING = gettext_noop("The check could not reach the database or a service it needs; it "
                            "tries again by itself at %(time)s.")
    GAVE_UP = gettext_noop("The check stopped after several tries because the database or a "
                           "service it needs did not answer. The customers checked so far keep "
                           "their result; retry to check the others.")
    STOPPED = gettext_noop("The check stopped before it finished and is no longer queued. The "
                           "customers checked so far keep their result; retry to check the "
                           "others.")

    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.RUNNING)
    # The list's filters when the run started: {"q": ..., "reach": ..., ...}
    filters = models.JSONField(default=dict, blank=True)
    # Cards are checked in primary-key order, in batches; each batch starts after this one.
    last_card = models.BigIntegerField(default=0)
    reachable = models.PositiveIntegerField(_("receive Peppol invoices"), default=0)
    not_reachable = models.PositiveIntegerField(_("cannot receive Peppol invoices"), default=0)
    failed = models.PositiveIntegerField(_("could not be checked"), default=0)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("Peppol check")
        verbose_name_plural = _("Peppol checks")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(status="running"),
                name="one_running_peppol_check_per_organization",
                violation_error_message=_("A Peppol check of this organization's customers is "
                                          "already running."),
            )
        ]

    def __str__(self):
        return f"{self.organization} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def answered(self) -> int:
        """Cards the run got an answer for: checked, less those that could not be."""
        return self.progress_done - self.failed

    @property
    def failed_cards_query(self) -> str:
        """The card list's query string for the cards this run could not check: its own
        filters, with the Peppol one asking for cards whose last check failed. That
        replaces a Peppol filter the run had (the list has one at a time); a failed check
        from before the run, on a card that filter left out, is then listed too."""
        query = {name: "on" if value is True else value for name, value in self.filters.items()
                 if name != "reach"}
        query["reach"] = Reach.CHECK_FAILED.value
        return urlencode(query)

    @classmethod
    def begin(cls, organization, *, by, environment, filters, total) -> PeppolCheckRun:
        """Start a check of the list and queue its work, in one transaction."""
        from customers.tasks import run_peppol_check

        with cls.one_running(), transaction.atomic():
            run = cls.objects.create(organization=organization, created_by=by,
                                     environment=environment, filters=filters,
                                     progress_total=total, heartbeat_at=timezone.now())
            run._enqueue(run_peppol_check)
        run.refresh_from_db()
        return run

    def retry(self, *, by) -> bool:
        """Carry on with a failed check after the last customer it finished; False when it
        is not failed (any more)."""
        from customers.tasks import run_peppol_check

        try:
            with transaction.atomic():
                current = PeppolCheckRun.objects.select_for_update().get(pk=self.pk)
                if current.status != self.Status.FAILED:
                    return False
                current.status = self.Status.RUNNING
                current.error = ""
                current.finished_at = None
                current.heartbeat_at = timezone.now()
                current.save(update_fields=["status", "error", "finished_at", "heartbeat_at"])
                current._enqueue(run_peppol_check)
        except IntegrityError as exc:
            raise ChangeRefused(_("A Peppol check of this organization's customers is already "
                                  "running.")) from exc
        finally:
            self.refresh_from_db()
        return True
