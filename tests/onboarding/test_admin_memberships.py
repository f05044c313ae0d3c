"""The admin's membership rows go through the Membership methods: the last-administrator
rule holds there too, and every change lands in the environment's audit log."""

import pytest

from onboarding.models import AuditEvent, Membership, Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(make_user("root@portal.example", is_staff=True, is_superuser=True))
    return client


def change_form(environment, rows, extra=()):
    """POST data for the environment's admin page: `rows` are (membership, role, delete)."""
    data = {"name": environment.name, "domain": environment.domain,
            "joins_by_domain": "on" if environment.joins_by_domain else "",
            "subscription": environment.subscription,
            "memberships-TOTAL_FORMS": str(len(rows) + len(extra)),
            "memberships-INITIAL_FORMS": str(len(rows)),
            "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000"}
    for i, (membership, role, delete) in enumerate(rows):
        data[f"memberships-{i}-id"] = str(membership.pk)
        data[f"memberships-{i}-environment"] = str(environment.pk)
        data[f"memberships-{i}-user"] = str(membership.user_id)
        data[f"memberships-{i}-role"] = role
        if delete:
            data[f"memberships-{i}-DELETE"] = "on"
    for j, (user, role) in enumerate(extra, start=len(rows)):
        data[f"memberships-{j}-environment"] = str(environment.pk)
        data[f"memberships-{j}-user"] = str(user.pk)
        data[f"memberships-{j}-role"] = role
    return {k: v for k, v in data.items() if v != ""}


def memberships(cast):
    admin = Membership.objects.get(environment=cast.company, user=cast.admin)
    basic = Membership.objects.get(environment=cast.company, user=cast.basic)
    return admin, basic


def post(client, cast, rows, extra=()):
    return client.post(f"/admin/onboarding/environment/{cast.company.pk}/change/",
                       change_form(cast.company, rows, extra))


def test_it_refuses_to_demote_the_last_administrator(superuser_client, cast):
    admin, basic = memberships(cast)

    response = post(superuser_client, cast, [(admin, Role.BASIC, False),
                                             (basic, Role.BASIC, False)])

    assert response.status_code == 200
    assert "This is the last administrator." in response.content.decode()
    assert Membership.objects.get(pk=admin.pk).role == Role.ADMINISTRATOR
    assert not AuditEvent.objects.filter(action="member.role_changed").exists()


def test_it_refuses_to_remove_the_last_administrator(superuser_client, cast):
    admin, basic = memberships(cast)

    response = post(superuser_client, cast, [(admin, Role.ADMINISTRATOR, True),
                                             (basic, Role.BASIC, False)])

    assert "This is the last administrator." in response.content.decode()
    assert Membership.objects.filter(pk=admin.pk).exists()


def test_it_hands_over_the_administrator_role_in_one_save_with_an_audit_trail(
        superuser_client, cast):
    admin, basic = memberships(cast)

    response = post(superuser_client, cast, [(admin, Role.BASIC, False),
                                             (basic, Role.ADMINISTRATOR, False)])

    assert response.status_code == 302
    assert Membership.objects.get(pk=admin.pk).role == Role.BASIC
    assert Membership.objects.get(pk=basic.pk).role == Role.ADMINISTRATOR
    changes = AuditEvent.objects.filter(action="member.role_changed", environment=cast.company)
    assert {(e.before["role"], e.after["role"]) for e in changes} == {
        (Role.ADMINISTRATOR, Role.BASIC), (Role.BASIC, Role.ADMINISTRATOR)}
    assert all(e.actor.email == "root@portal.example" for e in changes)


def test_it_logs_members_added_and_removed_in_the_admin(superuser_client, cast):
    admin, basic = memberships(cast)
    newcomer = make_user("new@acme.nl")

    response = post(superuser_client, cast,
                    [(admin, Role.ADMINISTRATOR, False), (basic, Role.BASIC, True)],
                    extra=[(newcomer, Role.ADVANCED)])

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=basic.pk).exists()
    assert Membership.objects.get(environment=cast.company, user=newcomer).role == Role.ADVANCED
    assert AuditEvent.objects.get(action="member.removed").before["email"] == "basic@acme.nl"
    assert AuditEvent.objects.get(action="member.joined").after == {
        "email": "new@acme.nl", "role": "advanced", "via": "staff"}


def test_it_keeps_a_membership_with_its_user(superuser_client, cast):
    admin, basic = memberships(cast)
    data = change_form(cast.company, [(admin, Role.ADMINISTRATOR, False),
                                      (basic, Role.BASIC, False)])
    data["memberships-1-user"] = str(cast.outsider.pk)

    superuser_client.post(f"/admin/onboarding/environment/{cast.company.pk}/change/", data)

    assert Membership.objects.get(pk=basic.pk).user == cast.basic


def user_form(user, **changes):
    data = {"email": user.email, "first_name": user.first_name, "last_name": user.last_name,
            "language": user.language or "", "is_active": "on", "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00", "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "10:00:00"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_it_refuses_to_deactivate_the_last_administrator(superuser_client, cast):
    response = superuser_client.post(f"/admin/onboarding/user/{cast.admin.pk}/change/",
                                     user_form(cast.admin, is_active=None))

    assert response.status_code == 200
    assert "admin@acme.nl is the last administrator of Acme." in response.content.decode()
    cast.admin.refresh_from_db()
    assert cast.admin.is_active


def test_it_refuses_to_delete_the_last_administrator(superuser_client, cast):
    url = f"/admin/onboarding/user/{cast.admin.pk}/delete/"

    page = superuser_client.get(url).content.decode()
    superuser_client.post(url, {"post": "yes"})

    assert "admin@acme.nl is the last administrator of Acme." in page
    assert Membership.objects.filter(user=cast.admin).exists()


def test_it_deactivates_an_administrator_who_is_not_the_last(superuser_client, cast):
    Membership.objects.filter(user=cast.basic).update(role=Role.ADMINISTRATOR)

    response = superuser_client.post(f"/admin/onboarding/user/{cast.admin.pk}/change/",
                                     user_form(cast.admin, is_active=None))

    assert response.status_code == 302
    cast.admin.refresh_from_db()
    assert not cast.admin.is_active
