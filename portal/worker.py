"""The portal's task worker: django-tasks-db's worker, plus what it leaves out.

- Retries: a task that fails for a passing reason (portal.tasks.is_passing) goes back on the
  queue with exponential backoff, until TASK_RETRY_MAX_ATTEMPTS runs; then it fails.
- Stopping: the first SIGTERM or Ctrl-C lets the current task finish, or hand itself back at
  its next checkpoint; a second one stops at once and hands the task back.
- Dead workers: each worker reports in (WorkerBeat) from a thread of its own while it runs
  tasks; a task held by a worker that has not reported for TASK_WORKER_TIMEOUT seconds is
  given back to the queue and run again by another worker.
- Schedules: each worker enqueues the periodic tasks (portal.tasks.PERIODIC) that are due.
- Quick to pick up work: a worker keeps its database connection between tasks, looks for
  waiting tasks with a plain read before it takes the lock that claims one, and after a task
  looks again soon, waiting longer each time it finds nothing, up to `--interval`. On
  PostgreSQL a waiting worker also listens for the notification that a trigger on the queue
  sends when a task becomes ready (migration portal 0002), and looks at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import (
    DatabaseError,
    IntegrityError,
    OperationalError,
    close_old_connections,
    connection,
    connections,
    transaction,
)
from django.utils import timezone
from django_tasks import TaskContext, TaskResultStatus
from django_tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from portal import tasks
from portal.models import ScheduledTask, WorkerBeat

logger = logging.getLogger("portal.worker")

# How often a worker looks for abandoned tasks and due schedules.
HOUSEKEEPING_EVERY = 5.0
# The first wait after a task when nothing is waiting; it doubles up to the interval.
SHORTEST_WAIT = 0.005
# What the queue's trigger notifies when a task becomes ready (PostgreSQL).
READY_CHANNEL = "portal_task_ready"
# After listening failed (a database that went away), how long to sleep before trying again.
LISTEN_AGAIN_AFTER = 60.0


def beat_interval() -> float:
    return max(0.5, settings.TASK_WORKER_TIMEOUT / 5)


class PortalWorker(Worker):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._stopping = threading.Event()
        self._current_task = ""
        # A batch stops when the queue is empty: it never waits for new work.
        self._wakeup = Wakeup(self._waiting().db, listen=not self.batch)

    # Starting and stopping

    def run(self) -> None:
        kept = keep_connections()
        tasks.worker_started.send(sender=type(self), worker_id=self.worker_id,
                                  batch=self.batch)
        try:
            self._report_in()
            # At once, so that even a worker in batch mode takes over abandoned tasks and
            # runs what is due; afterwards the reporting thread does it.
            housekeeping()
            reporter = threading.Thread(target=self._report, name="worker-report",
                                        daemon=True)
            reporter.start()
            try:
                self._work()
            finally:
                self._stopping.set()
                self._wakeup.close()
                reporter.join(timeout=5)
                WorkerBeat.objects.filter(worker_id=self.worker_id).delete()
        finally:
            restore_connections(kept)

    def shutdown(self, signum, frame) -> None:
        tasks.request_stop()
        super().shutdown(signum, frame)

    def _report_in(self) -> None:
        # One plain INSERT: SQLite refuses at once, without waiting, a transaction that
        # read first and then wants to write while another process writes.
        now = timezone.now()
        WorkerBeat.objects.filter(worker_id=self.worker_id).delete()
        WorkerBeat.objects.create(worker_id=self.worker_id, hostname=socket.gethostname()[:255],
                                  pid=os.getpid(), started_at=now, seen_at=now)

    def _report(self) -> None:
        """Report in, look for abandoned tasks and enqueue due schedules, from a thread of
        its own: the main thread may be inside a task for a long time."""
        interval = beat_interval()
        last_beat = last_housekeeping = time.monotonic()
        try:
            while not self._stopping.wait(min(interval, HOUSEKEEPING_EVERY)):
                if time.monotonic() - last_beat >= interval:
                    last_beat = time.monotonic()
                    try:
                        WorkerBeat.objects.filter(worker_id=self.worker_id).update(
                            seen_at=timezone.now(), task_id=self._current_task)
                    except Exception:
                        # A busy SQLite file; the next beat tries again.
                        logger.warning("worker %s could not report in", self.worker_id,
                                       exc_info=True)
                if time.monotonic() - last_housekeeping >= HOUSEKEEPING_EVERY:
                    last_housekeeping = time.monotonic()
                    housekeeping()
        finally:
            connection.close()

    # Finding work

    def _work(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id,
                    ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            # A small random delay, so that workers started together do not poll together.
            time.sleep(random.random())  # noqa: S311
        wait = self.interval
        db_task_result = None
        # Listening before the first look: a task enqueued after any look is heard of.
        self._wakeup.start()
        while self.running:
            # A connection that broke (a restarted database) is replaced here.
            close_old_connections()
            # Right after a task more work is likely: straight to the claim.
            looked, db_task_result = self._claim(look_first=db_task_result is None)
            if db_task_result is not None:
                self.run_task(db_task_result)
                wait = min(SHORTEST_WAIT, self.interval)
            elif self.batch and looked:
                logger.info("No more tasks to run for worker_id=%s - exiting gracefully.",
                            self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("Run maximum tasks (%d) on worker=%s - exiting gracefully.",
                            self._run_tasks, self.worker_id)
                return
            if self.running and db_task_result is None:
                self._wakeup.wait(wait)
                wait = min(wait * 2, self.interval)

    def _waiting(self):
        waiting = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            waiting = waiting.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            waiting = waiting.exclude(queue_name__in=self.excluded_queue_names)
        return waiting

    def _claim(self, look_first=True) -> tuple[bool, DBTaskResult | None]:
        """(whether the queue could be looked at, the task this worker now runs or None).

        `look_first`: a plain read before the claim; it takes no lock, so an idle worker
        does not hold up the writers (on SQLite the claim locks the whole database)."""
        waiting = self._waiting()
        try:
            if look_first and not waiting.exists():
                return True, None
            with exclusive_transaction(waiting.db):
                db_task_result = waiting.get_locked()
                if db_task_result is not None:
                    db_task_result.claim(self.worker_id)
            return True, db_task_result
        except OperationalError as error:
            if is_locked_database_exception(error):
                return False, None
            raise

    # Running a task

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.running_task = True
        self._current_task = str(db_task_result.id)
        try:
            self._run(db_task_result)
        finally:
            self._current_task = ""
            self.running_task = False
            self._run_tasks += 1

    def _run(self, db_task_result: DBTaskResult) -> None:
        try:
            task = db_task_result.task
            result = db_task_result.task_result
            sender = type(task.get_backend())
            task_started.send(sender=sender, task_result=result)
            args = list(result.args)
            if task.takes_context:
                args.insert(0, TaskContext(task_result=result))
            value = task.call(*args, **result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=sender, task_result=db_task_result.task_result)
        except tasks.HandBack:
            logger.info("task %s handed back: the worker is stopping", db_task_result.id)
            hand_back(db_task_result)
        except (KeyboardInterrupt, SystemExit):
            hand_back(db_task_result)
            raise
        except BaseException as exc:
            attempts = len(db_task_result.worker_ids)
            if tasks.is_passing(exc) and attempts < settings.TASK_RETRY_MAX_ATTEMPTS:
                delay = tasks.retry_delay(attempts)
                logger.warning("task %s failed (%s: %s); try %d of %d in %.0f s",
                               db_task_result.id, type(exc).__name__, exc, attempts + 1,
                               settings.TASK_RETRY_MAX_ATTEMPTS, delay)
                retry_later(db_task_result, exc, delay)
                return
            fail(db_task_result, exc)


class Wakeup:
    """How a worker with nothing to do waits before it looks at the queue again.

    On PostgreSQL it listens, on a connection of its own, for the notification that the
    queue's trigger sends when a task becomes ready, so a new task starts at once; the wait
    still ends after the given time, which finds tasks that came due meanwhile (retries).
    Elsewhere, or while it cannot listen, it sleeps."""

    def __init__(self, alias: str, *, listen: bool = True):
        self.alias = alias
        self._listen = listen and connections[alias].vendor == "postgresql"
        self._listener = None
        self._listen_after = 0.0

    def start(self) -> None:
        self._listening()

    def wait(self, seconds: float) -> None:
        raw = self._listening()
        if raw is None:
            time.sleep(seconds)
            return
        import psycopg

        try:
            for _notification in raw.notifies(timeout=seconds, stop_after=1):
                pass
            # Those that came while the worker was busy all say the same: look now.
            for _notification in raw.notifies(timeout=0):
                pass
        except psycopg.Error:
            logger.warning("worker stopped listening for new tasks; it looks at intervals",
                           exc_info=True)
            self._give_up_listening()
            time.sleep(seconds)

    def _listening(self):
        """The listening psycopg connection, or None."""
        if self._listener is None and self._listen and time.monotonic() >= self._listen_after:
            self._listener = connections.create_connection(self.alias)
            try:
                with self._listener.cursor() as cursor:
                    cursor.execute(f"LISTEN {READY_CHANNEL}")
            except DatabaseError:
                logger.warning("worker cannot listen for new tasks; it looks at intervals",
                               exc_info=True)
                self._give_up_listening()
        return self._listener.connection if self._listener is not None else None

    def _give_up_listening(self) -> None:
        self.close()
        self._listen_after = time.monotonic() + LISTEN_AGAIN_AFTER

    def close(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            with contextlib.suppress(DatabaseError):
                listener.close()


def keep_connections() -> dict:
    """Keep the database connections open between tasks (a DATABASE_URL without
    conn_max_age closes them after each); returns what to restore afterwards."""
    kept = {}
    for alias in connections:
        settings_dict = connections[alias].settings_dict
        if settings_dict.get("CONN_MAX_AGE") == 0:
            kept[alias] = 0
            settings_dict["CONN_MAX_AGE"] = None
    return kept


def restore_connections(kept: dict) -> None:
    for alias, max_age in kept.items():
        connections[alias].settings_dict["CONN_MAX_AGE"] = max_age
        if not connections[alias].in_atomic_block:
            connections[alias].close()


def housekeeping() -> None:
    now = timezone.now()
    try:
        take_over_abandoned(now)
        enqueue_due(now)
    except Exception:
        logger.exception("worker housekeeping failed; it runs again shortly")


def hand_back(db_task_result: DBTaskResult) -> None:
    """Back on the queue at once; the run that was handed back does not count as a try."""
    DBTaskResult.objects.filter(id=db_task_result.id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY, run_after=timezone.now(),
        worker_ids=db_task_result.worker_ids[:-1])


def retry_later(db_task_result: DBTaskResult, exc: BaseException, delay: float) -> None:
    from traceback import format_exception

    DBTaskResult.objects.filter(id=db_task_result.id).update(
        status=TaskResultStatus.READY,
        run_after=timezone.now() + timedelta(seconds=delay),
        exception_class_path=f"{type(exc).__module__}.{type(exc).__qualname__}",
        traceback="".join(format_exception(exc)))


def fail(db_task_result: DBTaskResult, exc: BaseException) -> None:
    db_task_result.set_failed(exc)
    try:
        sender = type(db_task_result.task.get_backend())
        result = db_task_result.task_result
    except (ImportError, SuspiciousOperation):
        logger.exception("task %s failed and cannot be loaded", db_task_result.id)
        return
    task_finished.send(sender=sender, task_result=result)


class WorkerDied(Exception):  # noqa: N818 - the reason stored with the task
    """The task's worker stopped reporting TASK_WORKER_TIMEOUT ago too many times."""


def take_over_abandoned(now) -> int:
    """Give back to the queue the tasks whose worker stopped reporting; returns how many."""
    silent_since = now - timedelta(seconds=settings.TASK_WORKER_TIMEOUT)
    alive = set(WorkerBeat.objects.filter(seen_at__gte=silent_since)
                .values_list("worker_id", flat=True))
    taken = 0
    for row in DBTaskResult.objects.running().filter(started_at__lt=silent_since):
        if row.worker_ids and row.worker_ids[-1] in alive:
            continue
        attempts = len(row.worker_ids)
        same = DBTaskResult.objects.filter(id=row.id, status=TaskResultStatus.RUNNING,
                                           started_at=row.started_at)
        if attempts >= settings.TASK_RETRY_MAX_ATTEMPTS:
            if same.exists():
                fail(row, WorkerDied(f"its worker stopped during each of {attempts} tries"))
            continue
        taken += same.update(status=TaskResultStatus.READY, run_after=now)
        logger.warning("task %s (%s) taken over from worker %s, which stopped reporting",
                       row.id, row.task_path, row.worker_ids[-1] if row.worker_ids else "?")
    WorkerBeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return taken


def enqueue_due(now) -> list[str]:
    """Enqueue each periodic task whose time has come; returns their names."""
    enqueued = []
    for periodic in tasks.PERIODIC.values():
        try:
            schedule, _created = ScheduledTask.objects.get_or_create(
                name=periodic.name, defaults={"next_run_at": now})
        except IntegrityError:
            continue  # another worker created it a moment ago
        if schedule.next_run_at > now:
            continue
        with transaction.atomic():
            claimed = ScheduledTask.objects.filter(
                name=periodic.name, next_run_at=schedule.next_run_at,
            ).update(next_run_at=now + periodic.every, last_enqueued_at=now)
            if claimed:
                result = tasks.enqueue(periodic.task)
                ScheduledTask.objects.filter(name=periodic.name).update(
                    last_task_id=str(result.id))
                enqueued.append(periodic.name)
    return enqueued
