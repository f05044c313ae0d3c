"""/health/ for load balancers: database, cache, and the task queue."""

import dataclasses
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


def queue_figures() -> dict:
    """Tasks waiting to run now, and how long the oldest of them has waited (seconds)."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.ready()
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"depth": waiting.count(), "oldest_wait": age}


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


class HealthView(HealthCheckView):
    checks = ("health_check.checks.Database", "health_check.checks.Cache", TaskQueue)
