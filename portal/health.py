"""/health/ for load balancers: database, cache, and the task queue.

A plain synchronous view running django-health-check's database check and checks of our own:
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


@dataclasses.dataclass
class TaskQueue(HealthCheck):
    """Unavailable when the oldest waiting task has waited longer than HEALTH_QUEUE_MAX_WAIT:
    then no worker is taking work, or the workers cannot keep up."""

    timeout: timedelta = dataclasses.field(default=timedelta(seconds=5), repr=False)

    def run(self):
        if settings.TASKS_BACKEND != "database":
            return
        figures = queue_figures()
        if figures["oldest_wait"] > settings.HEALTH_QUEUE_MAX_WAIT:
            raise ServiceUnavailable(
                f"{figures['depth']} tasks waiting, the oldest for "
                f"{figures['oldest_wait']:.0f} s")


CHECKS = {"database": Database, "cache": Cache, "queue": TaskQueue}


@never_cache
def health(request):
    """200 with every check "OK", or 503 with what failed; the queue's figures either way."""
    answers, healthy = {}, True
    for name, check in CHECKS.items():
        try:
            check().run()
        except HealthCheckException as problem:
            answers[name], healthy = str(problem), False
        except Exception as exc:  # a check that broke is a failed check, never a 500
            answers[name], healthy = f"unavailable: {type(exc).__name__}", False
        else:
            answers[name] = "OK"
    if settings.TASKS_BACKEND == "database":
        try:
            answers["queue_figures"] = queue_figures()
        except Exception:
            answers["queue_figures"] = None
    return JsonResponse(answers, status=200 if healthy else 503)
