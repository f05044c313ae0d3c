import hashlib
import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from onboarding.models import AuditEvent, Contract, Subscription, has_api_contract
from tests.conftest import enable_totp, make_environment, sign_in, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(client, cast):
    enable_totp(cast.sales)
    client.force_login(cast.sales)
    return client


def test_it_lists_environments_with_their_subscription(sales, cast):
    page = sales.get("/staff/subscriptions/", {"q": "numbers"}).content.decode()
    assert "Numbers Accountants" in page and "Professional" in page
    assert "Acme" not in page

    page = sales.get("/staff/subscriptions/", {"subscription": "invoice_portal"}).content.decode()
    assert "Acme" in page and "Numbers Accountants" not in page


def test_it_finds_an_environment_by_a_users_address_and_counts_its_contracts_once(sales,
                                                                                   cast):
    Contract.add(environment=cast.company, by=cast.sales, reference="C-1")
    # Acme has two users: a search that may match through them still counts one contract.
    for query in ("basic@acme", "acme"):
        found = sales.get("/staff/subscriptions/", {"q": query}).context["page"].object_list
        assert [(e.name, e.current_contracts) for e in found] == [("Acme", 1)], query


def test_it_pages_the_environments_and_keeps_the_search(sales, cast):
    for number in range(30):
        make_environment(f"shop{number:02d}.nl", name=f"Shop {number:02d}")

    first = sales.get("/staff/subscriptions/", {"q": "shop"})
    second = sales.get("/staff/subscriptions/", {"q": "shop", "page": 2})

    assert len(first.context["page"].object_list) == 25
    assert "?q=shop&page=2" in first.content.decode()
    assert [e.name for e in second.context["page"].object_list] == [
        "Shop 25", "Shop 26", "Shop 27", "Shop 28", "Shop 29"]


def test_it_lets_sales_change_the_subscription_with_an_audit_event(sales, cast):
    response = sales.post(f"/staff/subscriptions/{cast.company.pk}/",
                          {"subscription": "professional"}, follow=True)

    assert "Acme now has the Professional subscription." in response.content.decode()
    cast.company.refresh_from_db()
    assert cast.company.subscription == Subscription.PROFESSIONAL
    event = AuditEvent.objects.get(action="environment.subscription_changed")
    assert event.environment == cast.company and event.actor == cast.sales
    assert event.before == {"subscription": "invoice_portal"}
    assert event.after == {"subscription": "professional"}

    bad = sales.post(f"/staff/subscriptions/{cast.company.pk}/", {"subscription": "gold"})
    assert bad.status_code == 400
    assert AuditEvent.objects.filter(action="environment.subscription_changed").count() == 1
    [told] = [m for m in mail.outbox if m.to == [cast.admin.email]]
    assert told.subject == "[Peppol portal] Acme now has the Professional subscription"
    assert "Sales changed the subscription of Acme from Invoice Portal to Professional." \
        in told.body
    assert f"{django_settings.PORTAL_URL}/subscription/" in told.body


def test_it_asks_sales_before_a_downgrade_that_stops_keys_and_tells_the_administrators(
        sales, cast):
    from onboarding.models import AuthorisationRequest, ConnectionKey, Organization

    cast.company.subscription = Subscription.BASIC
    cast.company.save()
    for number in ("12345678", "23456789", "34567890"):
        org = Organization.create(environment=cast.company, by=cast.admin,
                                  name=f"Org {number}", registry_number=number)
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
    ConnectionKey.issue(organization=org, software="afas", by=cast.admin)
    # Acme sends authorisation requests, which the free plan has not.
    AuthorisationRequest.send(environment=cast.company, by=cast.admin, client_name="Bea",
                              client_email="owner@bakery.nl", software="afas",
                              registry_number="11223344")
    url = f"/staff/subscriptions/{cast.company.pk}/"

    asked = text(sales.post(url, {"subscription": "invoice_portal"}))

    losses = asked.split('id="subscription-losses">')[1].split("</ul>")[0]
    assert "1 connection key stops working" in losses and "(AFAS)" in losses
    assert "Acme has 3 organizations and may keep them, but cannot add more" in losses
    assert "Acme can no longer send authorisation requests to clients." in losses
    cast.company.refresh_from_db()
    assert cast.company.subscription == Subscription.BASIC
    assert mail.outbox == []

    cast.admin.language = "nl"
    cast.admin.save(update_fields=["language"])
    sales.post(url, {"subscription": "invoice_portal", "confirmed": "1"})

    cast.company.refresh_from_db()
    assert cast.company.subscription == Subscription.INVOICE_PORTAL
    # In the administrator's language, not Sales'.
    [told] = [m for m in mail.outbox if m.to == [cast.admin.email]]
    assert "- 1 verbindingssleutel werkt niet meer" in told.body
    assert "- Acme kan geen machtigingsverzoeken meer naar cliënten sturen." in told.body


def test_it_changes_a_downgrade_that_takes_nothing_away_at_once(sales, cast):
    cast.company.subscription = Subscription.BASIC
    cast.company.save()

    sales.post(f"/staff/subscriptions/{cast.company.pk}/", {"subscription": "invoice_portal"})

    cast.company.refresh_from_db()
    assert cast.company.subscription == Subscription.INVOICE_PORTAL


def test_it_changes_an_upgrade_at_once(sales, cast):
    sales.post(f"/staff/subscriptions/{cast.company.pk}/", {"subscription": "basic"})

    cast.company.refresh_from_db()
    assert cast.company.subscription == Subscription.BASIC


def test_it_adds_a_contract_with_a_subscription_key(sales, cast):
    response = sales.post(f"/staff/subscriptions/{cast.accountancy.pk}/contracts/", {
        "reference": "C-2025-017", "api_rights": "on",
        "starts_on": timezone.localdate().isoformat(),
    }, follow=True)

    contract = Contract.objects.get(environment=cast.accountancy)
    assert contract.reference == "C-2025-017" and contract.api_rights
    assert contract.created_by == cast.sales and contract.is_current
    key = re.search(r'<code class="user-select-all fs-5">([0-9a-f]{32})</code>',
                    response.content.decode()).group(1)
    assert response.redirect_chain == [] and "no-store" in response["Cache-Control"]
    # Stored as a digest, shown once; the list keeps only the last characters.
    assert contract.subscription_key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert contract.subscription_key_hint == key[-4:]
    page = text(sales.get(f"/staff/subscriptions/{cast.accountancy.pk}/"))
    assert key not in page and f"entered by {cast.sales.email} on" in page
    assert AuditEvent.objects.get(action="contract.added").environment == cast.accountancy
    assert has_api_contract(cast.accountancy)


def test_it_fills_in_todays_date_for_the_browsers_date_picker_in_dutch_too(sales, cast):
    sales.post("/language/", {"language": "nl", "next": "/"})

    page = text(sales.get(f"/staff/subscriptions/{cast.accountancy.pk}/"))

    # The picker takes only ISO dates; the Dutch 06-12-2026 would leave it empty.
    field = re.search(r'<input type="date" name="starts_on"[^>]*>', page).group(0)
    assert f'value="{timezone.localdate().isoformat()}"' in field


def test_it_says_when_a_contract_was_entered_where_nobody_is_named(sales, cast):
    Contract.add(environment=cast.accountancy, by=None, reference="C-IMPORTED")
    page = text(sales.get(f"/staff/subscriptions/{cast.accountancy.pk}/"))
    row = re.sub(r"<[^>]+>|\s+", " ", page.split("C-IMPORTED")[1].split("</td>")[0])
    assert row.split()[:3] == ["running", "entered", "on"] and "entered by" not in page


def test_it_refuses_a_contract_that_ends_before_it_starts(sales, cast):
    today = timezone.localdate()
    response = sales.post(f"/staff/subscriptions/{cast.company.pk}/contracts/", {
        "reference": "C-1", "starts_on": today.isoformat(),
        "ends_on": (today - timedelta(days=1)).isoformat(),
    })
    assert response.status_code == 400
    assert 'id="error_1_id_ends_on"' in response.content.decode()
    assert not Contract.objects.exists()


def test_it_refuses_a_second_contract_with_the_same_reference_beside_the_field(sales, cast):
    Contract.add(environment=cast.company, by=cast.sales, reference="C-7")
    today = timezone.localdate()
    response = sales.post(f"/staff/subscriptions/{cast.company.pk}/contracts/", {
        "reference": " c-7 ", "starts_on": today.isoformat()})
    assert response.status_code == 400
    assert 'id="error_1_id_reference"' in response.content.decode()
    assert "has a contract with reference c-7 already" in text(response)
    assert Contract.objects.count() == 1
    # Another environment's references are its own.
    Contract.add(environment=cast.accountancy, by=cast.sales, reference="C-7")


def test_it_ends_a_contract_and_with_it_api_access(sales, cast):
    start = timezone.localdate() - timedelta(days=30)
    contract = Contract.add(environment=cast.accountancy, by=cast.sales, reference="C-9",
                            starts_on=start)
    yesterday = timezone.localdate() - timedelta(days=1)

    url = f"/staff/contracts/{contract.pk}/end/"

    asked = text(sales.post(url, {"ends_on": yesterday.isoformat()}))
    contract.refresh_from_db()
    assert contract.ends_on is None and "End contract C-9?" in asked
    assert "the 4PS software of Numbers Accountants" in asked
    sales.post(url, {"ends_on": yesterday.isoformat(), "confirmed": "1"})

    contract.refresh_from_db()
    assert contract.ends_on == yesterday and not contract.is_current
    assert not has_api_contract(cast.accountancy)
    assert AuditEvent.objects.get(action="contract.ended").after == {
        "ends_on": yesterday.isoformat()}
    # Confirmed in a second tab, read before the first confirmation: the same day, once.
    stale = Contract.objects.get(pk=contract.pk)
    stale.ends_on = None
    stale.end(cast.sales, yesterday)
    assert stale.ends_on == yesterday
    assert AuditEvent.objects.filter(action="contract.ended").count() == 1

    too_early = sales.post(url, {"ends_on": (start - timedelta(days=1)).isoformat(),
                                 "confirmed": "1"}, follow=True)
    assert "cannot end before it starts" in too_early.content.decode()
    # Said before the confirmation, which could only be refused.
    asked_too_early = sales.post(url, {"ends_on": (start - timedelta(days=1)).isoformat()},
                                 follow=True)
    assert "cannot end before it starts" in asked_too_early.content.decode()
    assert "End contract C-9?" not in asked_too_early.content.decode()
    # A later day moves the end, and the question says so.
    later = timezone.localdate() + timedelta(days=10)
    moved = text(sales.post(url, {"ends_on": later.isoformat()}))
    assert re.search(r'id="end-moves">Its last day moves from .+ to .+\.<', moved)


def test_it_needs_professional_and_a_running_contract_with_api_rights_for_the_api(cast):
    today = timezone.localdate()
    env = cast.accountancy  # Professional
    assert not has_api_contract(env)
    Contract.add(environment=env, by=cast.sales, reference="no api", api_rights=False)
    assert not has_api_contract(env)
    Contract.add(environment=env, by=cast.sales, reference="later",
                 starts_on=today + timedelta(days=5))
    assert not has_api_contract(env)
    Contract.add(environment=cast.company, by=cast.sales, reference="basic")
    assert not has_api_contract(cast.company)  # Invoice Portal, however signed
    Contract.add(environment=env, by=cast.sales, reference="now")
    assert has_api_contract(env)


def test_it_shows_administrators_their_subscription_and_contracts_read_only(client, cast):
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    contract = Contract.add(environment=cast.company, by=cast.sales, reference="ACME-1")
    Contract.add(environment=cast.accountancy, by=cast.sales, reference="C-42")
    sign_in(client, cast.admin)

    page = client.get("/subscription/").content.decode()

    assert "Professional" in page and "ACME-1" in page
    assert f"…{contract.subscription_key_hint}" in page
    assert contract.issued_subscription_key not in page
    assert "4PS Construct may connect with connection keys." in page
    assert "AFAS may connect with connection keys." in page
    assert "C-42" not in page
    assert "<form" not in page.split('<main id="main"')[1].split("</main>")[0]
    assert 'href="/subscription/"' in page  # in the navigation


def test_it_keeps_the_subscription_page_for_administrators(client, cast):
    Contract.add(environment=cast.company, by=cast.sales, reference="ACME-1")
    client.force_login(cast.basic)
    assert client.get("/subscription/").status_code == 403
    assert 'href="/subscription/"' not in client.get("/").content.decode()
    client.force_login(cast.outsider)
    assert "ACME-1" not in client.get("/subscription/").content.decode()


def test_it_keeps_sales_and_techsupport_to_their_own_pages(client, cast):
    enable_totp(cast.sales)
    contract = Contract.add(environment=cast.company, by=cast.sales, reference="ACME-1")
    sales_urls = ["/staff/subscriptions/", f"/staff/subscriptions/{cast.company.pk}/"]
    client.force_login(cast.techsupport)
    for url in sales_urls:
        refused = client.get(url)
        assert refused.status_code == 403 and "This page is for Sales." in text(refused)
    assert client.post(f"/staff/contracts/{contract.pk}/end/").status_code == 403
    client.force_login(cast.admin)
    for url in sales_urls:
        assert client.get(url).status_code == 404
    client.force_login(cast.sales)
    assert "This page is for TechSupport." in text(client.get("/staff/activations/"))
    assert client.get("/staff/subscriptions/").status_code == 200
    staff_home = client.get("/staff/").content.decode()
    assert "/staff/subscriptions/" in staff_home and "/staff/activations/" not in staff_home


def test_it_sends_sales_without_mfa_to_set_it_up(client, cast):
    client.force_login(cast.sales)
    response = client.get("/staff/subscriptions/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/"


@pytest.mark.parametrize("subscription,may,may_not", [
    (Subscription.INVOICE_PORTAL, [],
     ["AFAS needs at least a Basic subscription", "Accept needs at least a Basic subscription",
      "4PS Construct needs a Professional subscription and a contract with API rights."]),
    (Subscription.BASIC, ["AFAS", "Accept", "Other software"],
     ["4PS Construct needs a Professional subscription and a contract with API rights.",
      "4PS Business Central needs a Professional subscription and a contract"]),
    (Subscription.PROFESSIONAL, ["AFAS", "Accept"],
     ["4PS Business Central needs a Professional subscription and a contract"]),
])
def test_it_tells_administrators_which_software_their_plan_lets_connect(
        client, cast, subscription, may, may_not):
    cast.company.subscription = subscription
    cast.company.save()
    sign_in(client, cast.admin)

    page = " ".join(client.get("/subscription/").content.decode().split())

    for software in may:
        assert f"{software} may connect with connection keys." in page
    for refusal in may_not:
        assert refusal in page
    assert "No API access" not in page
