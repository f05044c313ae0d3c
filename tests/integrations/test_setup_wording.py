"""What the setups say: counts in the singular or plural as they are, each step's "Recorded"
line naming an event of its own kind, and a finished setup's card that opens it."""

from datetime import UTC, datetime

import pytest

from customers.models import CustomerCard
from onboarding.integrations.registry import get
from onboarding.integrations.runs import IntegrationRun
from onboarding.models import Contract, OrganizationIdentifier, Subscription
from tests.conftest import sign_in
from tests.integrations.helpers import (
    afas_run,
    issue,
    organization,
    send_test_invoice,
    states,
    step_html,
    subscribe,
)

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()



def card(org, number, value="87654321"):
    return CustomerCard.objects.create(organization=org, name=f"Customer {number}",
                                       customer_number=str(number), endpoint_scheme="0106",
                                       endpoint_value=value)


def construct_run(cast):
    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="C-4PS")
    run, _created = IntegrationRun.start(organization=organization(cast),
                                         setup=get("4ps-construct"), by=cast.admin,
                                         environment=cast.company)
    return run


def test_it_counts_one_customer_card_in_the_singular(cast):
    run = afas_run(cast)
    card(run.organization, 1)
    assert states(run)["contacts"].result.message == "1 customer card is ready."

    card(run.organization, 2, value="12345670")
    assert states(run)["contacts"].result.message == "All 2 customer cards are ready."


def test_it_counts_one_card_that_is_not_ready_in_the_singular(cast):
    run = afas_run(cast)
    CustomerCard.objects.create(organization=run.organization, name="Kiosk",
                                customer_number="1", endpoint_scheme="0106",
                                endpoint_value="99999998")

    assert states(run)["contacts"].result.message == \
        "0 of 1 customer card is ready. Not ready:"


def test_it_names_several_identifiers_in_the_plural(cast):
    run = afas_run(cast)
    assert states(run)["ready"].result.message == \
        "Acme Trading BV is active with identifier 0106:12345678."

    OrganizationIdentifier.add(run.organization, cast.admin, "0088",
                               "8712345000004").verify(cast.techsupport)
    OrganizationIdentifier.add(run.organization, cast.admin, "0190", "0" * 20)
    OrganizationIdentifier.add(run.organization, cast.admin, "0088", "8712345000028")
    ready = states(run)["ready"]

    assert ready.result.message == ("Acme Trading BV is active with identifiers "
                                    "0106:12345678, 0088:8712345000004.")
    assert ready.result.advice == ("Not in use until TechSupport verifies them: "
                                   f"0190:{'0' * 20}, 0088:8712345000028.")


def test_it_counts_one_connection_key_in_the_singular_and_more_in_the_plural(cast):
    run = afas_run(cast)
    first = issue(run, cast)
    assert states(run)["keys"].result.message == \
        f"Connection key {first.key.app_key} exists and is not revoked."
    second = issue(run, cast)
    assert states(run)["keys"].result.message == (
        f"2 connection keys for AFAS exist and are not revoked: {second.key.app_key}, "
        f"{first.key.app_key}.")


def test_it_records_customer_cards_seen_at_an_invoices_event_as_seen_when_checked(
        client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = construct_run(cast)
        issued = issue(run, cast)
    card(run.organization, 1)

    # The invoice's events bring the run up to date: the cards are seen then, not made ready
    # by the invoice.
    with django_capture_on_commit_callbacks(execute=True):
        send_test_invoice(issued, cast)

    run.refresh_from_db()
    assert run.progress["customers"]["event"] == "check"
    assert run.progress["test_invoice"]["event"].startswith("document.")
    sign_in(client, cast.admin)
    customers = step_html(text(client.get(f"/integrations/runs/{run.pk}/")), "customers")
    assert "(seen when checked)" in customers
    assert "invoice" not in customers.split("Recorded", 1)[1].split(")", 1)[0]


def test_it_names_no_unrelated_event_that_a_run_recorded_before(client, cast):
    run = construct_run(cast)
    card(run.organization, 1)
    states(run)
    # As runs recorded it before a step kept to its own kind of event.
    IntegrationRun.objects.filter(pk=run.pk).update(progress={
        **run.progress, "customers": {"at": datetime(2026, 12, 3, 18, 29, tzinfo=UTC)
                                      .isoformat(), "by": "", "event": "document.created"}})
    run.refresh_from_db()

    shown = {s.key: s for s in run.evaluate()}

    assert shown["customers"].recorded_event == "seen when checked"
    sign_in(client, cast.admin)
    customers = step_html(text(client.get(f"/integrations/runs/{run.pk}/")), "customers")
    assert "(seen when checked)" in customers and "invoice created" not in customers


def test_it_offers_to_view_a_finished_setup_and_to_continue_an_open_one(client, cast):
    run = afas_run(cast)
    sign_in(client, cast.admin)
    card_html = text(client.get("/integrations/")).split('id="setup-afas"')[1]
    assert "Continue for Acme Trading BV</a>" in card_html.split('id="setup-')[0]

    IntegrationRun.objects.filter(pk=run.pk).update(completed_at=run.started_at)
    card_html = text(client.get("/integrations/")).split('id="setup-afas"')[1].split(
        'id="setup-')[0]

    assert "View the setup for Acme Trading BV</a>" in card_html
    assert "Continue for" not in card_html
    assert "Complete</span>" in card_html


def test_it_counts_the_steps_of_a_run(client, cast):
    run = afas_run(cast)
    sign_in(client, cast.admin)

    page = text(client.get(f"/integrations/runs/{run.pk}/"))

    assert "1 of 6 steps complete" in page
