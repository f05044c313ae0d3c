"""A Peppol lookup that gets no answer keeps the last real answer and says it failed."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from customers.models import CustomerCard, Reach
from customers.models.monitoring import ReachabilityLoss
from invoices.peppol.smp import Reachability
from tests.conftest import sign_in, text
from tests.customers.conftest import make_card

pytestmark = pytest.mark.django_db

OUTAGE = "The Peppol directory could not be reached. Try again later."


def failed():
    return Reachability(registered=False, error=OUTAGE)


def test_it_keeps_the_last_answer_when_a_lookup_fails(org):
    checked = timezone.now() - timedelta(days=2)
    card = make_card(org, peppol_registered=True, peppol_accepts_invoice=True,
                     peppol_accepts_credit_note=True, peppol_smp_url="http://smp.example",
                     peppol_checked_at=checked)

    assert card.record_reachability(failed())

    card.refresh_from_db()
    assert (card.peppol_registered, card.peppol_accepts_invoice,
            card.peppol_accepts_credit_note) == (True, True, True)
    assert (card.peppol_smp_url, card.peppol_checked_at) == ("http://smp.example", checked)
    assert card.peppol_error == OUTAGE and card.peppol_failed_at is not None
    assert not ReachabilityLoss.objects.exists()
    assert list(CustomerCard.objects.reach(Reach.REACHABLE)) == [card]


def test_it_shows_the_failure_and_the_last_known_answer(client, cast, org):
    card = make_card(org, peppol_registered=True, peppol_accepts_invoice=True,
                     peppol_checked_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    card.record_reachability(failed())
    sign_in(client, cast.admin)

    for page in (text(client.get(f"/customers/{card.pk}/")),
                 text(client.get(f"/organizations/{org.pk}/customers/"))):
        assert "Last check failed at" in page
        assert "last known answer from" in page
        assert "receives Peppol invoices" in page
        assert 'data-peppol="reachable"' in page


def test_it_keeps_a_card_never_answered_among_the_not_checked(org):
    card = make_card(org)

    card.record_reachability(failed())

    card.refresh_from_db()
    assert card.peppol_registered is None and card.peppol_error == OUTAGE
    assert list(CustomerCard.objects.reach(Reach.NOT_CHECKED)) == [card]


def test_it_clears_the_failure_with_the_next_answer(org):
    card = make_card(org, peppol_registered=True, peppol_accepts_invoice=True,
                     peppol_checked_at=timezone.now() - timedelta(days=1))
    card.record_reachability(failed())

    card.record_reachability(Reachability(registered=True, accepts_invoice=True))

    card.refresh_from_db()
    assert card.peppol_error == "" and card.peppol_failed_at is None


def test_it_still_reports_a_loss_after_a_failed_lookup(org):
    card = make_card(org, peppol_registered=True, peppol_accepts_invoice=True,
                     peppol_checked_at=timezone.now() - timedelta(days=1))
    card.record_reachability(failed())
    card = CustomerCard.objects.get(pk=card.pk)

    card.record_reachability(Reachability(registered=False))

    assert ReachabilityLoss.objects.get(card=card).reason == "unreachable"


def test_it_forgets_the_failure_with_the_endpoint_id(cast, org):
    card = make_card(org, peppol_registered=True, peppol_accepts_invoice=True,
                     peppol_checked_at=timezone.now())
    card.record_reachability(failed())

    card.change(by=cast.admin, environment=cast.company, endpoint_scheme="0088",
                endpoint_value="1234567890128")

    card.refresh_from_db()
    assert (card.peppol_registered, card.peppol_error, card.peppol_failed_at) == (None, "", None)
