"""What a job's page says about its task, and retrying a failed list-wide check from its page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from customers.models import CustomerCard, PeppolCheckRun
from tests.conftest import sign_in, text
from tests.customers.conftest import make_card, peppol  # noqa: F401 - stand-in fixture

pytestmark = pytest.mark.django_db


def test_it_says_a_check_waits_for_a_worker_then_that_it_carries_on_after_one_stopped(
        db_queue, org):
    make_card(org)
    run = PeppolCheckRun.begin(org, by=None, environment=None, filters={}, total=1)
    task = DBTaskResult.objects.get(id=run.task_id)
    assert run.delay_note == ""

    DBTaskResult.objects.filter(id=task.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=5))
    assert "Waiting for a background worker" in run.delay_note

    DBTaskResult.objects.filter(id=task.id).update(worker_ids=["gone"])
    assert "carries on after the last customer it finished (0 of 1)" in run.delay_note


def test_it_fails_a_job_whose_task_failed_for_good_and_says_why(db_queue, org, client, cast):
    make_card(org)
    run = PeppolCheckRun.begin(org, by=cast.admin, environment=cast.company, filters={},
                               total=1)
    DBTaskResult.objects.filter(id=run.task_id).update(status="FAILED",
                                                       finished_at=timezone.now())
    sign_in(client, cast.admin)

    page = text(client.get(f"/customers/peppol-checks/{run.pk}/"))

    assert "stopped after several tries" in page and "Retry: check the other customers" in page
    run.refresh_from_db()
    assert run.status == "failed"


def test_it_says_why_a_job_failed_in_the_readers_language(db_queue, org, client, cast):
    from customers.tasks import fail_job_of_failed_task

    make_card(org)
    run = PeppolCheckRun.begin(org, by=cast.admin, environment=cast.company, filters={},
                               total=1)
    row = DBTaskResult.objects.get(id=run.task_id)
    row.status = "FAILED"
    # What the worker does, in its own language, when the task failed for good.
    fail_job_of_failed_task(sender=None, task_result=row.task_result)
    run.refresh_from_db()
    assert run.error.startswith("The check stopped after several tries")
    cast.admin.language = "nl"
    cast.admin.save()
    sign_in(client, cast.admin)

    page = text(client.get(f"/customers/peppol-checks/{run.pk}/"))

    assert "De controle is na meerdere pogingen gestopt" in page
    assert "stopped after several tries" not in page


def test_it_retries_a_failed_check_from_its_page_after_the_last_card_it_finished(
        peppol, org, client, cast):  # noqa: F811
    first = make_card(org, customer_number="1", endpoint_value="11111111")
    second = make_card(org, customer_number="2", endpoint_value="22222222")
    run = PeppolCheckRun.objects.create(
        organization=org, created_by=cast.admin, environment=cast.company, status="failed",
        error="stopped", progress_total=2, progress_done=1, not_reachable=1,
        last_card=first.pk, finished_at=timezone.now())
    sign_in(client, cast.admin)

    response = client.post(f"/customers/peppol-checks/{run.pk}/retry/")

    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == "done" and run.progress_done == 2 and run.not_reachable == 2
    assert CustomerCard.objects.get(pk=first.pk).peppol_checked_at is None
    assert CustomerCard.objects.get(pk=second.pk).peppol_checked_at is not None
