import pytest

from onboarding.models import AuditEvent, Membership, Role
from portal.tenancy import SESSION_KEY
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def membership(user, env):
    return Membership.objects.get(user=user, environment=env)


def test_it_asks_to_reauthenticate_before_a_role_change(client, cast):
    client.force_login(cast.admin)
    target = membership(cast.basic, cast.company)
    response = client.post(f"/users/{target.pk}/role/", {"role": Role.ADVANCED})
    assert response.status_code == 302
    assert "/accounts/reauthenticate/" in response["Location"]
    target.refresh_from_db()
    assert target.role == Role.BASIC


def test_it_changes_a_role_and_records_before_and_after(client, cast):
    sign_in(client, cast.admin)
    target = membership(cast.basic, cast.company)
    response = client.post(f"/users/{target.pk}/role/", {"role": Role.ADVANCED})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.ADVANCED
    event = AuditEvent.objects.get(action="member.role_changed")
    assert event.before == {"role": "basic"}
    assert event.after == {"role": "advanced"}
    assert event.actor == cast.admin


def test_it_refuses_to_demote_the_last_administrator(client, cast):
    sign_in(client, cast.admin)
    own = membership(cast.admin, cast.company)
    response = client.post(f"/users/{own.pk}/role/", {"role": Role.BASIC})
    assert response.status_code == 200
    assert b"last administrator" in response.content
    own.refresh_from_db()
    assert own.role == Role.ADMINISTRATOR


def test_it_refuses_to_remove_the_last_administrator(client, cast):
    sign_in(client, cast.admin)
    own = membership(cast.admin, cast.company)
    response = client.post(f"/users/{own.pk}/remove/")
    assert response.status_code == 400
    assert b"last administrator" in response.content
    assert Membership.objects.filter(pk=own.pk).exists()


def test_it_says_before_the_click_that_the_last_administrator_stays(client, cast):
    sign_in(client, cast.admin)
    own = membership(cast.admin, cast.company)

    page = client.get(f"/users/{own.pk}/remove/").content.decode()

    assert 'id="last-administrator"' in page
    assert "admin@acme.nl is the last administrator, so they cannot be removed" in page
    assert 'type="submit">Remove user' not in page


def second_administrator(cast):
    second = membership(cast.basic, cast.company)
    second.role = Role.ADMINISTRATOR
    second.save()
    return second


def test_it_warns_an_administrator_who_removes_themselves(client, cast):
    second_administrator(cast)
    sign_in(client, cast.admin)
    own = membership(cast.admin, cast.company)

    page = client.get(f"/users/{own.pk}/remove/").content.decode()

    assert "This is your own account: you lose access to Acme as soon as you confirm." in page
    assert 'type="submit">Remove user' in page


def test_it_removes_a_user_after_confirmation(client, cast):
    sign_in(client, cast.admin)
    target = membership(cast.basic, cast.company)
    page = client.get(f"/users/{target.pk}/remove/")
    assert b"will lose access" in page.content
    assert Membership.objects.filter(pk=target.pk).exists()
    client.post(f"/users/{target.pk}/remove/")
    assert not Membership.objects.filter(pk=target.pk).exists()
    event = AuditEvent.objects.get(action="member.removed")
    assert event.before["email"] == "basic@acme.nl"


def test_it_allows_demoting_an_administrator_when_another_remains(client, cast):
    second_administrator(cast)
    sign_in(client, cast.admin)
    own = membership(cast.admin, cast.company)
    client.post(f"/users/{own.pk}/role/", {"role": Role.ADVANCED})
    own.refresh_from_db()
    assert own.role == Role.ADVANCED


def test_it_recommends_a_second_administrator_while_there_is_one(client, cast):
    client.force_login(cast.admin)
    assert b"second-admin-hint" in client.get("/users/").content
    second = membership(cast.basic, cast.company)
    second.role = Role.ADMINISTRATOR
    second.save()
    assert b"second-admin-hint" not in client.get("/users/").content


def test_it_hides_management_from_basic_users(client, cast):
    client.force_login(cast.basic)
    target = membership(cast.admin, cast.company)
    assert client.get(f"/users/{target.pk}/role/").status_code == 403
    assert client.get("/activity/").status_code == 403
    page = client.get("/users/")
    assert page.status_code == 200
    assert b"Change role" not in page.content


def test_the_dashboard_offers_clients_to_an_administrator_without_organizations(client, cast):
    client.force_login(cast.admin)
    page = client.get("/").content.decode()
    assert 'id="work-for-clients"' in page and 'href="/clients/requests/new/"' in page

    assert 'id="client-count"><a href="/clients/">0</a></dd>' in page

    client.force_login(cast.basic)
    page = client.get("/").content.decode()
    assert 'id="work-for-clients"' not in page and 'id="client-count"' not in page


def test_the_dashboard_of_an_accountancy_with_clients_leads_to_them(client, cast):
    from onboarding.models import Organization, Partnership

    bakery = Organization.create(environment=cast.client, by=cast.client_admin,
                                 name="Bakery BV", registry_number="87654321")
    Partnership.start(accountant=cast.accountancy, organization=bakery, by=cast.client_admin)
    client.force_login(cast.accountant)
    session = client.session
    session[SESSION_KEY] = cast.accountancy.pk
    session.save()

    page = client.get("/").content.decode()

    hint = page.split('id="work-for-clients">')[1].split("</span>")[0]
    assert "You work for 1 client through a partnership." in hint
    assert 'href="/clients/">Your clients</a>' in hint and "/clients/requests/new/" not in hint
    assert 'id="client-count"><a href="/clients/">1</a></dd>' in page


def test_the_dashboard_tells_a_user_of_no_organization_whom_to_ask(client, cast):
    from onboarding.models import Organization, OrganizationMember

    client.force_login(cast.basic)
    page = client.get("/").content.decode()

    hint = page.split('id="ask-to-be-added">')[1].split("</li>")[0]
    assert f'<a href="mailto:{cast.admin.email}">{cast.admin.email}</a>' in hint
    assert "See the users" in page and "Manage users" not in page

    acme = Organization.create(environment=cast.company, by=cast.admin, name="Acme BV",
                               registry_number="12345678")
    OrganizationMember.objects.create(organization=acme, user=cast.basic)
    assert 'id="ask-to-be-added"' not in client.get("/").content.decode()
    client.force_login(cast.admin)
    page = client.get("/").content.decode()
    assert 'id="ask-to-be-added"' not in page and "Manage users" in page


def test_the_dashboard_offers_guided_setups_to_who_may_start_them(client, cast):
    def connect(user):
        client.force_login(user)
        page = client.get("/").content.decode()
        return page.split('id="connect-software">')[1].split("</li>")[0]

    assert "Choose your software" in connect(cast.admin)
    hint = connect(cast.basic)
    assert "Choose your software" not in hint
    assert "An administrator of your organization sets it up" in hint


def test_the_dashboard_says_that_connecting_software_needs_a_paid_plan(client, cast):
    from onboarding.models import Subscription

    def connect(user):
        client.force_login(user)
        page = client.get("/").content.decode()
        return page.split('id="connect-software">')[1].split("</li>")[0]

    free = connect(cast.admin)
    assert "The free Invoice Portal subscription has no API access" in free
    assert 'href="/subscription/upgrade/">Ask Sales for an upgrade' in free
    assert "/subscription/upgrade/" not in connect(cast.basic)
    cast.company.subscription = Subscription.BASIC
    cast.company.save(update_fields=["subscription"])
    assert "has no API access" not in connect(cast.admin)
