"""Sorting the customer card list by its column headers, its export in the order shown, and
filter values it does not know."""

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import CustomerCard
from tests.conftest import sign_in, text
from tests.customers.conftest import make_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(org):
    now = timezone.now()
    return [
        make_card(org, name="Alpha Bakery", customer_number="30", peppol_registered=False,
                  peppol_checked_at=now - timedelta(days=2)),
        make_card(org, name="Beta Garage", customer_number="10", peppol_registered=True,
                  peppol_accepts_invoice=True, peppol_checked_at=now - timedelta(days=5)),
        make_card(org, name="Gamma Shop", customer_number="20"),
    ]


def order(client, org, query=""):
    page = text(client.get(f"/organizations/{org.pk}/customers/{query}"))
    found = {name: page.find(f">{name}<") for name in ("Alpha Bakery", "Beta Garage",
                                                       "Gamma Shop")}
    return [name for name, at in sorted(found.items(), key=lambda item: item[1]) if at >= 0]


def header(page: str, column: str) -> str:
    return re.search(rf'<th[^>]*data-sort="{column}".*?</th>', page, re.S).group(0)


def test_it_sorts_by_the_column_asked_for_either_way(client, cast, org, cards):
    sign_in(client, cast.admin)

    assert order(client, org) == ["Alpha Bakery", "Beta Garage", "Gamma Shop"]
    assert order(client, org, "?ordering=-name") == ["Gamma Shop", "Beta Garage", "Alpha Bakery"]
    assert order(client, org, "?ordering=number") == ["Beta Garage", "Gamma Shop", "Alpha Bakery"]
    assert order(client, org, "?ordering=-number") == [
        "Alpha Bakery", "Gamma Shop", "Beta Garage"]
    # Receives, cannot receive, not checked.
    assert order(client, org, "?ordering=reach") == ["Beta Garage", "Alpha Bakery", "Gamma Shop"]
    assert order(client, org, "?ordering=-reach") == [
        "Gamma Shop", "Alpha Bakery", "Beta Garage"]
    # The longest ago first, or the latest; never checked after the others either way.
    assert order(client, org, "?ordering=checked") == [
        "Beta Garage", "Alpha Bakery", "Gamma Shop"]
    assert order(client, org, "?ordering=-checked") == [
        "Alpha Bakery", "Beta Garage", "Gamma Shop"]


def test_it_makes_the_headers_links_that_turn_the_order_round(client, cast, org, cards):
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/customers/"

    page = client.get(f"{url}?q=a").content.decode()

    name = header(page, "name")
    assert 'aria-sort="ascending"' in name and "▲" in name
    assert 'href="?q=a&amp;ordering=-name"' in name
    assert "sorted ascending; sort Name descending" in name
    number = header(page, "number")
    assert 'aria-sort="none"' in number and 'href="?q=a&amp;ordering=number"' in number
    assert "sort by Customer number ascending" in number
    page = client.get(f"{url}?q=a&ordering=number&page=1").content.decode()
    number = header(page, "number")
    assert 'aria-sort="ascending"' in number
    assert 'href="?q=a&amp;ordering=-number"' in number  # back to the first page
    assert 'aria-sort="descending"' in header(
        client.get(f"{url}?ordering=-number").content.decode(), "number")
    assert 'aria-sort="none"' in header(
        client.get(f"{url}?ordering=-number").content.decode(), "name")


def test_it_keeps_the_order_in_the_filter_form_and_across_pages(client, cast, org):
    CustomerCard.objects.bulk_create(
        CustomerCard(organization=org, name=f"Customer {i:03d}", customer_number=f"{i:03d}")
        for i in range(60))
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/customers/?q=Customer&ordering=-number"

    first = text(client.get(url))
    assert "Customer 059" in first and "Customer 034" not in first
    assert 'name="ordering" value="-number"' in first
    assert "?q=Customer&ordering=-number&page=2" in first
    second = text(client.get(f"{url}&page=2"))
    assert "Customer 034" in second and "Customer 035" not in second
    # Sorting is no filter: the list is still the whole list.
    assert "Clear filters" not in text(client.get(
        f"/organizations/{org.pk}/customers/?ordering=-number"))


def test_it_breaks_ties_by_the_order_the_cards_were_added(client, cast, org):
    first = make_card(org, name="Same", customer_number="1")
    second = make_card(org, name="Same", customer_number="2")
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/customers/"

    def numbers(query):
        page = client.get(url + query).content.decode()
        return [card.customer_number for card in sorted(
            (first, second), key=lambda card: page.find(f"/customers/{card.pk}/"))]

    assert numbers("?ordering=name") == ["1", "2"]
    assert numbers("?ordering=-name") == ["2", "1"]
    assert numbers("?ordering=checked") == ["1", "2"]
    assert numbers("?ordering=-checked") == ["2", "1"]


def test_it_asks_the_database_as_often_sorted_by_any_column(client, cast, org):
    sign_in(client, cast.admin)
    CustomerCard.objects.bulk_create(
        CustomerCard(organization=org, name=f"Customer {i}", customer_number=str(i))
        for i in range(3))

    def count(query):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/organizations/{org.pk}/customers/{query}").status_code == 200
        return len(queries)

    few = {query: count(query) for query in ("", "?ordering=-reach", "?ordering=checked")}
    CustomerCard.objects.bulk_create(
        CustomerCard(organization=org, name=f"Customer {i}", customer_number=str(i))
        for i in range(3, 80))
    assert {query: count(query) for query in few} == few
    assert len(set(few.values())) == 1


def test_it_says_beside_the_field_which_filter_value_it_does_not_know(client, cast, org, cards):
    sign_in(client, cast.admin)

    response = client.get(f"/organizations/{org.pk}/customers/?reach=bogus&problems=maybe")

    assert response.status_code == 200
    page = text(response)
    # Nothing is listed, rather than a list that looks filtered; the errors are beside the
    # fields.
    assert "Nothing is listed while a filter is not valid" in page
    assert order(client, org, "?reach=bogus&problems=maybe") == []
    assert re.search(r'id="id_reach_error">Select a valid choice\. bogus', page)
    assert 'id="id_problems_error">“maybe” is not a value of this box' in page
    assert 'value="maybe"' not in page and 'id="id_problems" checked' not in page
    assert "Show all" in page
    assert order(client, org, "?problems=true") == ["Alpha Bakery"]


def test_it_says_so_when_it_does_not_know_an_order(client, cast, org, cards):
    sign_in(client, cast.admin)

    response = client.get(f"/organizations/{org.pk}/customers/?ordering=colour")

    assert response.status_code == 200
    assert "Order: Select a valid choice." in text(response)
    assert order(client, org, "?ordering=colour") == []


@pytest.fixture
def checked_at_different_times(org):
    """Cards checked a day, a week and a month ago, and two never checked, added (and
    numbered) in neither the order of their names nor of their checks."""
    now = timezone.now()
    for number, (name, days) in enumerate((("Week", 7), ("Never 1", None), ("Day", 1),
                                           ("Never 2", None), ("Month", 30)), start=1):
        make_card(org, name=name, customer_number=str(number),
                  peppol_checked_at=now - timedelta(days=days) if days else None)


def names_in_list(client, org, query):
    page = client.get(f"/organizations/{org.pk}/customers/{query}").content.decode()
    return re.findall(r'<td><a href="/customers/\d+/">([^<]+)</a>', page)


def export_link(client, org, query) -> str:
    page = client.get(f"/organizations/{org.pk}/customers/{query}").content.decode()
    return html.unescape(re.search(
        r'<a class="btn btn-outline-secondary" href="([^"]*/export/[^"]*)"', page).group(1))


def names_in_export(client, url):
    response = client.get(url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    exported = list(csv.reader(io.StringIO(content)))
    assert exported[0][1] == "name"
    return [row[1] for row in exported[1:]]


def test_it_puts_never_checked_cards_after_the_checked_ones_either_way(
        client, cast, org, checked_at_different_times):
    sign_in(client, cast.admin)

    assert names_in_list(client, org, "?ordering=-checked") == [
        "Day", "Week", "Month", "Never 2", "Never 1"]
    assert names_in_list(client, org, "?ordering=checked") == [
        "Month", "Week", "Day", "Never 1", "Never 2"]


@pytest.mark.parametrize("query, names", [
    ("", ["Day", "Month", "Never 1", "Never 2", "Week"]),
    ("?ordering=-checked", ["Day", "Week", "Month", "Never 2", "Never 1"]),
    ("?ordering=checked", ["Month", "Week", "Day", "Never 1", "Never 2"]),
    ("?q=e&ordering=-name", ["Week", "Never 2", "Never 1"]),
])
def test_it_exports_the_cards_in_the_order_the_list_shows(
        client, cast, org, checked_at_different_times, query, names):
    sign_in(client, cast.admin)

    link = export_link(client, org, query)

    assert names_in_list(client, org, query) == names
    assert names_in_export(client, link) == names


def test_it_lists_and_exports_nothing_while_a_filter_is_not_valid(
        client, cast, org, checked_at_different_times):
    sign_in(client, cast.admin)
    query = "?profile=bogus&ordering=-checked"

    response = client.get(f"/organizations/{org.pk}/customers/{query}")

    assert response.status_code == 200
    page = text(response)
    assert re.search(r'id="id_profile_error">Select a valid choice\. bogus', page)
    assert "Nothing is listed while a filter is not valid" in page
    assert 'id="customer-cards"' not in page and "Export CSV" not in page
    assert names_in_list(client, org, "?ordering=-checked") == [
        "Day", "Week", "Month", "Never 2", "Never 1"]
    assert names_in_export(client, f"/organizations/{org.pk}/customers/export/{query}") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
@pytest.mark.parametrize("ordering", ["checked", "-checked"])
def test_it_reads_a_page_sorted_by_last_checked_from_an_index(org, cards, ordering):
    from customers.filters import CardFilter

    filtered = CardFilter({"ordering": ordering}, profiles=org.sending_profiles.all(),
                          queryset=org.customer_cards.all())
    assert filtered.is_valid()
    with connection.cursor() as cursor:
        # With a few rows the planner would rather sort; forbidding it shows whether an index
        # gives this order at all (a plan that must sort still sorts).
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")
        try:
            plan = filtered.qs[:25].explain()
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")
    # An incremental sort only breaks ties within rows the index already gave in order.
    assert not re.search(r"^\s*(->\s*)?Sort\s+\(", plan, re.M), plan
