"""The reminder that received invoices wait to be fetched: mailed to the organization's
administrators when its software seems to have stopped fetching, and not again and again."""

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from invoices.models import Document, InboxReminder, Status
from invoices.schedules import remind_of_waiting_invoices
from onboarding.models import AuditEvent, Organization
from tests.conftest import sign_in, text
from tests.invoices.conftest import received_over_peppol

pytestmark = pytest.mark.django_db


def arrived(organization, number, hours_ago, status=Status.RECEIVED):
    document = received_over_peppol(organization, number, status=status)
    Document.objects.filter(pk=document.pk).update(
        created_at=timezone.now() - timedelta(hours=hours_ago))
    return document


def later(**delta):
    return timezone.now() + timedelta(**delta)


def test_it_mails_the_administrators_once_when_invoices_wait_too_long(cast, receiver, client):
    arrived(receiver, "F-1", hours_ago=50)
    arrived(receiver, "F-2", hours_ago=3)
    fetched = arrived(receiver, "F-0", hours_ago=80)
    fetched.mark_downloaded(None, actor_label="software")
    mail.outbox.clear()

    assert remind_of_waiting_invoices.call() == 1

    [message] = mail.outbox
    assert message.to == [cast.client_admin.email]
    assert message.subject.endswith("2 invoices for Bakery Client BV wait to be fetched")
    assert "2 invoices received for Bakery Client BV have not been fetched yet" in message.body
    assert "Invoices were last fetched on" in message.body
    assert (f"{django_settings.PORTAL_URL}/organizations/{receiver.pk}/inbox/?status=received\n"
            in message.body)
    reminder = InboxReminder.objects.get()
    assert (reminder.organization, reminder.waiting) == (receiver, 2)
    audit = AuditEvent.objects.get(action="organization.inbox_reminder")
    assert audit.actor is None and audit.after["waiting"] == 2
    sign_in(client, cast.client_admin)
    activity = text(client.get("/activity/"))
    assert ("Mailed the administrators of Bakery Client BV that received invoices wait to be "
            "fetched.") in activity
    # The next hour's run, and the ones after it within the week, stay quiet.
    assert remind_of_waiting_invoices.call() == 0
    assert InboxReminder.send_due(now=later(days=6)) == 0
    assert len(mail.outbox) == 1


def test_it_reminds_again_after_a_week_or_at_once_when_a_new_wait_begins(cast, receiver):
    first = arrived(receiver, "F-1", hours_ago=50)
    assert InboxReminder.send_due() == 1

    # Still waiting a week later: once more.
    assert InboxReminder.send_due(now=later(days=7, minutes=1)) == 1
    # Everything is fetched; an invoice that arrives after that reminder and then waits too
    # long is told at once, within the week.
    first.mark_downloaded(None, actor_label="software")
    arrived(receiver, "F-2", hours_ago=-(7 * 24 + 1))
    assert InboxReminder.send_due(now=later(days=8, hours=23)) == 0
    assert InboxReminder.send_due(now=later(days=9, hours=2)) == 1
    assert [r.waiting for r in InboxReminder.objects.order_by("sent_at")] == [1, 1, 1]
    assert len(mail.outbox) == 3


def test_it_leaves_young_fetched_and_held_invoices_alone(cast, receiver, settings):
    arrived(receiver, "F-1", hours_ago=47)
    arrived(receiver, "F-2", hours_ago=60, status=Status.DUPLICATE)
    arrived(receiver, "F-3", hours_ago=60, status=Status.DOWNLOADED)
    arrived(receiver, "F-4", hours_ago=60, status=Status.PAID)

    assert remind_of_waiting_invoices.call() == 0

    settings.INBOX_REMINDER_HOURS = 0
    arrived(receiver, "F-5", hours_ago=500)
    assert remind_of_waiting_invoices.call() == 0
    assert not InboxReminder.objects.exists() and not mail.outbox


def test_it_writes_the_reminder_in_each_administrators_language(cast, receiver):
    cast.client_admin.language = "nl"
    cast.client_admin.save(update_fields=["language"])
    arrived(receiver, "F-1", hours_ago=72)

    InboxReminder.send_due()

    [message] = mail.outbox
    assert message.subject.endswith("1 factuur voor Bakery Client BV nog niet opgehaald")
    assert "die nog niet is opgehaald" in message.body
    assert "Invoices were last fetched" not in message.body


def test_techsupport_sees_which_organizations_leave_invoices_unfetched(cast, receiver, sender,
                                                                        client, settings):
    arrived(receiver, "F-1", hours_ago=30)
    arrived(receiver, "F-2", hours_ago=90)
    arrived(sender, "F-3", hours_ago=60)
    arrived(sender, "F-4", hours_ago=5)
    InboxReminder.send_due()
    sign_in(client, cast.techsupport)

    page = text(client.get("/staff/waiting-inboxes/"))

    rows = re.findall(r"<tr>.*?</tr>", page, re.S)[1:]
    # The longest wait first: Bakery's oldest waits 90 hours, Acme's 60.
    assert "Bakery Client BV" in rows[0] and "Acme Trading BV" in rows[1]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    assert [row[2] for row in cells] == ["2", "2"]
    assert cells[0][4] == "never" and cells[0][5] != "—"
    assert "more than 48 hours" in page and "reminded by mail" in page
    settings.INBOX_REMINDER_HOURS = 0
    assert "reminded by mail" not in text(client.get("/staff/waiting-inboxes/"))
    assert "Invoices not fetched" in text(client.get("/staff/"))

    for document in Document.objects.filter(status=Status.RECEIVED):
        document.mark_downloaded(None, actor_label="software")
    assert "Every organization's software fetches its invoices in time." in text(
        client.get("/staff/waiting-inboxes/"))


def test_only_techsupport_opens_the_list_of_unfetched_invoices(cast, client):
    for user in (cast.admin, cast.sales):
        sign_in(client, user)
        assert client.get("/staff/waiting-inboxes/").status_code in (403, 404)


def test_it_counts_every_received_invoice_of_an_inbox_that_waits_and_nothing_else(
        cast, receiver, sender, settings):
    from invoices.models.reminders import waiting_inboxes

    first = arrived(receiver, "F-1", hours_ago=60)
    arrived(receiver, "F-2", hours_ago=2)
    arrived(receiver, "F-3", hours_ago=100, status=Status.DUPLICATE)
    arrived(receiver, "F-4", hours_ago=100, status=Status.DOWNLOADED)
    arrived(sender, "F-5", hours_ago=47)
    first.refresh_from_db()

    [waiting] = waiting_inboxes()
    assert (waiting, waiting.waiting, waiting.oldest) == (receiver, 2, first.created_at)
    assert waiting_inboxes().count() == 1
    assert list(waiting_inboxes(later(hours=2))) == [receiver, sender]
    Organization.objects.filter(pk=receiver.pk).update(status=Organization.Status.DEACTIVATED)
    assert list(waiting_inboxes(later(hours=2))) == [sender]
