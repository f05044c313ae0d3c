"""What the task workers share besides the queue itself: who is alive, and when each
periodic task runs next."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerBeat(models.Model):
    """A running `db_worker`, as it last reported. A task held by a worker that stopped
    reporting is given back to the queue (see portal.worker)."""

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process"), default=0)
    started_at = models.DateTimeField(_("started"))
    seen_at = models.DateTimeField(_("last seen"), db_index=True)
    # The task it is running, if any, as the staff page shows it.
    task_id = models.CharField(_("task"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")
        ordering = ["-seen_at"]

    def __str__(self):
        return f"{self.hostname}:{self.pid}"


class ScheduledTask(models.Model):
    """The next run of a periodic task. Workers enqueue a due run by moving `next_run_at`
    on with a conditional UPDATE, so only one of them does, however many run."""

    name = models.CharField(_("task"), max_length=200, primary_key=True)
    next_run_at = models.DateTimeField(_("next run"))
    last_enqueued_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled task")
        verbose_name_plural = _("scheduled tasks")
        ordering = ["name"]

    def __str__(self):
        return self.name
