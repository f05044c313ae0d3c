"""The queues platform staff work through, as the staff home lists them: each app names its
own, with the staff flag of those who work it and, where it has one, how many wait in it.
`portal` names no app; the apps register their queues as they start."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Queue:
    url_name: str
    label: str | Promise
    # The User flag of the staff who work it: is_techsupport or is_sales.
    flag: str
    # Where it stands on the staff home, the lowest first.
    position: int
    # How many items wait for staff now; None for a list with no such notion.
    waiting: Callable[[], int] | None = None
    # What the number counts, after it: "waiting", "failed".
    counted: str | Promise = ""


@dataclass(frozen=True)
class Shown:
    queue: Queue
    url: str
    count: int | None


QUEUES: dict[str, Queue] = {}


def register(queue: Queue) -> Queue:
    QUEUES[queue.url_name] = queue
    return queue


def for_user(user) -> list[Shown]:
    """The queues `user` works, in order, each with how many wait in it now."""
    return [Shown(queue, reverse(queue.url_name),
                  queue.waiting() if queue.waiting is not None else None)
            for queue in sorted(QUEUES.values(), key=lambda q: q.position)
            if getattr(user, queue.flag, False)]


def for_request(request) -> list[Shown]:
    """for_user(request.user), counted once a request: the staff home and the menu's sum
    read the same counts."""
    if not hasattr(request, "_staff_queues"):
        request._staff_queues = for_user(request.user)
    return request._staff_queues


def waiting_in_all(request) -> int:
    """How many items wait in the queues the request's user works, all together."""
    return sum(shown.count or 0 for shown in for_request(request))


def _failed_tasks() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.failed().count()


def register_task_queue() -> None:
    register(Queue("portal:task_queue", _("Task queue"), "is_techsupport", 60,
                   waiting=_failed_tasks, counted=_("failed")))
