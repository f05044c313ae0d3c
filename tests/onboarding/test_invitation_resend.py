"""An open invitation is sent again on purpose, never replaced in silence: the members page
has Resend, inviting the same address again says which invitation it replaces, and the link
of a replaced invitation sends the invitee to the newer mail instead of saying "revoked"."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from onboarding.models import Invitation, Membership, Role
from tests.conftest import mails_to, make_user, text

pytestmark = pytest.mark.django_db

# Written in the portal's time zone (Europe/Amsterdam) as "4 Mar 2025, 10:30".
FIRST_SENT = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
LATER_SENT = datetime(2025, 3, 6, 15, 5, tzinfo=UTC)


def accept_path(message):
    return re.search(r"/invitations/accept/[^\s]+/", message.body).group(0)


def invite(client, email, role=Role.ADVANCED):
    return client.post("/users/invite/", {"email": email, "role": role}, follow=True)


def sent_on(invitation, when):
    Invitation.objects.filter(pk=invitation.pk).update(created_at=when)


def test_it_says_which_open_invitation_inviting_again_replaces(client, cast):
    client.force_login(cast.admin)
    invite(client, "twice@acme.nl")
    first = Invitation.objects.get()
    sent_on(first, FIRST_SENT)
    mail.outbox.clear()

    page = text(invite(client, "twice@acme.nl", role=Role.BASIC))

    assert "Invitation sent to twice@acme.nl. It replaces the invitation of 4 Mar 2025, " \
        "10:30, whose link no longer works." in page
    [message] = mails_to("twice@acme.nl")
    assert "This invitation replaces the one of 4 Mar 2025, 10:30: the link in that mail no " \
        "longer works." in message.body
    # One open invitation to the address, the new one.
    invitations = page.split("Open invitations")[1].split("</ul>")[0]
    assert invitations.count("<li") == 1
    assert "twice@acme.nl · Basic" in invitations


def test_it_says_only_sent_when_nothing_was_open(client, cast):
    client.force_login(cast.admin)
    page = text(invite(client, "once@acme.nl"))
    assert "Invitation sent to once@acme.nl." in page
    assert "replaces" not in page and "replaces" not in mails_to("once@acme.nl")[0].body


def test_it_sends_the_old_link_to_the_newer_mail(client, cast):
    first = Invitation.send(environment=cast.company, email="late@acme.nl", role=Role.BASIC,
                            by=cast.admin)
    old_path = f"/invitations/accept/{first.token}/"
    second = Invitation.send(environment=cast.company, email="late@acme.nl", role=Role.BASIC,
                             by=cast.admin)
    sent_on(second, LATER_SENT)

    page = text(client.get(old_path))
    assert "A newer invitation was sent to this address on 6 Mar 2025, 16:05; use the link " \
        "in that mail." in page
    assert "revoked" not in page and "Create an account" not in page

    invitee = make_user("late@acme.nl")
    client.force_login(invitee)
    refused = client.post(old_path)
    assert refused.status_code == 400
    assert "A newer invitation was sent to this address on 6 Mar 2025, 16:05" in text(refused)
    assert not Membership.objects.filter(user=invitee, environment=cast.company).exists()

    assert client.post(f"/invitations/accept/{second.token}/").status_code == 302
    assert Membership.objects.filter(user=invitee, environment=cast.company).exists()


def test_it_points_every_older_link_to_the_newest_mail(client, cast):
    first = Invitation.send(environment=cast.company, email="thrice@acme.nl",
                            role=Role.BASIC, by=cast.admin)
    Invitation.send(environment=cast.company, email="thrice@acme.nl", role=Role.BASIC,
                    by=cast.admin)
    third = Invitation.send(environment=cast.company, email="thrice@acme.nl",
                            role=Role.BASIC, by=cast.admin)
    sent_on(third, LATER_SENT)

    page = text(client.get(f"/invitations/accept/{first.token}/"))
    assert "on 6 Mar 2025, 16:05; use the link in that mail." in page


def test_it_says_revoked_once_the_administrator_revoked_the_newer_one(client, cast):
    first = Invitation.send(environment=cast.company, email="gone@acme.nl", role=Role.BASIC,
                            by=cast.admin)
    second = Invitation.send(environment=cast.company, email="gone@acme.nl", role=Role.BASIC,
                             by=cast.admin)
    second.revoke(cast.admin)

    page = text(client.get(f"/invitations/accept/{first.token}/"))
    assert "This invitation was revoked by the administrator." in page
    assert "newer invitation" not in page


def test_it_resends_an_open_invitation_after_asking(client, cast):
    colleague = make_user("second.admin@acme.nl")
    Membership.objects.create(environment=cast.company, user=colleague,
                              role=Role.ADMINISTRATOR)
    old = Invitation.send(environment=cast.company, email="lost@acme.nl",
                          role=Role.ADMINISTRATOR, by=cast.admin)
    old_path = f"/invitations/accept/{old.token}/"
    sent_on(old, FIRST_SENT)
    # Nearly expired: resending gives the full period again.
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() + timedelta(hours=1))
    client.force_login(colleague)
    mail.outbox.clear()

    members = text(client.get("/users/"))
    assert f'href="/invitations/{old.pk}/resend/"' in members
    asked = text(client.get(f"/invitations/{old.pk}/resend/"))
    assert "lost@acme.nl receives a new email with a new link, to join as Administrator." \
        in asked
    assert f"The new link works for {settings.INVITATION_MAX_AGE_DAYS} days from now." in asked
    assert "The link in the email of 4 Mar 2025, 10:30 stops working" in asked
    assert mail.outbox == []

    done = text(client.post(f"/invitations/{old.pk}/resend/", follow=True))

    new = Invitation.objects.pending().get(email="lost@acme.nl")
    assert new.pk != old.pk and new.role == Role.ADMINISTRATOR and new.invited_by == colleague
    assert new.expires_at > timezone.now() + timedelta(
        days=settings.INVITATION_MAX_AGE_DAYS, minutes=-5)
    assert "The invitation was sent again to lost@acme.nl. The link in the earlier mail no " \
        "longer works; the new one works until" in done
    [message] = mails_to("lost@acme.nl")
    assert message.reply_to == [colleague.email]
    assert "second.admin@acme.nl invited you" in message.body
    assert "This invitation replaces the one of 4 Mar 2025, 10:30" in message.body
    assert accept_path(message) != old_path
    assert "A newer invitation was sent to this address" in text(client.get(old_path))


def test_it_refuses_to_resend_an_accepted_or_revoked_invitation(client, cast):
    revoked = Invitation.send(environment=cast.company, email="no@acme.nl", role=Role.BASIC,
                              by=cast.admin)
    revoked.revoke(cast.admin)
    client.force_login(cast.admin)
    mail.outbox.clear()

    page = text(client.post(f"/invitations/{revoked.pk}/resend/", follow=True))

    assert "This invitation is revoked; it cannot be sent again." in page
    assert mail.outbox == [] and not Invitation.objects.pending().exists()


def test_it_refuses_to_resend_to_someone_who_joined_meanwhile(client, cast):
    open_ = Invitation.send(environment=cast.company, email="joined@acme.nl",
                            role=Role.BASIC, by=cast.admin)
    # Joined another way, by signing up with an address on the company's domain.
    Membership.objects.create(environment=cast.company, user=make_user("joined@acme.nl"),
                              role=Role.BASIC)
    client.force_login(cast.admin)
    mail.outbox.clear()

    page = text(client.post(f"/invitations/{open_.pk}/resend/", follow=True))

    assert "This person is already a member of the environment." in page
    assert mail.outbox == []


def test_it_keeps_resend_for_the_environments_administrators(client, cast):
    invitation = Invitation.send(environment=cast.company, email="x@acme.nl",
                                 role=Role.BASIC, by=cast.admin)
    client.force_login(cast.basic)
    assert client.post(f"/invitations/{invitation.pk}/resend/").status_code == 403
    assert 'resend/"' not in text(client.get("/users/"))
    client.force_login(cast.outsider)
    assert client.post(f"/invitations/{invitation.pk}/resend/").status_code == 404
    assert Invitation.objects.pending().get() == invitation
