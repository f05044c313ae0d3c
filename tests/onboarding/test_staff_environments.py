"""Platform staff read one environment as a support call about a person needs it: its users
with their roles and second factor, invitations, organizations, accountants and changes."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoices.models import Channel
from invoices.submission import accept
from onboarding.models import Invitation, Organization, Partnership, Role, Subscription
from tests.conftest import enable_totp, text
from tests.invoices.conftest import invoice, make_receiver, make_sender

pytestmark = pytest.mark.django_db


def test_it_shows_who_is_in_an_environment_and_how_they_sign_in(client, cast):
    enable_totp(cast.admin)
    Invitation.send(environment=cast.company, email="new@acme.nl", role=Role.BASIC,
                    by=cast.admin)
    accept(make_sender(cast), invoice("F-EVT-1"), Channel.PORTAL)
    client.force_login(cast.techsupport)

    page = text(client.get(f"/staff/environments/{cast.company.pk}/"))

    members = page.split('id="staff-members"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", members, re.S)[1:]
    assert [re.search(r"mailto:([^\"]+)", row).group(1) for row in rows] == [
        "admin@acme.nl", "basic@acme.nl"]
    assert "Administrator" in rows[0] and ">On<" in rows[0]
    assert "Basic" in rows[1] and ">Off<" in rows[1] and "never" in rows[1]
    invitations = page.split('id="staff-invitations"')[1].split("</ul>")[0]
    assert "new@acme.nl" in invitations
    # Recent changes name what was done, in words, and documents do not bury them.
    events = page.split('id="staff-events"')[1]
    assert "Invited new@acme.nl" in events and "F-EVT-1" not in events


def test_it_links_the_organizations_and_the_accountants_both_ways(client, cast):
    receiver = make_receiver(cast)
    Partnership.start(accountant=cast.accountancy, organization=receiver, by=cast.client_admin)
    client.force_login(cast.techsupport)

    page = text(client.get(f"/staff/environments/{receiver.environment.pk}/"))
    organizations = page.split('id="staff-environment-organizations"')[1].split("</ul>")[0]
    assert f'href="/staff/organizations/{receiver.pk}/">{receiver.name}</a>' in organizations
    partnerships = page.split('id="staff-partnerships"')[1]
    assert f'href="/staff/environments/{cast.accountancy.pk}/">Numbers Accountants</a>' \
        in partnerships

    page = text(client.get(f"/staff/environments/{cast.accountancy.pk}/"))
    clients = page.split('id="staff-partnerships"')[1].split("</ul>")[0]
    assert "Clients it works for" in clients
    assert f'href="/staff/organizations/{receiver.pk}/">{receiver.name}</a>' in clients
    # The organization's page leads back to its environment.
    page = client.get(f"/staff/organizations/{receiver.pk}/").content.decode()
    assert f'href="/staff/environments/{receiver.environment.pk}/"' in page


def test_it_names_the_first_organizations_and_links_the_list_of_all(client, cast, monkeypatch):
    from onboarding.views import staff_environments

    monkeypatch.setattr(staff_environments, "ORGANIZATIONS_SHOWN", 2)
    cast.company.subscription = Subscription.BASIC
    cast.company.save(update_fields=["subscription"])
    for n in range(3):
        Organization.create(environment=cast.company, by=cast.admin, name=f"Org {n}",
                            registry_number=f"1234567{n}", registry_checked=True)
    Organization.create(environment=cast.other, by=cast.outsider, name="Org elsewhere",
                        registry_number="87654321", registry_checked=True)
    client.force_login(cast.techsupport)

    page = text(client.get(f"/staff/environments/{cast.company.pk}/"))

    listed = page.split('id="staff-environment-organizations"')[1].split("</ul>")[0]
    assert re.findall(r">(Org \d)</a>", listed) == ["Org 0", "Org 1"]
    link = re.search(r'id="all-organizations" href="([^"]+)">All 3 organizations', page)[1]
    assert link == f"/staff/organizations/?environment={cast.company.pk}"
    all_of_them = text(client.get(link))
    assert all(f"Org {n}" in all_of_them for n in range(3))
    assert "Org elsewhere" not in all_of_them
    assert "The organizations of Acme." in all_of_them
    for garbled in ("abc", "0", "1.5", "9" * 25):
        response = client.get("/staff/organizations/", {"environment": garbled})
        assert response.status_code == 200 and "The organizations of" not in text(response)


def test_it_finds_an_environment_by_a_users_email_address(client, cast):
    client.force_login(cast.techsupport)
    page = text(client.get("/staff/", {"q": "basic@acme"}))
    table = page.split("<table")[1]
    assert f'href="/staff/environments/{cast.company.pk}/">Acme</a>' in table
    assert "Other" not in table
    # Counted once each, though the search went through the memberships.
    assert re.search(r"Acme</a></td><td>acme.nl</td><td>[^<]*</td><td>2</td>", table)


def test_it_offers_sales_the_subscription_and_keeps_others_out(client, cast):
    enable_totp(cast.sales)
    client.force_login(cast.sales)
    page = client.get(f"/staff/environments/{cast.company.pk}/").content.decode()
    assert f'href="/staff/subscriptions/{cast.company.pk}/"' in page
    client.force_login(cast.techsupport)
    page = client.get(f"/staff/environments/{cast.company.pk}/").content.decode()
    assert f'href="/staff/subscriptions/{cast.company.pk}/"' not in page
    for user in (cast.admin, cast.accountant, cast.outsider):
        client.force_login(user)
        assert client.get(f"/staff/environments/{cast.company.pk}/").status_code == 404


def test_it_reads_a_busy_environment_with_the_same_queries(client, cast):
    cast.company.subscription = Subscription.BASIC
    cast.company.save(update_fields=["subscription"])
    client.force_login(cast.techsupport)
    url = f"/staff/environments/{cast.company.pk}/"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        Invitation.send(environment=cast.company, email=f"new{n}@acme.nl", role=Role.BASIC,
                        by=cast.admin)
        Organization.create(environment=cast.company, by=cast.admin, name=f"Branch {n}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_staff_lists_lead_to_the_environment(client, cast):
    from tests.onboarding.test_activation_queue import pending_org

    pending = pending_org(cast)
    client.force_login(cast.techsupport)
    link = f'href="/staff/environments/{cast.company.pk}/"'
    for url in ("/staff/activations/", "/staff/organizations/", f"/staff/activations/{pending.pk}/",
                f"/staff/organizations/{pending.pk}/"):
        assert link in client.get(url).content.decode(), url


def test_it_pages_the_users_of_a_big_environment(client, cast):
    from onboarding.models import Membership, User

    User.objects.bulk_create(User(email=f"user{n:02}@acme.nl")
                             for n in range(30))
    Membership.objects.bulk_create(
        Membership(environment=cast.company, user=user, role=Role.BASIC)
        for user in User.objects.filter(email__startswith="user"))
    client.force_login(cast.techsupport)
    url = f"/staff/environments/{cast.company.pk}/"

    first = client.get(url).content.decode().split('id="staff-members"')[1]
    second = client.get(url, {"users_page": 2}).content.decode().split('id="staff-members"')[1]

    assert first.count("mailto:") == 25 and "Page 1 of 2" in first
    assert "?users_page=2" in first
    assert second.count("mailto:") == 32 - 25
