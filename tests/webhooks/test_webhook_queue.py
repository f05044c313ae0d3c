"""With the database queue, as in production: a document's news becomes a queued try in
the same commit, and a task worker process delivers it."""

import pytest
from django_tasks_db.models import DBTaskResult

from invoices.models import Channel
from invoices.submission import submit
from tests.invoices.conftest import invoice
from tests.tasks.conftest import db_queue, run_worker_batch  # noqa: F401 - a fixture
from tests.webhooks.conftest import subscribe
from webhooks.models import Attempt, Delivery, Topic

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_delivers_what_a_document_change_queued(
        db_queue, cast, sender, receiver, endpoint):  # noqa: F811 - a fixture
    subscribe(endpoint, receiver, cast.client_admin, topics=[Topic.INVOICE_RECEIVED])
    submit(sender, invoice(), Channel.PORTAL, cast.admin)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING and endpoint.received == []
    assert DBTaskResult.objects.filter(task_path="webhooks.tasks.deliver").count() == 1

    run_worker_batch()

    [received] = endpoint.received
    assert received.accepted and received.json["topic"] == "InvoiceReceived"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    assert Attempt.objects.get().status_code == 204
