from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import CardRules, CustomerCard
from tests.conftest import sign_in, text
from tests.customers.conftest import make_card, make_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(org):
    profile = make_profile(org, "eConnect")
    now = timezone.now()
    return {
        "ok": make_card(org, name="Alpha Bakery", customer_number="A1", sending_profile=profile,
                        peppol_registered=True, peppol_accepts_invoice=True,
                        peppol_checked_at=now, invoice_email="ap@alpha.nl"),
        "gone": make_card(org, name="Beta Garage", customer_number="B2",
                          endpoint_scheme="0088", endpoint_value="1234567890128",
                          peppol_registered=False, peppol_checked_at=now - timedelta(days=90)),
        "blank": make_card(org, name="Gamma Shop", customer_number="C3", endpoint_scheme="",
                           endpoint_value="", buyer_reference_source=""),
    }


def names(client, url):
    page = text(client.get(url))
    return [name for name in ("Alpha Bakery", "Beta Garage", "Gamma Shop") if name in page]


def test_it_lists_cards_with_endpoint_profile_reachability_and_problems(client, cast, org, cards):
    sign_in(client, cast.admin)

    page = text(client.get(f"/organizations/{org.pk}/customers/"))

    assert "3 customers" in page
    assert "0106:12345678" in page and "eConnect" in page
    assert 'data-peppol="reachable"' in page and 'data-peppol="not-registered"' in page
    assert "data-peppol-stale" in page
    assert "No Endpoint-ID" in page and "No source for the BuyerReference" in page
    assert "Not on Peppol" in page


def test_it_searches_by_name_number_email_and_endpoint_id(client, cast, org, cards):
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/customers/"

    assert names(client, f"{url}?q=garage") == ["Beta Garage"]
    assert names(client, f"{url}?q=C3") == ["Gamma Shop"]
    assert names(client, f"{url}?q=ap@alpha") == ["Alpha Bakery"]
    assert names(client, f"{url}?q=0088:12345") == ["Beta Garage"]
    assert names(client, f"{url}?q=7890128") == ["Beta Garage"]
    assert names(client, f"{url}?q=0106:1234") == ["Alpha Bakery"]


def test_it_filters_by_reachability(client, cast, org, cards):
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/customers/"

    assert names(client, f"{url}?reach=reachable") == ["Alpha Bakery"]
    assert names(client, f"{url}?reach=not_reachable") == ["Beta Garage"]
    assert names(client, f"{url}?reach=not_checked") == ["Gamma Shop"]
    assert names(client, f"{url}?reach=stale") == ["Beta Garage"]


def test_it_filters_by_profile(client, cast, org, cards):
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/customers/"
    profile = cards["ok"].sending_profile

    assert names(client, f"{url}?profile={profile.pk}") == ["Alpha Bakery"]
    assert names(client, f"{url}?profile=none") == ["Beta Garage", "Gamma Shop"]


def test_it_lists_the_cards_that_would_fail_when_sending(client, cast, org, cards):
    sign_in(client, cast.admin)

    assert names(client, f"/organizations/{org.pk}/customers/?problems=on") == [
        "Beta Garage", "Gamma Shop"]


def test_it_counts_a_card_without_profile_as_a_problem_only_without_a_default(org, cards):
    reachable_without_profile = make_card(org, name="Delta", customer_number="D4",
                                          peppol_registered=True, peppol_accepts_invoice=True)
    with_profiles = CardRules(profiles=True)

    assert reachable_without_profile in CustomerCard.objects.with_problems(with_profiles)
    assert reachable_without_profile.problems(with_profiles) == [
        "No sending profile, and no default"]
    with_default = CardRules(profiles=True, default_profile=True)
    assert reachable_without_profile not in CustomerCard.objects.with_problems(with_default)
    assert reachable_without_profile.problems(with_default) == []


def test_it_asks_for_profile_and_buyer_reference_only_of_an_organization_with_profiles(
        client, cast, org):
    make_card(org, name="Alpha Bakery", customer_number="A1", buyer_reference_source="",
              einvoicing_method="e_connection")
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/customers/"

    assert "Alpha Bakery" not in text(client.get(f"{url}?problems=on"))
    make_profile(org, "eConnect")
    page = text(client.get(f"{url}?problems=on"))
    assert "Alpha Bakery" in page
    assert "No source for the BuyerReference" in page
    assert "E-invoicing by eVerbinding, not by sending profile" in page


def test_it_lists_problems_as_a_setup_checks_the_cards(client, cast, org):
    make_card(org, name="Alpha Bakery", customer_number="A1", endpoint_scheme="0088",
              endpoint_value="8712345000004")
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/customers/?problems=on"

    assert "Alpha Bakery" not in text(client.get(url))
    page = text(client.get(f"{url}&setup=accept"))
    assert "Problems as the Accept setup checks the cards." in page
    assert "Endpoint-ID in scheme 0088; the software fills in only 0106, 0190" in page
    assert 'name="setup" value="accept"' in client.get(f"{url}&setup=accept").content.decode()


def test_it_lists_nothing_for_a_filter_value_it_does_not_know(client, cast, org, cards):
    sign_in(client, cast.admin)

    response = client.get(f"/organizations/{org.pk}/customers/?reach=maybe&profile=x&page=zz")

    assert response.status_code == 200
    assert "Nothing is listed while a filter is not valid" in text(response)
    assert "3 customers" in text(client.get(f"/organizations/{org.pk}/customers/?page=zz"))


def test_it_pages_with_the_filters_kept(client, cast, org):
    CustomerCard.objects.bulk_create(
        CustomerCard(organization=org, name=f"Customer {i:03d}", customer_number=str(i))
        for i in range(60))
    sign_in(client, cast.admin)

    page = text(client.get(f"/organizations/{org.pk}/customers/?q=Customer&page=2"))

    assert "Customer 025" in page and "Customer 024" not in page
    assert "?q=Customer&page=3" in client.get(
        f"/organizations/{org.pk}/customers/?q=Customer&page=2").content.decode()


def test_it_asks_the_database_as_often_for_many_cards_as_for_few(client, cast, org):
    profile = make_profile(org)
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/customers/?q=Customer&problems=on"
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    CustomerCard.objects.bulk_create(
        CustomerCard(organization=org, name=f"Customer {i}", customer_number=str(i),
                     sending_profile=profile if i % 2 else None) for i in range(3))
    few = count()
    CustomerCard.objects.bulk_create(
        CustomerCard(organization=org, name=f"Customer {i}", customer_number=str(i),
                     sending_profile=profile if i % 2 else None) for i in range(3, 80))
    assert count() == few


def test_it_keeps_other_organizations_cards_out(client, cast, org, client_org):
    make_card(client_org, name="Elsewhere BV")
    make_card(org, name="Here BV", customer_number="2")
    sign_in(client, cast.admin)

    page = text(client.get(f"/organizations/{org.pk}/customers/"))

    assert "Here BV" in page and "Elsewhere BV" not in page
    assert client.get(f"/organizations/{client_org.pk}/customers/").status_code == 404


def test_it_lists_the_organizations_to_choose_from(client, cast, org):
    make_card(org)
    sign_in(client, cast.admin)

    page = client.get("/customers/").content.decode()

    assert "Acme Trading BV" in page and f"/organizations/{org.pk}/customers/" in page
    assert 'href="/customers/"' in page  # the navigation's Customers item
    # With the number of cards each keeps.
    row = page.split(f'href="/organizations/{org.pk}/customers/"')[1].split("</tr>")[0]
    assert '<td class="text-end">1</td>' in row
