"""Health endpoints, two of them because they answer two questions.

/health/ is for load balancers: can this web node serve pages? That is the database. The cache
is reported beside it but fails nothing: the portal carries on without Redis (portal.cache),
and failing every web node because Redis is down would take the whole site down with it. Work
waiting for the task workers says nothing about serving pages either. It is answered over
plain http and on any Host (see portal.health_middleware), as load balancers probe by
address.

/health/queue/ is for monitoring: is background work being done (tasks waiting too long, no
worker reporting in, periodic tasks overdue), and is the cache up? It goes through the
ordinary request handling.

Plain synchronous views running django-health-check's database check and checks of our own:
the package's view is asynchronous, which a WSGI server wraps in an event loop of its own,
and that fails in a thread that already runs one."""

import dataclasses
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.exceptions import HealthCheckException, ServiceUnavailable


def queue_figures() -> dict:
    """Tasks waiting to run now, and how long the oldest of them has waited (seconds)."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.ready()
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"depth": waiting.count(), "oldest_wait": age}


@dataclasses.dataclass
class Cache(HealthCheck):
    """The default cache stores and returns a value."""

    def run(self):
        key = f"health:{uuid.uuid4().hex}"
        try:
            cache.set(key, "ok", 10)
            answer = cache.get(key)
            cache.delete(key)
        except Exception as exc:
            raise ServiceUnavailable(f"cache: {type(exc).__name__}") from exc
        if answer != "ok":
            raise ServiceUnavailable("cache: a stored value did not come back")


def worker_figures() -> dict:
    """Workers that reported in within TASK_WORKER_TIMEOUT, and seconds since the last report."""
    from portal.models import WorkerBeat

    now = timezone.now()
    latest = WorkerBeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    alive = WorkerBeat.objects.filter(
        seen_at__gte=now - timedelta(seconds=settings.TASK_WORKER_TIMEOUT)).count()
    return {"alive": alive,
            "last_seen": (now - latest).total_seconds() if latest else None}


def overdue_schedules() -> list[str]:
    """Periodic tasks whose run is due for longer than HEALTH_QUEUE_MAX_WAIT, or that no
    worker ever scheduled: the workers enqueue them, so these say none is doing so."""
    from portal import tasks
    from portal.models import ScheduledTask

    late = timezone.now() - timedelta(seconds=settings.HEALTH_QUEUE_MAX_WAIT)
    next_runs = dict(ScheduledTask.objects.values_list("name", "next_run_at"))
    return sorted(name for name in tasks.PERIODIC
                  if name not in next_runs or next_runs[name] < late)


@dataclasses.dataclass
class TaskQueue(HealthCheck):
    """Unavailable when the oldest waiting task has waited longer than HEALTH_QUEUE_MAX_WAIT:
    then no worker is taking work, or the workers cannot keep up."""

    timeout: timedelta = dataclasses.field(default=timedelta(seconds=5), repr=False)

    def run(self):
        figures = queue_figures()
        if figures["oldest_wait"] > settings.HEALTH_QUEUE_MAX_WAIT:
            raise ServiceUnavailable(
                f"{figures['depth']} tasks waiting, the oldest for "
                f"{figures['oldest_wait']:.0f} s")


@dataclasses.dataclass
class Workers(HealthCheck):
    """Unavailable when no worker reported in within TASK_WORKER_TIMEOUT: then nothing runs
    tasks or schedules, even while the queue is empty."""

    def run(self):
        figures = worker_figures()
        if figures["alive"]:
            return
        if figures["last_seen"] is None:
            raise ServiceUnavailable("no task worker has reported in")
        raise ServiceUnavailable(
            f"no task worker has reported in for {figures['last_seen']:.0f} s")


@dataclasses.dataclass
class Schedules(HealthCheck):
    """Unavailable when a periodic task is overdue (see overdue_schedules)."""

    def run(self):
        overdue = overdue_schedules()
        if overdue:
            raise ServiceUnavailable(f"{len(overdue)} periodic tasks overdue: "
                                     + ", ".join(overdue))


CHECKS = {"database": Database}
# Said on /health/ without failing it (see the module).
REPORTED = {"cache": Cache}
QUEUE_CHECKS = {"queue": TaskQueue, "workers": Workers, "schedules": Schedules,
                "cache": Cache}


def _run(checks: dict) -> tuple[dict, bool]:
    answers, healthy = {}, True
    for name, check in checks.items():
        try:
            check().run()
        except HealthCheckException as problem:
            answers[name], healthy = str(problem), False
        except Exception as exc:  # a check that broke is a failed check, never a 500
            answers[name], healthy = f"unavailable: {type(exc).__name__}", False
        else:
            answers[name] = "OK"
    return answers, healthy


@never_cache
def health(request):
    """For load balancers: 200 when this node can serve pages (the database "OK"), or 503
    with what failed; the cache's state beside it. The task queue is not part of it: see
    queue_health."""
    answers, healthy = _run(CHECKS)
    answers.update(_run(REPORTED)[0])
    return JsonResponse(answers, status=200 if healthy else 503)


@never_cache
def queue_health(request):
    """For monitoring: 200 when background work is being done and the cache is up, or 503
    with what is wrong (tasks waiting too long, no worker reporting in, periodic tasks
    overdue, the cache); the figures either way."""
    if settings.TASKS_BACKEND != "database":
        return JsonResponse({"queue": f"not used: TASKS_BACKEND is {settings.TASKS_BACKEND}"})
    answers, healthy = _run(QUEUE_CHECKS)
    for name, figures in (("queue_figures", queue_figures), ("worker_figures", worker_figures),
                          ("overdue_schedules", overdue_schedules)):
        try:
            answers[name] = figures()
        except Exception:
            answers[name] = None
    return JsonResponse(answers, status=200 if healthy else 503)
