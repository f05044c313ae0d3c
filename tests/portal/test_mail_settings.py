"""Users switch off the notification mails they do not want; the rest keep coming."""

import re

import pytest
from django.conf import settings as django_settings
from django.core import mail

from invoices.models import InboxReminder
from invoices.schedules import remind_of_waiting_invoices
from onboarding.models import AuditEvent, Membership, Role
from portal import mail_kinds
from portal.mail import notify
from tests.conftest import make_user, text
from tests.invoices.conftest import make_receiver
from tests.invoices.test_inbox_reminders import arrived

pytestmark = pytest.mark.django_db

URL = "/accounts/notifications/"


def switches(client) -> dict[str, bool]:
    """{label: on} as the mail settings page shows its switches."""
    page = text(client.get(URL))
    form = re.search(r'<form[^>]*id="mail-settings".*?</form>', page, re.S).group(0)
    found = {}
    for checkbox, label in re.findall(
            r'(<input type="checkbox"[^>]*>).*?<label[^>]*>\s*(.*?)\s*</label>', form, re.S):
        found[label] = "checked" in checkbox
    return found


def test_it_lists_every_kind_of_notification_on_until_switched_off(client, cast):
    client.force_login(cast.client_admin)
    shown = switches(client)
    # Staff's own mail is not offered to those who never get it.
    assert list(shown) == [str(kind.label) for kind in mail_kinds.ordered()
                           if not kind.staff_flag]
    assert "Received invoices are not fetched" in shown and all(shown.values())

    response = client.post(URL, {key: "on" for key in mail_kinds.KINDS
                                 if key not in ("inbox_waiting", "member_joined")},
                           follow=True)

    assert "Your mail settings were saved." in text(response)
    cast.client_admin.refresh_from_db()
    assert cast.client_admin.muted_mail == ["inbox_waiting", "member_joined"]
    shown = switches(client)
    assert not shown["Received invoices are not fetched"]
    assert not shown["Someone joined your environment"]
    assert shown["A webhook was paused"]


def test_it_speaks_dutch_on_the_page(client, cast):
    cast.client_admin.language = "nl"
    cast.client_admin.save()
    client.force_login(cast.client_admin)
    page = text(client.get(URL))
    assert "E-mailmeldingen" in page and "Ontvangen facturen worden niet opgehaald" in page


def test_it_asks_to_sign_in_first(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.fixture
def reminders_off(cast):
    """An invoice waits 50 hours to be fetched, and the receiver's administrator switched
    these reminders off."""
    arrived(make_receiver(cast), "F-1", hours_ago=50)
    cast.client_admin.choose_mail(["inbox_waiting"])
    mail.outbox.clear()


def test_it_stops_a_reminder_only_for_who_switched_it_off(cast, reminders_off):
    colleague = make_user("finance@bakery.nl")
    Membership.objects.create(environment=cast.client, user=colleague, role=Role.ADMINISTRATOR)

    assert remind_of_waiting_invoices.call() == 1

    [message] = mail.outbox
    assert message.to == ["finance@bakery.nl"]
    # Each such mail says where to switch it off.
    assert f"{django_settings.PORTAL_URL}{URL}" in message.body


def test_it_reminds_nobody_and_records_nothing_when_everyone_switched_it_off(reminders_off):
    assert remind_of_waiting_invoices.call() == 0

    assert mail.outbox == []
    assert not InboxReminder.objects.exists()
    assert not AuditEvent.objects.filter(action="organization.inbox_reminder").exists()


def test_it_keeps_saying_nothing_changed_when_nothing_did(client, cast):
    client.force_login(cast.client_admin)
    response = client.post(URL, dict.fromkeys(mail_kinds.KINDS, "on"), follow=True)
    assert "Your mail settings were already like this." in text(response)
    cast.client_admin.refresh_from_db()
    assert cast.client_admin.muted_mail == []


def test_it_refuses_a_kind_of_mail_nobody_can_switch_off(cast):
    with pytest.raises(ValueError, match="not a registered kind"):
        notify("newsletter", [cast.client_admin], "invoices/email/rejected", {})
