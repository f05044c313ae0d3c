"""What the key list and a key's page say of a key: active, blocked (the API refuses it while
it is not revoked) or revoked, and what a revoked key did."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone

from onboarding.models import (
    ConnectionKey,
    Contract,
    Membership,
    Organization,
    Partnership,
    Role,
    Software,
    Subscription,
    change_subscription,
)
from tests.conftest import make_environment, make_user, sign_in, text
from tests.onboarding.test_authorisation_requests import as_accountant
from tests.onboarding.test_connection_keys import active_org

pytestmark = pytest.mark.django_db

ACTIVE_BADGE = '<span class="badge text-bg-success">Active</span>'
BLOCKED = '<span class="badge text-bg-warning text-wrap text-start">'
PLAN_BADGE = f"{BLOCKED}Blocked by the subscription</span>"
ORGANIZATION_BADGE = f"{BLOCKED}Blocked: organization not active</span>"
FREE_PLAN = ("Other software needs at least a Basic subscription: the free Invoice Portal "
             "subscription has no API access.")


def issue(org, software="other", by=None, **kwargs):
    by = by or org.environment.administrators().first()
    return ConnectionKey.issue(organization=org, software=software, by=by, **kwargs).key


def status_cell(page, key):
    """The list's Status cell of `key`'s row, and the row below that says why it is
    blocked."""
    rows = page.split(f'href="/connection-keys/{key.pk}/"')[1].split("</tr>")
    reason = rows[1] if 'class="key-blocked"' in rows[1] else ""
    return rows[0].rsplit("<td", 1)[1] + reason


def blocked_note(page):
    return re.search(r'<div class="alert alert-warning" id="key-blocked"[^>]*>(.*?)</div>',
                     page, re.S).group(1)


def test_it_shows_keys_the_free_plan_blocks_as_blocked_with_the_way_to_upgrade(client, cast):
    org = active_org(cast)
    keys = [issue(org, software) for software in ("other", "afas", "accept")]
    revoked = issue(org)
    revoked.revoke(cast.admin)
    sign_in(client, cast.admin)
    assert text(client.get("/connection-keys/")).count(ACTIVE_BADGE) == 3

    change_subscription(cast.company, cast.sales, Subscription.INVOICE_PORTAL)
    listed = text(client.get("/connection-keys/"))
    page = text(client.get(f"/connection-keys/{keys[0].pk}/"))

    assert ACTIVE_BADGE not in listed and listed.count(PLAN_BADGE) == 3
    for key in keys:
        cell = status_cell(listed, key)
        assert PLAN_BADGE in cell
        assert 'href="/subscription/upgrade/?subscription=basic"' in cell
    assert FREE_PLAN in status_cell(listed, keys[0])
    assert "AFAS needs at least a Basic subscription" in status_cell(listed, keys[1])
    # A revoked key is refused for being revoked, whatever the plan says.
    assert "Revoked" in status_cell(listed, revoked)
    assert "Blocked" not in status_cell(listed, revoked)

    assert PLAN_BADGE in page and ACTIVE_BADGE not in page
    note = blocked_note(page)
    assert "The API refuses this key." in note and FREE_PLAN in note
    assert '<a href="/subscription/upgrade/?subscription=basic" class="alert-link">Ask Sales ' \
           'for an upgrade.</a>' in note
    assert "Waiting for a test connection" not in page
    assert "refused while the key is blocked" in page

    change_subscription(cast.company, cast.sales, Subscription.BASIC)
    assert text(client.get("/connection-keys/")).count(ACTIVE_BADGE) == 3
    assert 'id="key-blocked"' not in text(client.get(f"/connection-keys/{keys[0].pk}/"))


def test_it_shows_a_4ps_key_blocked_once_the_contract_ends(client, cast):
    org = active_org(cast)
    change_subscription(cast.company, cast.sales, Subscription.PROFESSIONAL)
    contract = Contract.add(environment=cast.company, by=cast.sales, reference="API-1")
    key = issue(org, Software.FOURPS_CONSTRUCT)
    sign_in(client, cast.admin)
    assert ACTIVE_BADGE in text(client.get(f"/connection-keys/{key.pk}/"))

    Contract.objects.filter(pk=contract.pk).update(starts_on=date(2020, 1, 1),
                                                   ends_on=date(2020, 1, 2))
    page = text(client.get(f"/connection-keys/{key.pk}/"))

    assert PLAN_BADGE in page
    assert "4PS Construct needs a Professional subscription and a contract with API rights." \
        in blocked_note(page)
    assert 'href="/subscription/upgrade/?subscription=professional&api_contract=1"' \
        in blocked_note(page)


def test_it_shows_keys_of_a_deactivated_organization_as_blocked(client, cast):
    org = active_org(cast)
    key = issue(org)
    org.deactivate(cast.techsupport)
    sign_in(client, cast.admin)

    listed = text(client.get("/connection-keys/"))
    page = text(client.get(f"/connection-keys/{key.pk}/"))

    assert ORGANIZATION_BADGE in status_cell(listed, key)
    assert ORGANIZATION_BADGE in page and ACTIVE_BADGE not in page
    note = blocked_note(page)
    assert "Acme Trading BV is deactivated: the API refuses its keys until the organization " \
           "is active again." in note
    assert f'href="/organizations/{org.pk}/"' in note


def test_it_tells_an_accountant_that_the_clients_administrators_upgrade(client, cast):
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number="11223344")
    Partnership.start(accountant=cast.accountancy, organization=bakery, by=cast.client_admin)
    key = issue(bakery, "afas", by=cast.accountant, environment=cast.accountancy)
    change_subscription(cast.client, cast.sales, Subscription.INVOICE_PORTAL)
    as_accountant(client, cast)

    page = text(client.get(f"/connection-keys/{key.pk}/"))
    listed = text(client.get("/connection-keys/"))

    note = blocked_note(page)
    assert PLAN_BADGE in page
    assert "AFAS needs at least a Basic subscription" in note
    assert "The keys use the subscription of Bakery: its administrators ask Sales for the " \
           "upgrade." in note
    # The accountant's own environment asks Sales for nothing here.
    assert "/subscription/upgrade/" not in note
    assert "/subscription/upgrade/" not in status_cell(listed, key)


def client_with_4ps_key(cast, number):
    """Another client on Professional with a running contract with API rights, in a
    partnership with the accountancy, and a 4PS key the accountant made for it."""
    environment = make_environment(f"client{number}.nl", name=f"Client {number}",
                                   subscription=Subscription.PROFESSIONAL)
    owner = make_user(f"owner@client{number}.nl")
    Membership.objects.create(environment=environment, user=owner, role=Role.ADMINISTRATOR)
    Membership.objects.create(environment=environment, user=cast.accountant, role=Role.ADVANCED)
    running = Contract.add(environment=environment, by=cast.sales, reference=f"API-{number}")
    org = active_org(cast, environment=environment, name=f"Client {number} BV",
                     number=f"3000000{number}")
    Partnership.start(accountant=cast.accountancy, organization=org, by=owner)
    key = issue(org, Software.FOURPS_BUSINESS_CENTRAL, by=cast.accountant,
                environment=cast.accountancy)
    if number % 2:
        Contract.objects.filter(pk=running.pk).update(
            starts_on=timezone.localdate() - timedelta(days=30),
            ends_on=timezone.localdate() - timedelta(days=1))
    return key


def test_it_lists_keys_in_the_same_queries_however_many_plans_they_depend_on(client, cast):
    cast.accountancy.subscription = Subscription.PROFESSIONAL
    cast.accountancy.save(update_fields=["subscription"])
    as_accountant(client, cast)
    client_with_4ps_key(cast, 1)

    def list_queries():
        with CaptureQueriesContext(connection) as queries:
            page = text(client.get("/connection-keys/"))
        return len(queries), page

    few, page = list_queries()
    assert page.count(PLAN_BADGE) == 1  # client 1's contract ended

    own = active_org(cast, environment=cast.accountancy, name="Numbers BV", number="20000001")
    own_contract = Contract.add(environment=cast.accountancy, by=cast.sales, reference="N-1")
    for software in ("other", "afas", Software.FOURPS_CONSTRUCT):
        issue(own, software)
    Contract.objects.filter(pk=own_contract.pk).update(ends_on=timezone.localdate()
                                                       - timedelta(days=1),
                                                       starts_on=date(2020, 1, 1))
    for number in (2, 3, 4, 5):
        client_with_4ps_key(cast, number)
    many, page = list_queries()

    assert page.count('href="/connection-keys/') >= 8
    # Clients 1, 3 and 5 have no running contract, and Numbers BV no longer has one.
    assert page.count(PLAN_BADGE) == 4 and page.count(ACTIVE_BADGE) == 4
    assert many == few


def test_it_shows_a_revoked_key_as_never_used_not_as_waiting(client, cast):
    key = issue(active_org(cast))
    key.revoke(cast.admin)
    sign_in(client, cast.admin)

    page = text(client.get(f"/connection-keys/{key.pk}/"))
    status = page.split('id="key-status"')[1].split("</dl>")[0]

    assert "Waiting for a test connection" not in page and "Not yet" not in status
    assert re.search(r'data-field="last_used">Never</dd>', status)
    assert re.search(r'data-field="last_tested">Never</dd>', status)
    # Nothing polls for a test that cannot come.
    assert "connection-keys.js" not in page


def test_it_shows_what_a_revoked_key_did(client, cast):
    key = issue(active_org(cast))
    key.note_use(tested=True)
    key.revoke(cast.admin)
    key.refresh_from_db()
    sign_in(client, cast.admin)

    page = text(client.get(f"/connection-keys/{key.pk}/"))
    status = page.split('id="key-status"')[1].split("</dl>")[0]

    when = formats.date_format(timezone.localtime(key.last_tested_at), "DATETIME_FORMAT")
    assert f'data-field="last_used">{when}</dd>' in status
    assert f"✓ {when}</span>" in status
    assert "Never" not in status and "Waiting" not in page


def test_it_opens_a_revoked_keys_page_instead_of_the_new_keys_page(client, cast):
    key = issue(active_org(cast))
    key.revoke(cast.admin)
    sign_in(client, cast.admin)

    response = client.get(f"/connection-keys/{key.pk}/created/", follow=True)

    assert response.redirect_chain[-1][0] == f"/connection-keys/{key.pk}/"
    assert "shows the first call and the test as soon as they arrive" not in text(response)
    assert "This key is revoked" in text(response)


def test_it_still_waits_for_the_test_of_an_active_key(client, cast):
    key = issue(active_org(cast))
    sign_in(client, cast.admin)

    page = text(client.get(f"/connection-keys/{key.pk}/"))

    assert "Waiting for a test connection from the software…" in page
    assert 'data-field="last_used">Not yet</dd>' in page
    assert ACTIVE_BADGE in page and 'id="key-blocked"' not in page
    assert Organization.objects.get().is_active
