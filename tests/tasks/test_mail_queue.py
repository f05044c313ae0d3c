"""Mail goes through the task queue: with the mail server unreachable, inviting a user and
approving an activation still succeed, and the mail goes out once the server is back."""

import socket

import pytest
from aiosmtpd.controller import Controller
from django_tasks_db.models import DBTaskResult

from onboarding.models import Invitation, Organization
from tests.conftest import sign_in
from tests.onboarding.test_activation_queue import pending_org
from tests.tasks.conftest import run_worker_batch

pytestmark = pytest.mark.django_db(transaction=True)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_it_keeps_mail_until_the_mail_server_is_back(db_queue, client, cast):
    port = free_port()  # nothing listens here yet: connections are refused
    smtp = {"EMAIL_URL": f"smtp://127.0.0.1:{port}", "TASK_RETRY_BASE_DELAY": "60"}
    org = pending_org(cast)

    sign_in(client, cast.admin)
    response = client.post("/users/invite/", {"email": "new@acme.nl", "role": "basic"})
    assert response.status_code == 302
    assert Invitation.objects.filter(email="new@acme.nl").exists()
    client.force_login(cast.techsupport)
    response = client.post(f"/staff/activations/{org.pk}/approve/", {"confirm": "on"})
    assert response.status_code == 302
    assert Organization.objects.get(pk=org.pk).status == Organization.Status.ACTIVE

    run_worker_batch(**smtp)

    # The invitation, TechSupport's alert of the request, and the decision.
    waiting = DBTaskResult.objects.filter(task_path="portal.mail.deliver_mail")
    assert waiting.count() == 3
    for task in waiting:
        assert task.status == "READY" and len(task.worker_ids) == 1
        assert task.exception_class_path == "builtins.ConnectionRefusedError"

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        # The backoff has passed.
        waiting.update(run_after=DBTaskResult.objects.first().enqueued_at)
        run_worker_batch(**smtp)
    finally:
        server.stop()

    assert sorted(to for to, _body in inbox.messages) == [
        ["admin@acme.nl"], ["new@acme.nl"], [cast.techsupport.email]]
    assert all(task.status == "SUCCESSFUL" for task in waiting)
