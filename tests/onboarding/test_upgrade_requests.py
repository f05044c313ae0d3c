"""Upgrade requests: where every plan limit leads, what Sales decides, and what the
administrator is told."""

import re
import threading
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import close_old_connections, connection
from django.utils import timezone

from onboarding.models import (
    AuditEvent,
    Contract,
    Organization,
    Subscription,
    UpgradeRequest,
)
from portal.errors import ChangeRefused
from tests.conftest import enable_totp, mails_to, sign_in

pytestmark = pytest.mark.django_db

UPGRADE_LINK = 'href="/subscription/upgrade/"'


def text(response):
    return response.content.decode()


def active_org(cast):
    org = Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                              registry_number="12345678", registry_checked=True)
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
    return org


@pytest.fixture
def sales(client, cast):
    enable_totp(cast.sales)
    client.force_login(cast.sales)
    return client


def test_it_links_every_plan_refusal_to_the_upgrade_request(client, cast):
    org = active_org(cast)
    Organization.create(environment=cast.company, by=cast.admin, name="Second BV")
    sign_in(client, cast.admin)

    key_page = client.post(f"/organizations/{org.pk}/connection-keys/new/",
                           {"software": "afas"})
    assert UPGRADE_LINK in text(key_page)
    added = client.post("/organizations/add/", {"country": "DE", "action": "save",
                                                "name": "Third GmbH", "registry_number": "HRB 1",
                                                "street": "A 1", "postal_code": "1",
                                                "city": "B"})
    assert "covers 2 organizations" in text(added) and UPGRADE_LINK in text(added)
    assert UPGRADE_LINK in text(client.get("/organizations/add/"))
    assert UPGRADE_LINK in text(client.get("/clients/"))
    assert UPGRADE_LINK in text(client.get("/subscription/"))
    with pytest.raises(ChangeRefused) as refused:
        from onboarding.models import AuthorisationRequest

        AuthorisationRequest.send(environment=cast.company, by=cast.admin, client_name="C",
                                  client_email="c@client.nl", software="afas",
                                  registry_number="87654321")
    assert UPGRADE_LINK in refused.value.message


def test_it_sends_an_administrators_request_to_the_sales_queue(client, cast, sales):
    admin = sign_in(type(client)(), cast.admin)

    response = admin.post("/subscription/upgrade/", {
        "subscription": "professional", "api_contract": "on",
        "message": "We want to connect 4PS Construct."})

    assert response.status_code == 302
    upgrade = UpgradeRequest.objects.get()
    assert (upgrade.subscription, upgrade.api_contract, upgrade.requested_by) == (
        Subscription.PROFESSIONAL, True, cast.admin)
    assert AuditEvent.objects.filter(action="upgrade.requested",
                                     environment=cast.company).exists()
    assert "waits for Sales" in text(admin.get("/subscription/upgrade/"))
    queue = text(sales.get("/staff/upgrades/"))
    assert "Acme" in queue and "Professional" in queue and "contract with API rights" in queue
    # Asking again while one waits makes no second request.
    admin.post("/subscription/upgrade/", {"subscription": "basic"})
    assert UpgradeRequest.objects.count() == 1


def test_it_lets_only_administrators_ask(client, cast):
    sign_in(client, cast.basic)
    page = client.get("/subscription/upgrade/")
    assert "Only an environment administrator asks for an upgrade" in text(page)
    assert "Anna Admin" in text(page)
    client.post("/subscription/upgrade/", {"subscription": "basic"})
    assert not UpgradeRequest.objects.exists()
    with pytest.raises(ChangeRefused):
        UpgradeRequest.submit(environment=cast.company, by=cast.basic, subscription="basic")


def test_it_asks_a_contract_only_with_professional(client, cast):
    sign_in(client, cast.admin)
    response = client.post("/subscription/upgrade/", {"subscription": "basic",
                                                      "api_contract": "on"})
    assert response.status_code == 400
    assert "comes with the Professional subscription" in text(response)
    assert not UpgradeRequest.objects.exists()


def test_it_offers_only_a_bigger_plan_or_professional_again_for_a_contract(client, cast):
    cast.company.subscription = Subscription.BASIC
    cast.company.save(update_fields=["subscription"])
    sign_in(client, cast.admin)

    page = text(client.get("/subscription/upgrade/"))
    same = client.post("/subscription/upgrade/", {"subscription": "basic"})

    assert 'value="professional"' in page and 'value="basic"' not in page
    assert re.search(r'value="professional"[^>]*checked', page)
    assert same.status_code == 400 and not UpgradeRequest.objects.exists()
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save(update_fields=["subscription"])
    assert 'value="professional"' in text(client.get("/subscription/upgrade/"))


def test_it_approves_once_with_the_contract_and_tells_the_administrator(
        cast, sales, django_capture_on_commit_callbacks):
    upgrade = UpgradeRequest.submit(environment=cast.company, by=cast.admin,
                                    subscription="professional", api_contract=True)
    url = f"/staff/upgrades/{upgrade.pk}/approve/"

    missing = sales.post(url, {"contract_reference": "", "answer": ""})
    assert missing.status_code == 400 and "Give the reference of the contract" in text(missing)

    with django_capture_on_commit_callbacks(execute=True):
        response = sales.post(url, {"contract_reference": "ACME-API-1", "answer": "Welcome!"})
        again = sales.post(url, {"contract_reference": "ACME-API-2", "answer": ""})

    # Sales sees the new contract's subscription key once, to hand it to the customer.
    assert response.status_code == 200 and again.status_code == 302
    assert "no-store" in response["Cache-Control"]
    key = re.search(r'<code class="user-select-all fs-5">([0-9a-f]{32})</code>',
                    text(response)).group(1)
    cast.company.refresh_from_db()
    assert cast.company.subscription == Subscription.PROFESSIONAL
    assert list(Contract.objects.values_list("reference", "api_rights")) == [
        ("ACME-API-1", True)]
    assert Contract.objects.get().subscription_key_hint == key[-4:]
    assert AuditEvent.objects.filter(action="upgrade.approved").count() == 1
    [told] = mails_to("admin@acme.nl")
    assert "now has the Professional subscription" in told.body
    assert "Welcome!" in told.body
    assert "Sales sends you its subscription key" in told.body
    assert f"{django_settings.PORTAL_URL}/subscription/" in told.body
    admin = sign_in(type(sales)(), cast.admin)
    dashboard = text(admin.get("/"))
    assert 'id="upgrade-status"' in dashboard and "Approved" in dashboard


def test_it_declines_with_the_reason_the_administrator_reads(
        cast, sales, django_capture_on_commit_callbacks):
    cast.admin.language = "nl"
    cast.admin.save()
    upgrade = UpgradeRequest.submit(environment=cast.company, by=cast.admin,
                                    subscription="basic")
    url = f"/staff/upgrades/{upgrade.pk}/decline/"

    assert sales.post(url, {"answer": " "}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        sales.post(url, {"answer": "Please call us first."})

    upgrade.refresh_from_db()
    assert upgrade.status == UpgradeRequest.Status.DECLINED
    cast.company.refresh_from_db()
    assert cast.company.subscription == Subscription.INVOICE_PORTAL
    [told] = mails_to(cast.admin.email)
    assert "Please call us first." in told.body and "afgewezen" in told.subject
    with pytest.raises(ChangeRefused):
        upgrade.approve(cast.sales)
    # Approving from a page opened before the decline says why nothing happened.
    stale = sales.post(f"/staff/upgrades/{upgrade.pk}/approve/", {"answer": "Welcome"})
    assert stale.status_code == 400
    assert re.search(r'id="decision-refused">[^<]*declined already', text(stale))
    admin = sign_in(type(sales)(), cast.admin)
    assert "Please call us first." in text(admin.get("/subscription/upgrade/"))


def test_it_reports_a_decision_on_the_dashboard_for_a_month(client, cast):
    upgrade = UpgradeRequest.submit(environment=cast.company, by=cast.admin,
                                    subscription="basic")
    upgrade.approve(cast.sales)
    sign_in(client, cast.admin)
    assert 'id="upgrade-status"' in text(client.get("/"))

    UpgradeRequest.objects.filter(pk=upgrade.pk).update(
        decided_at=timezone.now() - timedelta(days=31))
    assert 'id="upgrade-status"' not in text(client.get("/"))


@pytest.mark.django_db(transaction=True)
def test_it_decides_once_when_two_sales_people_approve_at_once(cast):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; the race is run on PostgreSQL")
    upgrade = UpgradeRequest.submit(environment=cast.company, by=cast.admin,
                                    subscription="professional", api_contract=True)
    barrier = threading.Barrier(2)
    decided, errors = [], []

    def approve(reference):
        try:
            barrier.wait()
            decided.append(UpgradeRequest.objects.get(pk=upgrade.pk).approve(
                cast.sales, contract_reference=reference))
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=approve, args=(f"API-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(decided) == [False, True]
    assert Contract.objects.count() == 1
    assert AuditEvent.objects.filter(action="upgrade.approved").count() == 1


def test_it_offers_no_request_once_the_environment_has_everything(client, cast, settings):
    settings.SUPPORT_EMAIL = "support@portal.example"
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save(update_fields=["subscription"])
    admin = sign_in(type(client)(), cast.admin)
    assert 'id="upgrade-form"' in text(admin.get("/subscription/upgrade/"))

    Contract.add(environment=cast.company, by=cast.sales, reference="C-ALL")
    page = text(admin.get("/subscription/upgrade/"))

    assert 'id="upgrade-form"' not in page and 'id="upgrade-nothing-more"' in page
    assert "Professional with a contract with API rights is the biggest subscription" in page
    assert "mailto:support@portal.example" in page
