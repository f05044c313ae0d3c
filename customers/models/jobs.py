"""Work that outlives a request: customer imports and Peppol checks of a whole list.

The job row is the only shared state, so `make run` needs no worker or broker: a thread of
the web process does the work and commits its progress, and the page polls the row.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onboarding.models import Organization
from onboarding.models.organizations import OrganizationPartQuerySet
from portal.errors import ChangeRefused

# A job that has not reported for this long died with its process (a restart, a crash).
STALLED_AFTER = timedelta(minutes=10)



class BackgroundJob(models.Model):
    RUNNING: tuple[str, ...] = ()
    FAILED = "failed"
    # What the user reads when the job's process died; each kind says what it left behind.
    STALLED = _("The work stopped before it finished, probably because the server restarted. "
                "Nothing was saved; start it again.")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="+", verbose_name=_("organization"))
    # The environment the user worked in, so an accountant's work is recorded as theirs.
    environment = models.ForeignKey("onboarding.Environment", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("started by"))
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

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
        self.report(status=self.FAILED, error=str(message), finished_at=timezone.now())

    def notice_stall(self) -> None:
        """Mark a job failed whose thread is gone; pages call this when they show it."""
        if not self.is_running or self.heartbeat_at is None:
            return
        if timezone.now() - self.heartbeat_at > STALLED_AFTER:
            type(self).objects.filter(pk=self.pk, heartbeat_at=self.heartbeat_at).update(
                status=self.FAILED, error=str(self.STALLED), finished_at=timezone.now())
            self.refresh_from_db()


class ImportJob(BackgroundJob):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting for the column mapping")
        CHECKING = "checking", _("Checking the rows")
        CHECKED = "checked", _("Checked; rows were rejected and nothing was imported")
        SAVING = "saving", _("Saving")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    RUNNING = (Status.CHECKING, Status.SAVING)

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
    # [[row number, customer number, column, reason], ...]
    rejections = models.JSONField(default=list, blank=True)

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
        return ImportJob.objects.select_for_update().defer("content", "rejections").get(
            pk=self.pk)

    def _begin(self, to_status, allowed_from, **fields) -> ImportJob:
        try:
            with transaction.atomic():
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
        except IntegrityError as exc:
            raise ChangeRefused(_("Another import for this organization is running; wait "
                                  "until it is done.")) from exc
        self.refresh_from_db()
        return current

    def start(self, *, mapping: dict[str, int], import_valid_rows: bool) -> ImportJob:
        """Check every row with this column mapping, then import (see customers.importing)."""
        return self._begin(self.Status.CHECKING, {self.Status.UPLOADED, self.Status.FAILED},
                           mapping=mapping, import_valid_rows=import_valid_rows,
                           progress_done=0, progress_total=self.rows_total)

    def save_valid_rows(self) -> ImportJob:
        """After a check that rejected rows, the user chose to import the others."""
        return self._begin(self.Status.SAVING, {self.Status.CHECKED}, import_valid_rows=True,
                           progress_done=0)

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
    STALLED = _("The check stopped before it finished, probably because the server restarted. "
                "The cards checked so far keep their result; start it again for the rest.")

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

    @classmethod
    def begin(cls, organization, *, by, environment, filters, total) -> PeppolCheckRun:
        try:
            with transaction.atomic():
                return cls.objects.create(organization=organization, created_by=by,
                                          environment=environment, filters=filters,
                                          progress_total=total, heartbeat_at=timezone.now())
        except IntegrityError as exc:
            raise ChangeRefused(_("A Peppol check of this organization's customers is already "
                                  "running.")) from exc
