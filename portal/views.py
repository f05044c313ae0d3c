"""The staff page of the task queue: what waits, what is being retried, what failed."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from portal.health import queue_figures
from portal.mail import queued_mail_summary
from portal.models import WorkerBeat
from portal.tenancy import staff_required

SHOWN = 50


def _summary(row) -> dict:
    # Of a mail, whom it was for (never its text), so staff can tell whom a failure concerns.
    concerns = (queued_mail_summary(row.args_kwargs.get("kwargs") or {})
                if row.task_path == "portal.mail.deliver_mail" else "")
    return {"row": row, "name": row.task_path.rsplit(".", 1)[-1], "attempts": len(row.worker_ids),
            "error": row.traceback.strip().splitlines()[-1] if row.traceback else "",
            "concerns": concerns}


@staff_required("is_techsupport")
def task_queue(request):
    now = timezone.now()
    results = DBTaskResult.objects.all()
    retrying = results.filter(status=TaskResultStatus.READY).exclude(exception_class_path="")
    failed = results.filter(status=TaskResultStatus.FAILED).order_by("-finished_at")
    alive_since = now - timedelta(seconds=settings.TASK_WORKER_TIMEOUT)
    return render(request, "portal/task_queue.html", {
        "queue": queue_figures(),
        "running": results.filter(status=TaskResultStatus.RUNNING).count(),
        "retrying": [_summary(row) for row in retrying.order_by("run_after")[:SHOWN]],
        "failed": [_summary(row) for row in failed[:SHOWN]],
        "failed_count": failed.count(),
        "workers": WorkerBeat.objects.filter(seen_at__gte=alive_since),
    })


@staff_required("is_techsupport")
@require_POST
def task_retry(request, task_id):
    """Run a failed task again, now, as a fresh first try."""
    row = get_object_or_404(DBTaskResult, id=task_id, status=TaskResultStatus.FAILED)
    DBTaskResult.objects.filter(id=row.id, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, run_after=timezone.now(), worker_ids=[],
        finished_at=None)
    messages.success(request, _("The task is queued again."))
    return redirect("portal:task_queue")
