"""Background work on django-tasks (the `django.tasks` API of Django 6, backported).

How every app uses it:

- Write a task with ``@task()`` from ``django_tasks`` (``django.tasks`` on Django 6), at
  module level in ``<app>/tasks.py``, taking only JSON values (primary keys, strings).
- Enqueue it with :func:`enqueue` inside the ``transaction.atomic()`` block that writes the
  row it works on. With the database backend the task's row is written in that same
  transaction: it is committed with the work or rolled back with it, and no worker sees it
  before the commit. (The immediate backend of the tests runs the task on the spot.)
- Let a failure that may pass propagate (see :func:`is_passing`): the worker runs the task
  again later, with exponential backoff. Any other exception fails the task for good; the
  task's ``task_finished`` signal is where an app turns that into a reason its user sees.
- A long task calls :func:`checkpoint` between steps that are safe to stop after: when the
  worker is asked to stop, it raises :class:`HandBack`, and the worker puts the task back
  on the queue for the next worker, which must be able to carry on from the stored state.
- A task may run twice (a worker that died is taken over), so it is idempotent.
- Periodic work: decorate the task with :func:`periodic`; workers enqueue it on schedule.
- Work a worker does once, before its first task (compiling rules, say): connect to
  :data:`worker_started`; the receiver runs in the worker's main thread, so anything slow
  belongs in a thread of its own.
"""

from __future__ import annotations

import smtplib
import threading
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError
from django.dispatch import Signal

# Sent by a task worker as it starts, before it looks for tasks.
worker_started = Signal()

# Set by the worker when it is asked to stop (SIGTERM, Ctrl-C).
_stop_requested = threading.Event()


class PassingFailure(Exception):
    """Raised by a task for a failure that may pass on its own (a busy service, a 5xx)."""


class HandBack(Exception):  # noqa: N818 - it is a request to the worker, not an error
    """The worker is stopping: the task stopped at a safe point, to be continued later."""


def enqueue(task, *args, **kwargs):
    """Queue `task(*args, **kwargs)` as part of the current transaction; see the module."""
    return task.enqueue(*args, **kwargs)


def checkpoint() -> None:
    """Raise HandBack when the worker running this task has been asked to stop."""
    if _stop_requested.is_set():
        raise HandBack


def request_stop() -> None:
    _stop_requested.set()


def stop_requested() -> bool:
    return _stop_requested.is_set()


def is_passing(exc: BaseException) -> bool:
    """Whether another try later may succeed: a timeout, a refused or dropped connection, a
    temporary answer (SMTP 4xx, HTTP 5xx or 429), a locked or lost database."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if _passing(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _passing(exc: BaseException) -> bool:
    import requests

    if isinstance(exc, PassingFailure | TimeoutError | ConnectionError | OperationalError
                  | smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError
                  | requests.Timeout | requests.ConnectionError):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in exc.recipients.values())
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return exc.response.status_code >= 500 or exc.response.status_code == 429
    return False


def retry_delay(attempts: int) -> float:
    """Seconds before the next try, after `attempts` tries so far."""
    delay = settings.TASK_RETRY_BASE_DELAY * 2 ** max(0, attempts - 1)
    return min(delay, settings.TASK_RETRY_MAX_DELAY)


@dataclass(frozen=True)
class Periodic:
    task: object
    every: timedelta

    @property
    def name(self) -> str:
        return self.task.module_path


# {task module path: Periodic}, filled as the apps' tasks modules are imported.
PERIODIC: dict[str, Periodic] = {}


def periodic(*, every: timedelta):
    """Run the decorated task (already a ``@task()``) every `every`, by the workers."""

    def register(task):
        PERIODIC[task.module_path] = Periodic(task=task, every=every)
        return task

    return register


def prune_finished_results(now=None) -> int:
    """Delete finished task results past TASK_RESULTS_KEEP_DAYS (failed ones: twice that)."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    keep = timedelta(days=settings.TASK_RESULTS_KEEP_DAYS)
    deleted, _rows = DBTaskResult.objects.successful().filter(finished_at__lt=now - keep).delete()
    failed, _rows = DBTaskResult.objects.failed().filter(finished_at__lt=now - 2 * keep).delete()
    return deleted + failed
