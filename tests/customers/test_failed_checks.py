"""Customers a list-wide Peppol check could not check: the summary says so, links to
exactly those cards, and checks them again; the card list finds them and says when."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from customers.models import CustomerCard, PeppolCheckRun, Reach
from invoices.peppol.smp import Reachability
from tests.conftest import sign_in, text
from tests.customers.conftest import make_card
from tests.standins.dns_smp import INVOICE

pytestmark = pytest.mark.django_db

OUTAGE = "The Peppol directory could not be reached. Try again later."


@pytest.fixture
def checked_list(client, cast, org, peppol):
    """A list-wide check in which two customers' service provider did not answer."""
    peppol.register("0106", "11111111", [INVOICE])
    for value in ("22222222", "33333333"):
        peppol.register("0106", value, [INVOICE])
        peppol.smp.set_raw_answer("0106", value, b"<error>down</error>", status=503)
    make_card(org, name="Answers", customer_number="1", endpoint_value="11111111")
    make_card(org, name="Down one", customer_number="2", endpoint_value="22222222")
    make_card(org, name="Down two", customer_number="3", endpoint_value="33333333")
    make_card(org, name="Not on Peppol", customer_number="4", endpoint_value="44444444")
    sign_in(client, cast.admin)
    response = client.post(f"/organizations/{org.pk}/customers/check-peppol/", {})
    return PeppolCheckRun.objects.get(), response.url


def test_it_does_not_call_a_check_with_failures_a_success(client, checked_list):
    run, url = checked_list

    page = text(client.get(url))

    assert (run.progress_done, run.reachable, run.not_reachable, run.failed) == (4, 1, 1, 2)
    assert 'id="check-done"' not in page and "Checked 4 customers." not in page
    assert 'id="check-incomplete"' in page and "Not every customer could be checked." in page
    assert "2 of 4 customers were checked; 2 could not be" in page
    assert "Check these again" in page
    assert "Show the customers that could not be checked" in page


def test_it_links_to_exactly_the_customers_that_could_not_be_checked(client, org,
                                                                     checked_list):
    run, _url = checked_list
    assert run.failed_cards_query == "reach=check_failed"

    page = text(client.get(f"/organizations/{org.pk}/customers/?{run.failed_cards_query}"))

    assert "Down one" in page and "Down two" in page
    assert "Answers" not in page and "Not on Peppol" not in page
    assert "2 customers" in page


def test_it_keeps_the_lists_other_filters_in_the_link(org):
    run = PeppolCheckRun.objects.create(
        organization=org, filters={"q": "Bakker", "reach": "not_checked", "problems": True},
        status="done")

    assert run.failed_cards_query == "q=Bakker&problems=on&reach=check_failed"


def test_it_checks_the_failed_customers_again_with_a_confirmation(client, org, peppol,
                                                                  checked_list):
    run, url = checked_list
    page = text(client.get(url))
    again = f"/organizations/{org.pk}/customers/check-peppol/?reach=check_failed"
    assert f'href="{again}"' in page.replace("&amp;", "&")
    confirmation = text(client.get(again))
    assert "2 customers with an Endpoint-ID in this filtered list" in confirmation
    asked_before = len(peppol.smp.requests)
    peppol.smp.raw.clear()  # the service provider answers again

    response = client.post(again.split("?")[0], {"reach": "check_failed"})

    second = PeppolCheckRun.objects.exclude(pk=run.pk).get()
    assert response.url == f"/customers/peppol-checks/{second.pk}/"
    assert second.filters == {"reach": "check_failed"}
    assert (second.progress_done, second.reachable, second.failed) == (2, 2, 0)
    # Only the two that failed were asked again.
    assert len(peppol.smp.requests) - asked_before == 2
    assert not CustomerCard.objects.filter(CustomerCard.CHECK_FAILED).exists()
    assert "Checked 2 customers." in text(client.get(response.url))


def test_it_finds_a_card_whose_last_check_failed_whatever_it_knew_before(org):
    never = make_card(org, name="Never answered", customer_number="1")
    known = make_card(org, name="Known", customer_number="2", peppol_registered=True,
                      peppol_accepts_invoice=True,
                      peppol_checked_at=timezone.now() - timedelta(days=3))
    fine = make_card(org, name="Fine", customer_number="3", peppol_registered=False,
                     peppol_checked_at=timezone.now())
    for card in (never, known):
        card.record_reachability(Reachability(registered=False, error=OUTAGE))

    found = CustomerCard.objects.reach(Reach.CHECK_FAILED)

    assert set(found) == {never, known}
    assert fine not in found


def test_it_says_in_the_list_when_the_failed_check_was(client, cast, org, settings):
    settings.TIME_ZONE = "UTC"
    card = make_card(org, name="Never answered")
    card.record_reachability(Reachability(registered=False, error=OUTAGE,
                                          checked_at=datetime(2026, 3, 2, 14, 30, tzinfo=UTC)))
    sign_in(client, cast.admin)

    page = text(client.get(f"/organizations/{org.pk}/customers/?reach=check_failed"))

    row = page[page.index("Never answered"):page.index("</tr>", page.index("Never answered"))]
    assert "Check failed" in row
    assert "check failed 2 Mar 2026, 14:30" in row
    assert ">never<" not in row
    assert '<option value="check_failed" selected>Last check failed</option>' in page


def test_it_says_in_dutch_when_the_failed_check_was(client, cast, org, settings):
    settings.TIME_ZONE = "UTC"
    card = make_card(org, name="Never answered")
    card.record_reachability(Reachability(registered=False, error=OUTAGE,
                                          checked_at=datetime(2026, 3, 2, 14, 30, tzinfo=UTC)))
    sign_in(client, cast.admin)

    page = text(client.get(f"/organizations/{org.pk}/customers/", HTTP_ACCEPT_LANGUAGE="nl"))

    assert "2 mrt 2026 14:30" in page
    assert "nooit" not in page[page.index("Never answered"):]
