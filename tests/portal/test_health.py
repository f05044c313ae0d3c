"""/health/ for load balancers (can this web node serve pages?) and /health/queue/ for
monitoring (is background work being done?)."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal import tasks
from portal.models import ScheduledTask, WorkerBeat
from portal.worker import enqueue_due

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_queue(settings):
    settings.TASKS = DATABASE_QUEUE
    settings.TASKS_BACKEND = "database"


@pytest.fixture
def production_hosts(settings):
    """As deployed: one host name, and https enforced."""
    settings.ALLOWED_HOSTS = ["portal.example.com"]
    settings.SECURE_SSL_REDIRECT = True


def waiting_task(minutes):
    tasks.enqueue(tasks.PERIODIC[next(iter(tasks.PERIODIC))].task)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=minutes))


def worker_reports_in(when=None):
    when = when or timezone.now()
    WorkerBeat.objects.create(worker_id="w1", hostname="worker-1", started_at=when,
                              seen_at=when)


def test_it_keeps_the_web_nodes_in_while_work_waits_for_a_stopped_worker(db_queue, client):
    waiting_task(minutes=15)

    balancer = client.get("/health/")
    monitor = client.get("/health/queue/")

    assert balancer.status_code == 200
    assert balancer.json() == {"database": "OK", "cache": "OK"}
    assert monitor.status_code == 503
    assert "1 tasks waiting, the oldest for 90" in monitor.json()["queue"]
    assert monitor.json()["workers"].endswith("no task worker has reported in")
    assert monitor.json()["queue_figures"]["depth"] == 1


def test_it_tells_the_monitor_when_a_long_task_keeps_the_only_worker_busy(db_queue, client):
    worker_reports_in()
    enqueue_due(timezone.now())
    DBTaskResult.objects.all().delete()
    waiting_task(minutes=15)

    monitor = client.get("/health/queue/")

    assert monitor.status_code == 503
    assert monitor.json()["workers"] == "OK"
    assert monitor.json()["worker_figures"]["alive"] == 1
    assert "1 tasks waiting" in monitor.json()["queue"]
    assert client.get("/health/").status_code == 200


def test_it_fails_the_queue_check_without_a_worker_even_when_nothing_waits(db_queue, client):
    monitor = client.get("/health/queue/")

    assert monitor.status_code == 503
    assert monitor.json()["queue"] == "OK"
    assert monitor.json()["workers"].endswith("no task worker has reported in")
    assert "webhooks.tasks.deliver_due" in monitor.json()["overdue_schedules"]
    assert "invoices.schedules.purge_documents" in monitor.json()["schedules"]


def test_it_names_a_worker_that_stopped_reporting_and_schedules_left_overdue(
        db_queue, client, settings):
    long_ago = timezone.now() - timedelta(hours=2)
    worker_reports_in(long_ago)
    enqueue_due(long_ago)

    monitor = client.get("/health/queue/")

    assert monitor.status_code == 503
    assert "no task worker has reported in for 72" in monitor.json()["workers"]
    # Schedules of every 2 and 10 minutes and every hour are overdue, a daily one is not.
    assert "webhooks.tasks.deliver_due" in monitor.json()["overdue_schedules"]
    assert "customers.tasks.send_reachability_digests" not in \
        monitor.json()["overdue_schedules"]


def test_it_reports_a_healthy_queue(db_queue, client):
    worker_reports_in()
    enqueue_due(timezone.now())
    DBTaskResult.objects.all().delete()

    monitor = client.get("/health/queue/")

    assert monitor.status_code == 200, monitor.json()
    assert monitor.json()["queue"] == monitor.json()["workers"] == "OK"
    assert monitor.json()["schedules"] == "OK"
    assert monitor.json()["overdue_schedules"] == []
    assert ScheduledTask.objects.count() == len(tasks.PERIODIC)


def test_it_answers_the_balancers_probe_over_plain_http(client, production_hosts):
    probe = client.get("/health/", HTTP_HOST="portal.example.com")
    page = client.get("/accounts/login/", HTTP_HOST="portal.example.com")

    assert probe.status_code == 200
    assert probe.json() == {"database": "OK", "cache": "OK"}
    assert page.status_code == 301
    assert page["Location"] == "https://portal.example.com/accounts/login/"


def test_it_answers_a_probe_by_ip_address_without_logging_a_disallowed_host(
        client, production_hosts, caplog):
    with caplog.at_level(logging.WARNING):
        probe = client.get("/health/", HTTP_HOST="10.0.3.17:8000")

    assert probe.status_code == 200
    assert probe.json() == {"database": "OK", "cache": "OK"}
    assert not [r for r in caplog.records if r.name.startswith("django.security")]


@pytest.mark.parametrize("path", ["/accounts/login/", "/health/queue/", "/health",
                                  "/health/x", "/admin/"])
def test_it_still_refuses_every_other_path_on_an_unknown_host(client, production_hosts, path):
    response = client.get(path, HTTP_HOST="10.0.3.17", secure=True)

    assert response.status_code == 400


def test_it_still_refuses_a_post_to_the_probe_on_an_unknown_host(client, production_hosts):
    assert client.post("/health/", HTTP_HOST="10.0.3.17", secure=True).status_code == 400
