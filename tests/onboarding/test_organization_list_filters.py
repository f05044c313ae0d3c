"""An environment's organization list (/organizations/): filtered by status and by receiving
as well as searched, its total said above the rows, and a filter value it does not know
listing nothing with the error beside the field."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onboarding.models import Organization, Subscription
from portal.pagination import PAGE_SIZE
from tests.conftest import sign_in, text
from tests.onboarding.test_staff_lists import total

pytestmark = pytest.mark.django_db

Status = Organization.Status
Receiving = Organization.ReceiveDecision


def make(cast, name, status=Status.DRAFT, receiving=Receiving.UNDECIDED):
    org = Organization.create(environment=cast.company, by=cast.admin, name=name,
                              registry_number="")
    Organization.objects.filter(pk=org.pk).update(status=status, receive_decision=receiving)
    return org


@pytest.fixture
def listed(client, cast):
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    make(cast, "Draft BV")
    make(cast, "Waiting BV", Status.PENDING)
    make(cast, "Also Waiting BV", Status.PENDING, Receiving.ENABLED)
    make(cast, "Receiving BV", Status.ACTIVE, Receiving.ENABLED)
    make(cast, "Silent BV", Status.ACTIVE, Receiving.DECLINED)
    sign_in(client, cast.admin)

    def shown(**query) -> list[str]:
        response = client.get("/organizations/", query)
        assert response.status_code == 200
        found = re.search(r'<table[^>]*id="organizations".*?</table>', text(response), re.S)
        return re.findall(r'<a href="/organizations/\d+/">([^<]+)</a>',
                          found.group(0)) if found else []

    return shown


def test_it_filters_the_organizations_by_status(listed):
    assert listed() == ["Also Waiting BV", "Draft BV", "Receiving BV", "Silent BV",
                        "Waiting BV"]
    assert listed(status="pending") == ["Also Waiting BV", "Waiting BV"]
    assert listed(status="active") == ["Receiving BV", "Silent BV"]
    assert listed(status="rejected") == []
    assert listed(status="pending", q="also") == ["Also Waiting BV"]


def test_it_filters_the_organizations_by_receiving(listed):
    assert listed(receiving="enabled") == ["Also Waiting BV", "Receiving BV"]
    assert listed(receiving="declined") == ["Silent BV"]
    assert listed(receiving="undecided") == ["Draft BV", "Waiting BV"]
    assert listed(status="active", receiving="enabled") == ["Receiving BV"]


def test_it_offers_status_and_receiving_in_the_filter_bar(client, listed):
    page = client.get("/organizations/", {"status": "pending"}).content.decode()
    bar = re.search(r'<form [^>]*id="organization-filter".*?</form>', page, re.S).group(0)
    assert '<option value="pending" selected>Pending activation</option>' in bar
    assert '<option value="">Any status</option>' in bar
    assert '<option value="enabled">Receiving on</option>' in bar
    assert '<option value="" selected>On, off or not decided</option>' in bar


def test_it_says_how_many_organizations_the_list_has(client, cast, listed):
    assert total(client.get("/organizations/")) == "5 organizations"
    assert total(client.get("/organizations/", {"status": "active",
                                                 "receiving": "declined"})) \
        == "1 organization · Clear filters"
    for number in range(PAGE_SIZE):
        make(cast, f"More {number:02d} BV")
    response = client.get("/organizations/")
    assert total(response) == f"{PAGE_SIZE + 5} organizations"
    assert "Page 1 of 2" in text(response)


def test_it_says_when_valid_filters_find_no_organization(client, listed):
    page = text(client.get("/organizations/", {"status": "rejected"}))
    assert 'id="filter-none-match">No organizations match these filters. ' \
           '<a href="?">Clear filters</a>' in page
    # The filter bar stays, to change the filter.
    assert 'id="organization-filter"' in page
    assert "No organizations match “nothing”." in text(
        client.get("/organizations/", {"q": "nothing"}))


@pytest.mark.parametrize(("query", "field"), [({"status": "sleeping"}, "status"),
                                               ({"receiving": "maybe"}, "receiving"),
                                               ({"q": "x" * 201}, "q")])
def test_it_lists_nothing_while_a_filter_is_not_valid(client, listed, query, field):
    response = client.get("/organizations/", query)
    page = text(response)

    assert response.status_code == 200 and listed(**query) == []
    assert re.search(rf'<div class="invalid-feedback d-block" id="id_{field}_error">\S', page)
    assert 'id="list-total"' not in page
    assert 'id="filter-invalid">Nothing is listed while a filter is not valid: correct it ' \
           'above. <a href="?">Clear filters</a>' in page


def test_it_lists_filtered_organizations_with_the_same_queries_for_one_or_many(client, cast,
                                                                                 listed):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/organizations/", {"status": "active",
                                                       "receiving": "declined"})
        assert response.context["page"].object_list
        return len(captured)

    one = queries()
    for number in range(12):
        make(cast, f"Quiet {number:02d} BV", Status.ACTIVE, Receiving.DECLINED)
    assert queries() == one
