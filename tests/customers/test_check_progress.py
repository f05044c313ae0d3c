"""A list-wide Peppol check reports its progress a few cards at a time, so the bar moves
while a batch of lookups goes on."""

import threading

import pytest

from customers import reachability
from customers.models import CustomerCard, PeppolCheckRun
from invoices.peppol.smp import Reachability
from tests.conftest import sign_in, text
from tests.customers.conftest import make_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(monkeypatch):
    """The progress each commit of a running check showed a polling page."""
    seen = []
    report = PeppolCheckRun.report

    def recording(run, **fields):
        report(run, **fields)
        if "last_card" in fields:
            seen.append(PeppolCheckRun.objects.get(pk=run.pk).progress_done)

    monkeypatch.setattr(PeppolCheckRun, "report", recording)
    return seen


def cards(org, count):
    return [make_card(org, name=f"Customer {n:03}", customer_number=str(n),
                      endpoint_value=f"{10000000 + n}") for n in range(count)]


def test_it_reports_every_twenty_cards_within_a_batch(client, cast, org, monkeypatch,
                                                      reports):
    monkeypatch.setattr(reachability, "_on_network",
                        lambda scheme, value, config: Reachability(registered=False))
    cards(org, 45)
    sign_in(client, cast.admin)

    client.post(f"/organizations/{org.pk}/customers/check-peppol/", {})

    run = PeppolCheckRun.objects.get()
    assert run.status == "done" and run.progress_done == 45
    # One batch of 200 would have said 0, then 45 at once.
    assert reports == [20, 40, 45]
    assert CustomerCard.objects.filter(peppol_registered=False).count() == 45


def test_it_reports_the_cards_answered_while_a_slow_lookup_goes_on(client, cast, org,
                                                                  monkeypatch, reports):
    monkeypatch.setattr(reachability, "REPORT_EVERY_SECONDS", 0.05)
    slow = cards(org, 25)[2]
    answered = threading.Event()

    def look_up(scheme, value, config):
        if value == slow.endpoint_value:
            # Answers once the cards before it were reported, or after a while anyway.
            answered.wait(timeout=2)
        return Reachability(registered=False)

    monkeypatch.setattr(reachability, "_on_network", look_up)
    report = reachability._Progress.write

    def write(progress):
        report(progress)
        answered.set()

    monkeypatch.setattr(reachability._Progress, "write", write)
    sign_in(client, cast.admin)

    client.post(f"/organizations/{org.pk}/customers/check-peppol/", {})

    assert reports[0] <= 2 and reports[-1] == 25
    assert all(later - earlier <= 20 for earlier, later in zip(reports, reports[1:],
                                                                 strict=False))


def test_it_carries_on_after_the_last_card_it_reported(client, cast, org, monkeypatch):
    monkeypatch.setattr(reachability, "_on_network",
                        lambda scheme, value, config: Reachability(registered=False))
    checked = cards(org, 30)
    run = PeppolCheckRun.objects.create(organization=org, progress_total=30, progress_done=20,
                                        last_card=checked[19].pk, not_reachable=20)

    reachability.run_check(run.pk)

    run.refresh_from_db()
    assert (run.status, run.progress_done, run.not_reachable) == ("done", 30, 30)
    assert CustomerCard.objects.filter(peppol_registered=False).count() == 10
    sign_in(client, cast.admin)
    assert "Checked 30 customers." in text(client.get(f"/customers/peppol-checks/{run.pk}/"))
