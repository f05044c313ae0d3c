"""Check Peppol on a card and for a whole list, against the DNS and SMP stand-ins."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers import reachability
from customers.models import PeppolCheckRun
from invoices.peppol import smp
from tests.conftest import sign_in, text
from tests.customers.conftest import make_card
from tests.standins.dns_smp import CREDIT_NOTE, INVOICE

pytestmark = pytest.mark.django_db

ORDER = ("busdox-docid-qns::urn:oasis:names:specification:ubl:schema:xsd:Order-2::Order"
         "##urn:fdc:peppol.eu:poacc:trns:order:3::2.1")


def test_it_builds_the_lookup_from_the_settings(settings):
    settings.PEPPOL_SML = "production"
    settings.PEPPOL_SML_ZONE = ""
    settings.PEPPOL_DNS_SERVERS = []
    settings.PEPPOL_LOOKUP_TIMEOUT = 3.5

    config = reachability.sml_config()

    assert config.zone == smp.PRODUCTION_ZONE and config.nameservers is None
    assert config.timeout == 3.5
    settings.PEPPOL_SML = "test"
    assert reachability.sml_config().zone == smp.TEST_ZONE
    settings.PEPPOL_SML_ZONE = "sml.example.org"
    assert reachability.sml_config().zone == "sml.example.org"


def test_it_shows_a_customer_that_accepts_invoices_and_credit_notes(client, cast, org, peppol):
    peppol.register("0106", "12345678", [INVOICE, CREDIT_NOTE])
    card = make_card(org)
    sign_in(client, cast.admin)

    response = client.post(f"/customers/{card.pk}/check-peppol/", follow=True)

    page = text(response)
    assert "Bakker BV receives Peppol invoices." in page
    card.refresh_from_db()
    assert card.peppol_registered and card.peppol_accepts_invoice
    assert card.peppol_accepts_credit_note and card.peppol_smp_url == peppol.smp.url
    assert 'id="peppol-registered">Yes' in page
    assert 'id="peppol-invoice">Yes' in page and 'id="peppol-credit-note">Yes' in page
    assert 'id="peppol-checked">just now' in page and "0\xa0minutes ago" not in page
    assert peppol.smp.requests == ["/iso6523-actorid-upis%3A%3A0106%3A12345678"]


def test_it_shows_a_customer_that_takes_no_credit_notes(client, cast, org, peppol):
    peppol.register("0106", "12345678", [INVOICE, ORDER])
    card = make_card(org)
    sign_in(client, cast.admin)

    page = text(client.post(f"/customers/{card.pk}/check-peppol/", follow=True))

    assert 'id="peppol-invoice">Yes' in page and 'id="peppol-credit-note">No' in page


def test_it_shows_a_customer_registered_without_bis_billing(client, cast, org, peppol):
    peppol.register("0106", "12345678", [ORDER])
    card = make_card(org)
    sign_in(client, cast.admin)

    page = text(client.post(f"/customers/{card.pk}/check-peppol/", follow=True))

    assert "cannot receive Peppol BIS Billing 3.0 invoices" in page
    assert "Does not accept BIS Billing 3.0 invoices" in page


def test_it_shows_a_customer_that_is_not_on_peppol_as_a_problem(client, cast, org, peppol):
    card = make_card(org)
    sign_in(client, cast.admin)

    page = text(client.post(f"/customers/{card.pk}/check-peppol/", follow=True))

    card.refresh_from_db()
    assert card.peppol_registered is False and card.peppol_checked_at is not None
    assert 'id="peppol-registered">No' in page
    assert "An invoice to this customer would fail now:" in page and "Not on Peppol" in page


def test_it_keeps_the_last_verdict_when_the_directory_does_not_answer(client, cast, org,
                                                                     peppol, settings):
    settings.PEPPOL_LOOKUP_TIMEOUT = 0.3
    peppol.dns.drop_queries = True
    card = make_card(org, peppol_registered=True, peppol_accepts_invoice=True,
                     peppol_checked_at=timezone.now() - timedelta(days=1))
    sign_in(client, cast.admin)

    page = text(client.post(f"/customers/{card.pk}/check-peppol/", follow=True))

    assert "The Peppol directory could not be reached" in page
    card.refresh_from_db()
    assert card.peppol_registered is True and card.peppol_error and card.peppol_failed_at
    assert 'data-peppol="reachable"' in page and "Last check failed at" in page


def test_it_says_how_long_ago_a_card_was_checked(client, cast, org):
    recent = make_card(org, peppol_registered=True, peppol_accepts_invoice=True,
                       peppol_checked_at=timezone.now() - timedelta(seconds=20))
    older = make_card(org, customer_number="2", peppol_registered=True,
                      peppol_accepts_invoice=True,
                      peppol_checked_at=timezone.now() - timedelta(minutes=5, seconds=3))
    sign_in(client, cast.admin)

    assert 'id="peppol-checked">just now' in text(client.get(f"/customers/{recent.pk}/"))
    assert 'id="peppol-checked">5\xa0minutes ago' in text(client.get(f"/customers/{older.pk}/"))


def test_it_marks_an_old_answer_as_stale(client, cast, org, settings):
    settings.PEPPOL_REACHABILITY_MAX_AGE_DAYS = 7
    card = make_card(org, peppol_registered=True, peppol_accepts_invoice=True,
                     peppol_checked_at=timezone.now() - timedelta(days=8))
    sign_in(client, cast.admin)

    page = text(client.get(f"/customers/{card.pk}/"))

    assert "This answer is more than 7 days old" in page
    settings.PEPPOL_REACHABILITY_MAX_AGE_DAYS = 30
    assert "more than 30 days old" not in text(client.get(f"/customers/{card.pk}/"))


def test_it_stores_no_answer_for_an_endpoint_id_changed_during_the_lookup(org, peppol):
    peppol.register("0106", "12345678", [INVOICE])
    card = make_card(org)
    card.__class__.objects.filter(pk=card.pk).update(endpoint_scheme="0088",
                                                     endpoint_value="1234567890128")

    reachability.check_card(card)

    card.refresh_from_db()
    assert card.peppol_checked_at is None


def test_it_checks_a_whole_filtered_list_in_the_background(client, cast, org, peppol):
    peppol.register("0106", "11111111", [INVOICE, CREDIT_NOTE])
    one = make_card(org, name="One", customer_number="1", endpoint_value="11111111")
    two = make_card(org, name="Two", customer_number="2", endpoint_value="22222222")
    dummy_a = make_card(org, name="Dummy A", customer_number="3", endpoint_value="99999998")
    dummy_b = make_card(org, name="Dummy B", customer_number="4", endpoint_value="99999998")
    skipped = make_card(org, name="Skipped", customer_number="5", endpoint_value="33333333",
                        peppol_registered=True, peppol_accepts_invoice=True)
    make_card(org, name="No id", customer_number="6", endpoint_scheme="", endpoint_value="")
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/customers/check-peppol/"

    assert "4 customers with an Endpoint-ID in this filtered list" in text(
        client.get(f"{url}?reach=not_checked"))
    response = client.post(url, {"reach": "not_checked"})

    run = PeppolCheckRun.objects.get()
    assert response.url == f"/customers/peppol-checks/{run.pk}/"
    assert run.status == "done" and run.filters == {"reach": "not_checked"}
    assert (run.progress_done, run.reachable, run.not_reachable, run.failed) == (4, 1, 3, 0)
    for card in (one, two, dummy_a, dummy_b, skipped):
        card.refresh_from_db()
    assert one.peppol_reachable and two.peppol_registered is False
    assert dummy_a.peppol_checked_at and dummy_b.peppol_checked_at
    assert skipped.peppol_checked_at is None
    # The dummy number, on two cards, was asked once.
    assert len(peppol.dns.queries) == 3
    page = text(client.get(response.url))
    assert "Checked 4 customers." in page and "Cannot receive Peppol invoices" in page
    status = client.get(f"/customers/peppol-checks/{run.pk}/status/").json()
    assert status == {"status": "done", "running": False, "done": 4, "total": 4,
                      "percent": 100, "message": "Checked 4 of 4 customers…", "note": ""}


def test_it_counts_a_customer_that_receives_on_this_platform_as_reachable(client, cast, org,
                                                                          peppol):
    from tests.invoices.conftest import RECEIVER_KVK, make_receiver

    make_receiver(cast)
    card = make_card(org, endpoint_value=RECEIVER_KVK)
    other = make_card(org, name="Elsewhere BV", customer_number="2", endpoint_value="22222222")
    sign_in(client, cast.admin)

    page = text(client.post(f"/customers/{card.pk}/check-peppol/", follow=True))

    assert "Bakker BV receives Peppol invoices." in page
    card.refresh_from_db()
    assert card.peppol_reachable and card.peppol_accepts_credit_note
    # Nobody asked the network about it, in the list's check either.
    client.post(f"/organizations/{org.pk}/customers/check-peppol/", {})
    run = PeppolCheckRun.objects.get()
    assert (run.reachable, run.not_reachable) == (1, 1)
    other.refresh_from_db()
    assert other.peppol_registered is False
    assert len(peppol.dns.queries) == 1


def test_it_sends_to_the_running_check_instead_of_starting_another(client, cast, org):
    make_card(org)
    run = PeppolCheckRun.objects.create(organization=org, heartbeat_at=timezone.now(),
                                        progress_total=1)
    sign_in(client, cast.admin)

    response = client.post(f"/organizations/{org.pk}/customers/check-peppol/")

    assert response.url == f"/customers/peppol-checks/{run.pk}/"
    assert PeppolCheckRun.objects.count() == 1
    page = text(client.get(response.url))
    assert "Checked 0 of 1 customers…" in page and "data-progress-url" in page


def test_it_gives_up_on_a_check_whose_thread_died(client, cast, org):
    run = PeppolCheckRun.objects.create(organization=org, progress_total=5,
                                        heartbeat_at=timezone.now() - timedelta(hours=1))
    sign_in(client, cast.admin)

    status = client.get(f"/customers/peppol-checks/{run.pk}/status/").json()

    assert status["status"] == "failed" and not status["running"]
    assert "is no longer queued" in text(client.get(f"/customers/peppol-checks/{run.pk}/"))
