"""On PostgreSQL a worker with nothing to do hears of a task the moment it becomes ready,
instead of at its next look at the queue. Other databases keep looking at intervals."""

import time
from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal import tasks, worker
from portal.models import ScheduledTask, WorkerBeat
from portal.worker import Wakeup, take_over_abandoned
from tests.tasks.conftest import start_worker
from tests.tasks.test_operations import invite

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; other databases keep looking at intervals")


@pytest.fixture
def wakeup():
    waiting = Wakeup(DEFAULT_DB_ALIAS)
    waiting.start()
    yield waiting
    waiting.close()


def seconds_waited(wakeup, at_most):
    started = time.monotonic()
    wakeup.wait(at_most)
    return time.monotonic() - started


def test_a_waiting_worker_hears_of_a_task_as_soon_as_it_is_enqueued(db_queue, cast,
                                                                    on_postgresql, wakeup):
    invite(cast)  # the invitation's mail is enqueued with it

    assert seconds_waited(wakeup, 30) < 10


def test_it_hears_of_a_task_given_back_but_not_of_one_that_starts(db_queue, cast, settings,
                                                                 on_postgresql, wakeup):
    invite(cast)
    wakeup.wait(30)
    long_ago = timezone.now() - timedelta(seconds=settings.TASK_WORKER_TIMEOUT + 1)
    DBTaskResult.objects.update(status="RUNNING", started_at=long_ago, worker_ids=["gone"])

    assert seconds_waited(wakeup, 0.5) >= 0.4

    assert take_over_abandoned(timezone.now()) == 1
    assert seconds_waited(wakeup, 30) < 10


def test_it_is_not_woken_by_a_task_that_was_rolled_back(db_queue, cast, on_postgresql,
                                                       wakeup):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        invite(cast)
        raise RuntimeError("the invitation fails")

    assert seconds_waited(wakeup, 0.5) >= 0.4
    assert not DBTaskResult.objects.exists()


def test_a_cut_listening_connection_falls_back_to_intervals_and_listens_again(
        db_queue, cast, on_postgresql, wakeup, monkeypatch, caplog):
    monkeypatch.setattr(worker, "LISTEN_AGAIN_AFTER", 0.5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE query LIKE %s AND pid <> pg_backend_pid()",
                       [f"LISTEN {worker.READY_CHANNEL}%"])
    invite(cast)

    # The cut is noticed; until listening again, the worker sleeps the whole wait.
    assert seconds_waited(wakeup, 0.3) >= 0.25
    assert "stopped listening for new tasks" in caplog.text
    assert seconds_waited(wakeup, 0.3) >= 0.25

    time.sleep(0.5)
    wakeup.wait(0)  # listening again
    invite(cast, "second@acme.nl")
    assert seconds_waited(wakeup, 30) < 10


def test_an_idle_worker_starts_a_new_task_long_before_its_next_look(db_queue, cast,
                                                                    on_postgresql):
    # Nothing is due, so the worker finds nothing at first and would look again in a minute.
    for periodic in tasks.PERIODIC.values():
        ScheduledTask.objects.create(name=periodic.name,
                                     next_run_at=timezone.now() + timedelta(days=1))
    worker = start_worker("--interval", "60")
    try:
        deadline = time.monotonic() + 60
        while not WorkerBeat.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)

        invite(cast)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and \
                not DBTaskResult.objects.filter(status="SUCCESSFUL").exists():
            time.sleep(0.05)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)

    assert DBTaskResult.objects.get().status == "SUCCESSFUL", output


def test_without_listening_it_sleeps_for_the_time_given():
    assert seconds_waited(Wakeup(DEFAULT_DB_ALIAS, listen=False), 0.2) >= 0.15
