import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from onboarding.models import AuditEvent, Invitation, Membership, Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def invite(client, email, role=Role.ADVANCED):
    return client.post("/users/invite/", {"email": email, "role": role})


def accept_path(message):
    return re.search(r"/invitations/accept/[^\s]+/", message.body).group(0)


def test_it_emails_a_link_that_joins_with_the_invited_role(client, cast):
    client.force_login(cast.admin)
    response = invite(client, "colleague@elsewhere.com")
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == ["colleague@elsewhere.com"]
    assert "Acme" in message.subject
    # An environment's name is anyone's to choose; its mail domain is what was checked.
    assert ('"Acme" is the name its members gave their environment; the portal checked only '
            f"that it belongs to the mail domain {cast.company.domain}.") in message.body

    colleague = make_user("colleague@elsewhere.com")
    client.force_login(colleague)
    path = accept_path(message)
    page = client.get(path)
    assert b"Accept invitation" in page.content
    response = client.post(path)
    assert response.status_code == 302
    membership = Membership.objects.get(user=colleague, environment=cast.company)
    assert membership.role == Role.ADVANCED
    assert AuditEvent.objects.filter(action="invitation.accepted").exists()
    dashboard = client.get("/")
    assert b"Acme" in dashboard.content


def test_it_lets_an_invitee_sign_up_without_a_second_verification_mail(client, cast):
    client.force_login(cast.admin)
    invite(client, "new.person@acme.nl", role=Role.BASIC)
    path = accept_path(mail.outbox[-1])
    client.logout()
    mail.outbox.clear()

    client.get(path)
    response = client.post("/accounts/signup/", {
        "email": "new.person@acme.nl", "password1": "a-long-password-42",
        "password2": "a-long-password-42"})
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new.person@acme.nl").verified
    membership = Membership.objects.get(user__email="new.person@acme.nl")
    assert membership.environment == cast.company
    assert not [m for m in mail.outbox if "confirm-email" in m.body]


def test_it_welcomes_the_invitee_after_accepting_at_sign_up(client, cast):
    client.force_login(cast.admin)
    invite(client, "new.person@acme.nl", role=Role.BASIC)
    path = accept_path(mail.outbox[-1])
    client.logout()
    client.get(path)
    assert 'name="company_name"' not in client.get("/accounts/signup/").content.decode()
    client.post("/accounts/signup/", {"email": "new.person@acme.nl",
                                      "password1": "a-long-password-42",
                                      "password2": "a-long-password-42"})

    page = client.get(path).content.decode()

    assert "Welcome to Acme! You joined as Basic." in page
    assert "already been accepted" not in page
    # Someone else following the same link still learns it was used.
    client.force_login(cast.basic)
    assert "already been accepted" in client.get(path).content.decode()


def test_it_refuses_an_expired_invitation(client, cast):
    invitation = Invitation.send(environment=cast.company, email="late@acme.nl",
                                 role=Role.BASIC, by=cast.admin)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1))
    late = make_user("late@acme.nl")
    client.force_login(late)
    path = f"/invitations/accept/{invitation.token}/"
    assert b"This invitation has expired" in client.get(path).content
    response = client.post(path)
    assert response.status_code == 400
    assert not Membership.objects.filter(user=late).exists()


def test_it_refuses_a_revoked_invitation(client, cast):
    invitation = Invitation.send(environment=cast.company, email="gone@acme.nl",
                                 role=Role.BASIC, by=cast.admin)
    client.force_login(cast.admin)
    assert client.post(f"/invitations/{invitation.pk}/revoke/").status_code == 302
    client.force_login(make_user("gone@acme.nl"))
    response = client.post(f"/invitations/accept/{invitation.token}/")
    assert response.status_code == 400
    assert b"no longer valid" in response.content
    assert AuditEvent.objects.filter(action="invitation.revoked").exists()


def test_it_refuses_the_link_for_another_address(client, cast):
    invitation = Invitation.send(environment=cast.company, email="right@acme.nl",
                                 role=Role.BASIC, by=cast.admin)
    client.force_login(cast.outsider)
    response = client.post(f"/invitations/accept/{invitation.token}/")
    assert response.status_code == 400
    assert b"right@acme.nl" in response.content
    assert not Membership.objects.filter(user=cast.outsider, environment=cast.company).exists()


def test_it_treats_an_altered_link_as_not_found(client, cast):
    invitation = Invitation.send(environment=cast.company, email="x@acme.nl",
                                 role=Role.BASIC, by=cast.admin)
    response = client.get(f"/invitations/accept/{invitation.token[:-2]}xx/")
    assert response.status_code == 404
    assert b"not valid" in response.content


def test_it_replaces_a_pending_invitation_to_the_same_address(client, cast):
    first = Invitation.send(environment=cast.company, email="twice@acme.nl",
                            role=Role.BASIC, by=cast.admin)
    second = Invitation.send(environment=cast.company, email="twice@acme.nl",
                             role=Role.ADMINISTRATOR, by=cast.admin)
    first.refresh_from_db()
    assert first.status == Invitation.Status.REPLACED and first.replaced_by == second
    assert second.status == Invitation.Status.PENDING


def test_it_refuses_to_invite_an_existing_member(client, cast):
    client.force_login(cast.admin)
    response = invite(client, "basic@acme.nl")
    assert response.status_code == 200
    assert b"already a member" in response.content


def test_it_keeps_invitations_for_administrators(client, cast):
    client.force_login(cast.basic)
    assert invite(client, "someone@acme.nl").status_code == 403
    assert not Invitation.objects.exists()


def test_it_pages_the_open_invitations_apart_from_the_users(client, cast):
    from portal.pagination import PAGE_SIZE

    client.force_login(cast.admin)
    for n in range(PAGE_SIZE + 2):
        Invitation.send(environment=cast.company, email=f"invitee{n:02d}@acme.nl",
                        role=Role.BASIC, by=cast.admin)

    first = client.get("/users/").content.decode()
    second = client.get("/users/?q=a&invitations_page=2").content.decode()

    invitations = first.split("Open invitations")[1]
    # The newest first; the two oldest are on the next page, whose link keeps the search.
    assert "invitee26@acme.nl" in invitations and "invitee01@acme.nl" not in invitations
    assert 'href="?invitations_page=2" rel="next"' in invitations
    rest = second.split("Open invitations")[1]
    assert "invitee01@acme.nl" in rest and "invitee00@acme.nl" in rest
    assert "invitee26@acme.nl" not in rest
    assert 'href="?q=a&invitations_page=1" rel="prev"' in rest
