"""The paged staff lists: the identifiers to verify are searched and filtered by scheme, every
list says how many rows it has in all, a filter value the list does not know lists nothing
with its error beside the field and a way to clear it, and a page costs the same queries
whether the list has one row or many."""

import html
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onboarding.models import (
    EntraIdentity,
    Environment,
    Organization,
    OrganizationIdentifier,
    PartyLinkRequest,
    Subscription,
    UpgradeRequest,
)
from onboarding.models.entra import PartyLinkRequestItem
from portal.pagination import PAGE_SIZE
from tests.conftest import enable_totp, make_user, text

pytestmark = pytest.mark.django_db

ACTIVE = Organization.Status.ACTIVE
PENDING = Organization.Status.PENDING
numbers = itertools.count(1)


def organizations(cast, count, *, status=ACTIVE, prefix="Org"):
    """`count` organizations of the company, named "<prefix> 00 BV" and on."""
    made = []
    for n in range(count):
        number = next(numbers)
        made.append(Organization.objects.create(
            environment=cast.company, name=f"{prefix} {n:02d} BV", status=status,
            company_id=f"XCNL{90000000 + number}", registry_number=f"{30000000 + number}"))
    return made


def waiting_identifiers(cast, count, *, scheme="0088", prefix="Org"):
    """`count` identifiers of active organizations, waiting for TechSupport, in `scheme`."""
    made = []
    for organization in organizations(cast, count, prefix=prefix):
        value = (f"87{organization.pk:011d}" if scheme == "0088"
                 else f"NL{organization.pk:09d}B01")
        made.append(OrganizationIdentifier.objects.create(
            organization=organization, scheme=scheme, value=value))
    return made


def environments(cast, count):
    for n in range(count):
        Environment.objects.create(name=f"Many {n:02d}", domain=f"many{next(numbers)}.nl")


def party_link_requests(cast, count):
    for n in range(count):
        number = next(numbers)
        user = make_user(f"entra{number}@acme.nl")
        identity = EntraIdentity.objects.create(tenant_id=f"tenant-{number}",
                                                object_id=f"object-{number}", user=user,
                                                username=f"entra{number}@acme.nl")
        link_request = PartyLinkRequest.objects.create(
            identity=identity, environment=cast.company, broker="production",
            entra_username=f"entra{number}@acme.nl")
        PartyLinkRequestItem.objects.create(request=link_request, name=f"Asked {n:02d} BV",
                                            registry_number=f"{40000000 + number}")


def upgrade_requests(cast, count):
    for n in range(count):
        environment = Environment.objects.create(name=f"Upgrading {n:02d}",
                                                 domain=f"up{next(numbers)}.nl")
        UpgradeRequest.objects.create(environment=environment, requested_by=cast.admin,
                                      subscription=Subscription.BASIC)


def staff(client, cast, who="techsupport"):
    user = getattr(cast, who)
    if who == "sales":
        enable_totp(user)
    client.force_login(user)
    return client


def table(response) -> str:
    match = re.search(r"<table.*?</table>", text(response), re.S)
    return match.group(0) if match else ""


def total(response) -> str:
    """What the line above the rows says, as the user reads it."""
    match = re.search(r'<p [^>]*id="list-total">(.*?)</p>', response.content.decode(), re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).split()) \
        if match else ""


def identifiers_shown(client, **query) -> list[str]:
    response = client.get("/staff/identifiers/", query)
    assert response.status_code == 200
    return re.findall(r"<code>(\d{4}:[^<]+)</code>", table(response))


# -- 1. the identifiers to verify: search and filter --------------------------------------


def test_it_finds_identifiers_to_verify_by_organization_company_id_and_value(client, cast):
    gln, other_gln = waiting_identifiers(cast, 2, prefix="Bakkerij")
    [vat] = waiting_identifiers(cast, 1, scheme="9944", prefix="Garage")
    staff(client, cast)

    everything = {str(gln), str(other_gln), str(vat)}
    assert set(identifiers_shown(client)) == everything
    assert identifiers_shown(client, q="garage") == [str(vat)]
    assert identifiers_shown(client, q=gln.organization.company_id) == [str(gln)]
    assert identifiers_shown(client, q=gln.organization.registry_number) == [str(gln)]
    assert identifiers_shown(client, q=vat.value[-6:].lower()) == [str(vat)]
    # Whole, as a customer quotes it or SMP writes it.
    assert identifiers_shown(client, q=str(other_gln)) == [str(other_gln)]
    assert identifiers_shown(client, q=f"iso6523-actorid-upis::{gln}") == [str(gln)]
    assert identifiers_shown(client, q=f"9944:{gln.value}") == []
    assert identifiers_shown(client, scheme="9944") == [str(vat)]
    assert set(identifiers_shown(client, scheme="0088")) == {str(gln), str(other_gln)}
    assert identifiers_shown(client, q="bakkerij", scheme="9944") == []
    # A scheme of the code list that the queue does not hold now is no error.
    assert identifiers_shown(client, scheme="0190") == []


def test_it_offers_the_search_and_the_schemes_in_the_filter_bar(client, cast):
    waiting_identifiers(cast, 1)
    staff(client, cast)
    page = client.get("/staff/identifiers/", {"scheme": "9944"}).content.decode()
    bar = re.search(r'<form [^>]*id="identifier-filter".*?</form>', page, re.S).group(0)
    assert 'type="search"' in bar and 'name="q"' in bar
    assert re.search(r'<option value="9944" selected>', bar)
    assert '<option value="">Any scheme</option>' in bar
    assert "No identifier to verify matches these filters." in page
    assert re.search(r'id="filter-none-match">.*<a href="\?">Clear filters</a>', page)


def test_it_keeps_the_identifier_filters_on_the_next_page(client, cast):
    waiting_identifiers(cast, PAGE_SIZE + 2)
    waiting_identifiers(cast, 3, scheme="9944", prefix="Vat")
    staff(client, cast)

    first = client.get("/staff/identifiers/", {"q": "org", "scheme": "0088"})
    next_link = re.search(r'href="([^"]*)" rel="next"', first.content.decode()).group(1)
    second = client.get(f"/staff/identifiers/{next_link}")

    assert next_link == "?q=org&scheme=0088&page=2"
    assert len(identifiers_shown(client, q="org", scheme="0088", page=2)) == 2
    assert all(shown.startswith("0088:") for shown in re.findall(
        r"<code>(\d{4}:[^<]+)</code>", table(second)))


def test_it_returns_to_the_filtered_queue_after_a_decision(client, cast):
    gln, other = waiting_identifiers(cast, 2)
    waiting_identifiers(cast, 1, scheme="9944", prefix="Vat")
    staff(client, cast)

    page = client.get("/staff/identifiers/", {"scheme": "0088"}).content.decode()
    action = re.search(rf'action="(/staff/identifiers/{gln.pk}/verify/[^"]*)"', page).group(1)
    response = client.post(html.unescape(action))

    assert response.status_code == 302
    assert response["Location"] == "/staff/identifiers/?scheme=0088"
    gln.refresh_from_db()
    assert gln.is_verified
    assert identifiers_shown(client, scheme="0088") == [str(other)]
    # A rejection without its reason shows the filtered queue again, the error beside it.
    refused = client.post(f"/staff/identifiers/{other.pk}/reject/?scheme=0088", {"reason": ""})
    assert refused.status_code == 400
    assert re.findall(r"<code>(\d{4}:[^<]+)</code>", table(refused)) == [str(other)]
    assert f'id="reason-{other.pk}-error"' in refused.content.decode()


# -- 3. every paged staff list says how many it holds ---------------------------------------


@pytest.mark.parametrize(("url", "who", "make", "query", "one", "many"), [
    ("/staff/", "techsupport", environments, {"q": "many 00"}, "1 environment",
     "{n} environments"),
    ("/staff/organizations/", "techsupport", organizations, {"q": "org 00"},
     "1 organization", "{n} organizations"),
    ("/staff/activations/", "techsupport",
     lambda cast, n: organizations(cast, n, status=PENDING), {"q": "org 00"},
     "1 organization waiting", "{n} organizations waiting"),
    ("/staff/identifiers/", "techsupport", waiting_identifiers, {"q": "org 00"},
     "1 identifier to verify", "{n} identifiers to verify"),
    ("/staff/party-links/", "techsupport", party_link_requests, {"q": "asked 00"},
     "1 request", "{n} requests"),
    ("/staff/upgrades/", "sales", upgrade_requests, {}, "1 request", "{n} requests"),
    ("/staff/subscriptions/", "sales", environments, {"q": "many 00"}, "1 environment",
     "{n} environments"),
])
def test_it_says_how_many_rows_a_staff_list_has_in_all(client, cast, url, who, make, query,
                                                       one, many):
    staff(client, cast, who)
    make(cast, 1)
    first = client.get(url, query)
    # A filtered list offers to clear its filters beside the count.
    assert total(first) == (f"{one} · Clear filters" if query else one)

    make(cast, PAGE_SIZE + 6)
    response = client.get(url)
    everything = response.context["page"].paginator.count
    assert everything > PAGE_SIZE
    assert total(response) == many.format(n=everything)
    assert f"Page 1 of {response.context['page'].paginator.num_pages}" in text(response)


def test_it_writes_a_large_total_with_a_thousands_separator(client, cast, settings):
    settings.USE_THOUSAND_SEPARATOR = True
    from unittest import mock

    staff(client, cast)
    environments(cast, 1)
    with mock.patch("django.core.paginator.Paginator.count", 1234):
        response = client.get("/staff/")
    assert total(response) == "1,234 environments"


def test_it_shows_no_total_on_an_empty_list(client, cast):
    staff(client, cast)
    response = client.get("/staff/identifiers/")
    assert 'id="list-total"' not in response.content.decode()
    assert 'id="identifier-queue-empty"' in response.content.decode()


# -- 4. a filter value a list does not know -------------------------------------------------


@pytest.mark.parametrize(("url", "who", "make", "query", "field"), [
    ("/staff/", "techsupport", environments, {"q": "x" * 201}, "q"),
    ("/staff/organizations/", "techsupport", organizations, {"status": "sleeping"}, "status"),
    ("/staff/organizations/", "techsupport", organizations, {"environment": "abc"},
     "environment"),
    ("/staff/activations/", "techsupport", lambda cast, n: organizations(cast, n,
                                                                         status=PENDING),
     {"q": "x" * 201}, "q"),
    ("/staff/identifiers/", "techsupport", waiting_identifiers, {"scheme": "0000"}, "scheme"),
    ("/staff/party-links/", "techsupport", party_link_requests, {"status": "lost"}, "status"),
    ("/staff/party-links/", "techsupport", party_link_requests, {"older_than": "2"},
     "older_than"),
    ("/staff/upgrades/", "sales", upgrade_requests, {"show": "some"}, "show"),
    ("/staff/subscriptions/", "sales", environments, {"subscription": "gold"}, "subscription"),
])
def test_it_lists_nothing_while_a_filter_is_not_valid(client, cast, url, who, make, query,
                                                      field):
    staff(client, cast, who)
    make(cast, 2)
    assert client.get(url).context["page"].object_list  # there are rows to list

    response = client.get(url, query)

    assert response.status_code == 200
    page = response.content.decode()
    # Said beside the field (or, for a filter the bar keeps hidden, above it).
    assert f'id="id_{field}_error"' in page or (
        field == "environment" and re.search(r'class="alert alert-warning[^"]*">[^<]*:', page))
    assert table(response) == "" and not response.context["page"].object_list
    assert 'id="list-total"' not in page
    invalid = re.search(r'<div class="empty-state" id="filter-invalid">(.*?)</div>', page,
                        re.S).group(1)
    assert "Nothing is listed while a filter is not valid: correct it above." in invalid
    assert '<a href="?">Clear filters</a>' in invalid


def test_it_offers_the_queue_as_it_opens_when_the_party_link_filters_find_nothing(client,
                                                                                 cast):
    staff(client, cast)
    assert "No party-link requests are waiting." in text(client.get("/staff/party-links/"))
    found = text(client.get("/staff/party-links/", {"status": "rejected"}))
    assert 'id="filter-none-match">No party-link request matches. ' \
           '<a href="?">Clear filters</a>' in found


def test_it_marks_the_upgrade_view_shown_and_keeps_waiting_as_the_opening(client, cast):
    upgrade_requests(cast, 1)
    staff(client, cast, "sales")
    waiting = client.get("/staff/upgrades/").content.decode()
    assert re.search(r'class="nav-link active" href="\?show=pending" aria-current="page"',
                     waiting)
    # The pills go back to the opening view: no clearing link beside the count.
    assert total(client.get("/staff/upgrades/", {"show": "all"})) == "1 request"
    UpgradeRequest.objects.update(status=UpgradeRequest.Status.DECLINED)
    assert "No upgrade requests are waiting." in text(client.get("/staff/upgrades/"))
    assert "No environment has asked for an upgrade yet." not in text(
        client.get("/staff/upgrades/", {"show": "all"}))


# -- constant queries ------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "who", "make"), [
    ("/staff/", "techsupport", environments),
    ("/staff/organizations/", "techsupport", organizations),
    ("/staff/activations/", "techsupport", lambda cast, n: organizations(cast, n,
                                                                         status=PENDING)),
    ("/staff/identifiers/", "techsupport", waiting_identifiers),
    ("/staff/party-links/", "techsupport", party_link_requests),
    ("/staff/upgrades/", "sales", upgrade_requests),
    ("/staff/subscriptions/", "sales", environments),
])
def test_it_reads_a_staff_list_page_with_the_same_queries_for_one_row_or_many(
        client, cast, url, who, make):
    staff(client, cast, who)
    make(cast, 1)

    def queries(**query):
        client.get(url, query)  # sessions and caches warm, as on a second look
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, query)
        assert response.context["page"].object_list
        return len(captured)

    few = queries()
    filtered = queries(q="0")
    make(cast, PAGE_SIZE + 5)
    assert queries() == few
    assert queries(q="0") == filtered
