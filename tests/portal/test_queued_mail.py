"""What a queued mail keeps in the task queue (whom it is for, never its text), what staff
see of it, and where replies to it go."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from onboarding.models import AuthorisationRequest, Invitation
from onboarding.notifications import send_authorisation_request, send_invitation
from portal.mail import deliver_mail, queue_mail
from tests.conftest import mails_to, sign_in
from tests.onboarding.test_connection_keys import active_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def db_queue(settings):
    """Tasks wait on the database queue, as in production, instead of running at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASKS_BACKEND = "database"


def invite(cast, email="new@acme.nl"):
    invitation = Invitation.send(environment=cast.company, email=email, role="basic",
                                 by=cast.admin)
    send_invitation(invitation)
    return invitation


def deliver(row):
    deliver_mail.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])


def test_it_keeps_the_invitation_link_and_text_out_of_the_queue(db_queue, cast):
    invite(cast)

    row = DBTaskResult.objects.get()
    stored = str(row.args_kwargs)
    assert row.args_kwargs["kwargs"]["to"] == ["new@acme.nl"]
    # The worker still sends the mail as it was written.
    deliver(row)
    [message] = mail.outbox
    assert message.subject.endswith("You are invited to Acme")
    link = re.search(r"/invitations/accept/[^/\s]+/", message.body)[0]
    assert link not in stored and "/invitations/accept/" not in stored
    assert "invited you" not in stored and "You are invited" not in stored


def test_staff_see_whom_a_failed_mail_was_for_but_not_what_it_said(db_queue, cast, client):
    invite(cast)
    DBTaskResult.objects.update(status="FAILED", finished_at=timezone.now(),
                                traceback="ConnectionRefusedError: [Errno 111] refused",
                                worker_ids=["a"])
    sign_in(client, cast.techsupport)

    page = client.get("/staff/tasks/").content.decode()

    assert "deliver_mail" in page and "new@acme.nl" in page
    assert "/invitations/accept/" not in page and "invited you" not in page


def test_it_still_sends_a_mail_queued_before_its_text_was_encrypted(cast, settings):
    settings.SUPPORT_EMAIL = "help@portal.example"
    # The arguments of a task queued by the portal before this change.
    deliver_mail.call(subject="[Peppol portal] Old", body="Written before.",
                      to=["old@acme.nl"], message_id="<1.old@portal>")

    [message] = mail.outbox
    assert (message.subject, message.body) == ("[Peppol portal] Old", "Written before.")
    assert message.reply_to == ["help@portal.example"]


def test_replies_to_an_invitation_go_to_who_invited(cast, settings):
    settings.SUPPORT_EMAIL = "help@portal.example"
    invite(cast)
    [message] = mails_to("new@acme.nl")
    assert message.reply_to == [cast.admin.email]


def test_replies_to_an_authorisation_request_go_to_the_accountant_who_asked(cast, settings):
    settings.SUPPORT_EMAIL = "help@portal.example"
    active_org(cast, environment=cast.client, name="Bakery BV", number="11223344")
    sent = AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                                     client_name="Bea Baker", client_email="owner@bakery.nl",
                                     software="afas", registry_number="11223344")
    send_authorisation_request(sent, "https://portal.example/authorisation/x/")
    [message] = mails_to("owner@bakery.nl")
    assert message.reply_to == [cast.accountant.email]


def test_replies_to_other_mail_go_to_support_when_it_is_set(cast, settings):
    queue_mail(subject="s", body="b", to=["a@acme.nl"])
    settings.SUPPORT_EMAIL = "help@portal.example"
    queue_mail(subject="s", body="b", to=["b@acme.nl"])

    [without] = mails_to("a@acme.nl")
    [with_support] = mails_to("b@acme.nl")
    assert without.reply_to == []
    assert with_support.reply_to == ["help@portal.example"]
    assert re.search(r"^Reply-To: help@portal.example$", with_support.message().as_string(),
                     re.M)
