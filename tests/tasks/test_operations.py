"""Enqueueing with the row, retries with backoff, schedules, /health/, the staff queue page
and the system check about the cache."""

import smtplib
from datetime import timedelta

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from onboarding.models import Invitation
from portal import tasks
from portal.models import ScheduledTask, WorkerBeat
from portal.worker import enqueue_due, take_over_abandoned
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def invite(cast, email="new@acme.nl"):

    from onboarding.notifications import send_invitation

    invitation = Invitation.send(environment=cast.company, email=email, role="basic",
                                 by=cast.admin)
    send_invitation(invitation)
    return invitation


def test_it_queues_the_mail_with_the_invitation_and_drops_both_on_rollback(db_queue, cast):
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        invite(cast)
        assert DBTaskResult.objects.count() == 1
        raise Abandoned

    assert not Invitation.objects.exists() and not DBTaskResult.objects.exists()
    with transaction.atomic():
        invite(cast)
    assert Invitation.objects.count() == 1
    assert DBTaskResult.objects.get().task_path == "portal.mail.deliver_mail"


def test_it_tells_passing_failures_from_lasting_ones():
    import requests

    assert tasks.is_passing(ConnectionRefusedError())
    assert tasks.is_passing(smtplib.SMTPResponseException(451, b"try later"))
    assert not tasks.is_passing(smtplib.SMTPResponseException(550, b"no such user"))
    response = requests.Response()
    response.status_code = 503
    assert tasks.is_passing(requests.HTTPError(response=response))
    response.status_code = 400
    assert not tasks.is_passing(requests.HTTPError(response=response))
    assert not tasks.is_passing(ValueError("bad data"))


def test_it_backs_off_exponentially_up_to_a_cap(settings):
    settings.TASK_RETRY_BASE_DELAY = 10
    settings.TASK_RETRY_MAX_DELAY = 60
    assert [tasks.retry_delay(n) for n in range(1, 6)] == [10, 20, 40, 60, 60]


@pytest.mark.django_db(transaction=True)
def test_it_retries_a_mail_and_gives_up_after_the_last_try(db_queue, cast, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    settings.TASK_RETRY_MAX_ATTEMPTS = 3
    settings.TASK_RETRY_BASE_DELAY = 0
    invite(cast)

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    task = DBTaskResult.objects.get(task_path="portal.mail.deliver_mail")
    assert task.status == "FAILED" and len(task.worker_ids) == 3
    assert task.exception_class_path == "builtins.ConnectionRefusedError"


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_database_connection_from_task_to_task(db_queue, cast, settings):
    import threading

    from django.db.backends.signals import connection_created

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for n in range(3):
        invite(cast, f"new{n}@acme.nl")
    opened = []

    def count(sender, connection, **kwargs):
        if threading.current_thread() is threading.main_thread():
            opened.append(connection.alias)

    connection_created.connect(count)
    try:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    finally:
        connection_created.disconnect(count)

    assert DBTaskResult.objects.filter(task_path="portal.mail.deliver_mail",
                                       status="SUCCESSFUL").count() == 3
    # Opened once for the worker, not once per task (nor once per look at the queue).
    assert opened == ["default"]


def test_it_gives_the_task_of_a_silent_worker_back_to_the_queue(db_queue, cast, settings):
    invite(cast)
    task = DBTaskResult.objects.get()
    long_ago = timezone.now() - timedelta(seconds=settings.TASK_WORKER_TIMEOUT + 1)
    DBTaskResult.objects.update(status="RUNNING", started_at=long_ago, worker_ids=["gone"])

    assert take_over_abandoned(timezone.now()) == 1

    task.refresh_from_db()
    assert task.status == "READY"


def test_it_enqueues_each_periodic_task_once_per_period(db_queue):
    now = timezone.now()
    first = enqueue_due(now)
    assert "customers.tasks.recheck_stale_reachability" in first
    assert "portal.maintenance.prune_task_results" in first
    assert enqueue_due(now + timedelta(minutes=1)) == []
    assert ScheduledTask.objects.count() == len(tasks.PERIODIC)
    assert DBTaskResult.objects.count() == len(first)
    again = enqueue_due(now + timedelta(days=1, minutes=1))
    assert sorted(again) == sorted(first)


def test_it_prunes_finished_task_results(db_queue, cast, settings):
    invite(cast)
    DBTaskResult.objects.update(status="SUCCESSFUL", finished_at=timezone.now() - timedelta(
        days=settings.TASK_RESULTS_KEEP_DAYS + 1))
    assert tasks.prune_finished_results() == 1
    assert not DBTaskResult.objects.exists()


def test_health_reports_the_queue_and_fails_when_work_waits_too_long(db_queue, cast, client,
                                                                    settings):
    # The queue has its own endpoint since /health/ answers load balancers only
    # (tests/portal/test_health.py); a worker reports in and runs the schedules.
    now = timezone.now()
    WorkerBeat.objects.create(worker_id="w1", started_at=now, seen_at=now)
    enqueue_due(now)
    DBTaskResult.objects.all().delete()
    healthy = client.get("/health/queue/")
    assert healthy.status_code == 200
    assert healthy.json()["queue"] == "OK"
    assert healthy.json()["queue_figures"] == {"depth": 0, "oldest_wait": 0.0}
    invite(cast)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(
        seconds=settings.HEALTH_QUEUE_MAX_WAIT + 60))

    response = client.get("/health/queue/")

    assert response.status_code == 503
    assert "1 tasks waiting" in response.json()["queue"]
    assert response.json()["queue_figures"]["depth"] == 1
    assert client.get("/health/").json() == {"database": "OK", "cache": "OK"}


def test_staff_see_failed_tasks_and_retry_them(db_queue, cast, client):
    invite(cast)
    DBTaskResult.objects.update(status="FAILED", finished_at=timezone.now(),
                                traceback="ConnectionRefusedError: [Errno 111] refused",
                                worker_ids=["a", "b"])
    task = DBTaskResult.objects.get()
    sign_in(client, cast.techsupport)

    page = client.get("/staff/tasks/").content.decode()
    assert "deliver_mail" in page and "Errno 111" in page
    client.post(f"/staff/tasks/{task.id}/retry/")

    task.refresh_from_db()
    assert task.status == "READY" and task.worker_ids == []
    assert client.get("/staff/tasks/", follow=True).status_code == 200


def test_others_do_not_see_the_staff_queue_page(cast, client):
    sign_in(client, cast.admin)
    assert client.get("/staff/tasks/").status_code in (403, 404)


def test_it_warns_about_a_process_local_cache_outside_development(settings):
    from portal.checks import cache_shared_between_processes

    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in cache_shared_between_processes(None)] == ["portal.W001"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/0"}}
    assert cache_shared_between_processes(None) == []
    settings.DEBUG = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert cache_shared_between_processes(None) == []
    assert isinstance(checks.Warning("x"), checks.CheckMessage)


def test_it_warns_when_mail_would_link_to_a_development_or_plain_http_address(settings):
    from portal.checks import portal_url_public

    for address in ("http://127.0.0.1:8000", "http://portal.example.com",
                    "https://localhost:8443"):
        settings.PORTAL_URL = address
        [warning] = portal_url_public(None)
        assert warning.id == "portal.W002" and address in warning.msg
    settings.PORTAL_URL = "https://portal.example.com"
    assert portal_url_public(None) == []


def test_it_expires_overdue_invitations_and_authorisation_requests(cast):
    from onboarding.models import AuditEvent, AuthorisationRequest, Subscription
    from onboarding.tasks import expire_authorisation_requests, expire_invitations

    invitation = invite(cast)
    token = invitation.token
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    cast.accountancy.subscription = Subscription.PROFESSIONAL
    cast.accountancy.save()
    request = AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                                        client_name="Bakery", client_email="owner@bakery.nl",
                                        software="afas", registry_number="87654321")
    AuthorisationRequest.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    assert expire_invitations.call() == 1 and expire_invitations.call() == 0
    assert expire_authorisation_requests.call() == 1 and expire_authorisation_requests.call() == 0

    assert Invitation.from_token(token) is None
    request.refresh_from_db()
    assert request.status == "expired"
    assert AuditEvent.objects.filter(action__in=["invitation.expired",
                                                 "authorisation_request.expired"]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_worker_tells_that_it_starts_and_whether_it_runs_a_batch(db_queue):
    from portal.tasks import worker_started

    heard = []

    def listener(sender, worker_id, batch, **kwargs):
        heard.append((worker_id, batch))

    worker_started.connect(listener)
    try:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    finally:
        worker_started.disconnect(listener)
    assert len(heard) == 1 and heard[0][0] and heard[0][1] is True
