"""The task queue: tasks per second through the database queue with two worker processes,
against the same task function called directly in the same run; and what enqueueing costs a
request. Run on SQLite and on PostgreSQL (DATABASE_URL)."""

import time

import pytest
from django.db import connection
from django.test import Client
from django_tasks_db.models import DBTaskResult

from portal.mail import deliver_mail
from portal.tasks import enqueue
from tests.bench.conftest import server_time
from tests.tasks.conftest import database_url, db_queue, start_worker  # noqa: F401 - fixture

pytestmark = [pytest.mark.bench, pytest.mark.urls("tests.bench.task_urls")]

TASKS = 2000
MAIL = {"subject": "Bench", "body": "One message.", "to": ["bench@example.com"],
        "message_id": "<bench@portal>"}


def two_workers() -> float:
    """Seconds for two `db_worker --batch` processes to empty the queue."""
    start = time.perf_counter()
    # Workers keep their database connection (as the README advises for production).
    url = database_url() + "?conn_max_age=600"
    workers = [start_worker("--batch", DATABASE_URL=url) for _ in range(2)]
    for worker in workers:
        output, _ = worker.communicate(timeout=600)
        assert worker.returncode == 0, output
    return time.perf_counter() - start


@pytest.mark.django_db(transaction=True)
def test_bench_task_throughput(db_queue):  # noqa: F811
    start = time.perf_counter()
    for _ in range(TASKS):
        deliver_mail.call(**MAIL)
    direct = (time.perf_counter() - start) / TASKS

    startup = two_workers()  # an empty queue: starting Django twice, and the schedules
    DBTaskResult.objects.all().delete()
    for _ in range(TASKS):
        enqueue(deliver_mail, **MAIL)
    queued = two_workers() - startup

    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == TASKS
    print(f"\n[{connection.vendor}] {TASKS} tasks through the queue with two workers: "
          f"{TASKS / queued:,.0f} tasks/s ({queued * 1000 / TASKS:.2f} ms each, process start "
          f"of {startup:.1f} s left out); called directly: {1 / direct:,.0f}/s "
          f"({direct * 1000:.3f} ms each); through the queue a task takes "
          f"{queued / TASKS / direct:.0f}x the call")


@pytest.mark.django_db(transaction=True)
def test_bench_enqueue_in_a_request(db_queue):  # noqa: F811
    client = Client()
    best = {"minimal": float("inf"), "enqueue": float("inf")}
    for _ in range(5):
        best["minimal"] = min(best["minimal"], server_time(client, "/bench/minimal/", rounds=50))
        best["enqueue"] = min(best["enqueue"], server_time(client, "/bench/enqueue/", rounds=50))
    cost = best["enqueue"] - best["minimal"]
    print(f"\n[{connection.vendor}] a request that enqueues one task: "
          f"{best['enqueue'] * 1000:.2f} ms = {best['enqueue'] / best['minimal']:.1f}x the "
          f"minimal view ({best['minimal'] * 1000:.2f} ms); enqueueing adds "
          f"{cost * 1000:.2f} ms")
