"""A worker killed in the middle of an import and of a list-wide Peppol check: after a restart
both finish, and no customer card is written twice or left half-written."""

import signal
import time

import pytest
from django.utils import timezone

from customers import importing
from customers.models import CustomerCard, ImportJob, PeppolCheckRun
from tests.customers.conftest import make_card
from tests.standins.dns_smp import PeppolNetwork
from tests.tasks.conftest import run_worker_batch, start_worker

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("the worker did not get there in time")


def kill(worker):
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)


def csv_of(rows: int) -> bytes:
    lines = ["customer_number,name,endpoint_id"]
    lines += [f"C{n:06d},Customer {n},0106:{10000000 + n}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_it_finishes_an_import_whose_worker_was_killed_while_saving(db_queue, org):
    rows = 30_000
    job = importing.upload(org, by=None, environment=None, filename="big.csv",
                           content=csv_of(rows))
    job.start(mapping=job.mapping, import_valid_rows=False)

    worker = start_worker()
    try:
        wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status="saving").exists())
        kill(worker)
    finally:
        worker.kill()

    # The save is one transaction: the killed worker left nothing of it behind.
    assert not CustomerCard.objects.exists()
    job.refresh_from_db()
    assert job.status == "saving"

    time.sleep(2.5)  # TASK_WORKER_TIMEOUT of the workers here
    run_worker_batch()

    job.refresh_from_db()
    assert job.status == "done" and job.rows_created == rows
    assert CustomerCard.objects.count() == rows
    assert CustomerCard.objects.values("customer_number").distinct().count() == rows


def test_it_resumes_a_check_whose_worker_was_killed_after_the_last_card_it_finished(
        db_queue, org, client):
    for n in range(1200):
        make_card(org, customer_number=f"{n:05d}", endpoint_value=f"{20000000 + n}")
    run = PeppolCheckRun.begin(org, by=None, environment=None, filters={}, total=1200)

    # One lookup at a time, so that the check is still going when it is killed.
    with PeppolNetwork() as network:
        sml = network.sml_settings()
        worker = start_worker(PEPPOL_LOOKUP_CONCURRENCY="1", PEPPOL_SML_ZONE=sml["zone"],
                              PEPPOL_DNS_SERVERS=",".join(sml["nameservers"]),
                              PEPPOL_DNS_PORT=str(sml["port"]))
        try:
            wait_for(lambda: PeppolCheckRun.objects.filter(pk=run.pk, progress_done__gte=200)
                     .exists())
            kill(worker)
        finally:
            worker.kill()
        run.refresh_from_db()
        assert run.status == "running" and run.last_card > 0
        finished = dict(CustomerCard.objects.filter(pk__lte=run.last_card)
                        .values_list("pk", "peppol_checked_at"))
        assert len(finished) == run.progress_done and all(finished.values())
        # No batch half-written: every card after the last finished one is still unchecked.
        assert not CustomerCard.objects.filter(pk__gt=run.last_card,
                                               peppol_checked_at__isnull=False).exists()
        restarted_at = timezone.now()

        time.sleep(2.5)
        run_worker_batch(PEPPOL_SML_ZONE=sml["zone"],
                         PEPPOL_DNS_SERVERS=",".join(sml["nameservers"]),
                         PEPPOL_DNS_PORT=str(sml["port"]))

    run.refresh_from_db()
    assert run.status == "done" and run.progress_done == 1200
    assert run.reachable + run.not_reachable + run.failed == 1200
    # The cards finished before the kill were not looked up again...
    assert dict(CustomerCard.objects.filter(pk__in=finished)
                .values_list("pk", "peppol_checked_at")) == finished
    # ...and every other card was, after the restart.
    assert CustomerCard.objects.filter(peppol_checked_at__gte=restarted_at).count() == (
        1200 - len(finished))



def test_it_hands_the_check_back_when_its_worker_is_asked_to_stop(db_queue, org):
    from django_tasks_db.models import DBTaskResult

    for n in range(1200):
        make_card(org, customer_number=f"{n:05d}", endpoint_value=f"{30000000 + n}")
    run = PeppolCheckRun.begin(org, by=None, environment=None, filters={}, total=1200)

    with PeppolNetwork() as network:
        sml = network.sml_settings()
        stand_in = {"PEPPOL_SML_ZONE": sml["zone"],
                    "PEPPOL_DNS_SERVERS": ",".join(sml["nameservers"]),
                    "PEPPOL_DNS_PORT": str(sml["port"])}
        worker = start_worker(PEPPOL_LOOKUP_CONCURRENCY="1", **stand_in)
        try:
            wait_for(lambda: PeppolCheckRun.objects.filter(pk=run.pk, progress_done__gte=200)
                     .exists())
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=60)
        finally:
            worker.kill()
        assert worker.returncode == 0, output

        run.refresh_from_db()
        assert run.status == "running" and run.progress_done < 1200
        task = DBTaskResult.objects.get(id=run.task_id)
        # Back on the queue at once, and the interrupted run does not count as a try.
        assert task.status == "READY" and task.worker_ids == []

        run_worker_batch(**stand_in)

    run.refresh_from_db()
    assert run.status == "done" and run.progress_done == 1200
    assert run.reachable + run.not_reachable + run.failed == 1200
