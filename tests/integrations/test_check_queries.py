"""The checks read a bounded amount however many customer cards an organization has, and
support's list of stuck runs reads as much for a page of runs as for one."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import CardRules, CustomerCard, EInvoicingMethod, SendingProfile
from onboarding.integrations.checks import CARDS_NAMED, Facts, customer_cards
from onboarding.integrations.registry import all_setups, get
from onboarding.integrations.runs import IntegrationRun
from onboarding.models import Subscription
from tests.integrations.helpers import afas_run, issue, organization, subscribe

pytestmark = pytest.mark.django_db

ENDPOINTS = [("", ""), ("0106", "12345678"), ("0106", "99999998"), ("0088", "1234567890128"),
             ("9944", "NL123456789B01"), ("0190", "00000001234567890000")]
REACHABILITY = [(None, False), (True, True), (True, False), (False, False)]


def add_cards(organization, count, start=0, profile=None):
    """Cards of every kind the checks tell apart, in turn."""
    kinds = itertools.islice(itertools.cycle(itertools.product(
        REACHABILITY, ("", "ap@example.nl"), ("", "your_reference"), EInvoicingMethod.values,
        (None, profile), ENDPOINTS)), count)
    CustomerCard.objects.bulk_create(
        CustomerCard(organization=organization, name=f"Klant {start + n:03}",
                     customer_number=str(start + n), endpoint_scheme=scheme,
                     endpoint_value=value, peppol_registered=registered,
                     peppol_accepts_invoice=accepts, invoice_email=email,
                     buyer_reference_source=source, einvoicing_method=method,
                     sending_profile=sending_profile)
        for n, ((registered, accepts), email, source, method, sending_profile,
                (scheme, value)) in enumerate(kinds))


def cards_step(run):
    """The step's result, its number of queries and of cards it read."""
    read = []

    def count(sender, instance, **kwargs):
        read.append(instance)

    post_init.connect(count, sender=CustomerCard)
    try:
        with CaptureQueriesContext(connection) as queries:
            result = customer_cards(Facts(run, run.definition))
    finally:
        post_init.disconnect(count, sender=CustomerCard)
    return result, len(queries), len(read)


def test_it_checks_the_customer_cards_in_as_many_queries_however_many_there_are(cast):
    run = afas_run(cast)
    add_cards(run.organization, 12)
    few, queries_for_few, _read = cards_step(run)

    add_cards(run.organization, 300, start=12)
    many, queries_for_many, read = cards_step(run)

    assert queries_for_many == queries_for_few
    # Only the cards the step names are read.
    assert read == CARDS_NAMED
    assert few.message.endswith("of 12 customer cards are ready. Not ready:")
    assert many.message.endswith("of 312 customer cards are ready. Not ready:")
    assert len(many.items) == 11 and many.items[-1].startswith("and ")


@pytest.mark.parametrize("setup", [s.slug for s in all_setups()])
@pytest.mark.parametrize("default_profile", [False, True])
def test_it_counts_and_names_the_cards_as_each_cards_problems_say(cast, setup,
                                                                   default_profile):
    subscribe(cast.company, Subscription.PROFESSIONAL)
    org = organization(cast)
    run = IntegrationRun(organization=org, setup=setup)
    profile = SendingProfile.objects.create(organization=org, name="eConnect",
                                            is_default=default_profile)
    add_cards(org, 200, profile=profile)
    rules = CardRules.of_setup(run.definition, default_profile=default_profile)
    cards = list(CustomerCard.objects.filter(organization=org).order_by("name", "id"))
    not_ready = [c for c in cards if c.problems(rules)]
    dummy = [c for c in cards if c.uses_dummy_kvk]

    result = customer_cards(Facts(run, run.definition))

    assert result.message == (f"{len(cards) - len(not_ready)} of {len(cards)} customer cards "
                              "are ready. Not ready:")
    assert result.items == [
        *(f"{c.name} ({c.customer_number}): {'; '.join(c.problems(rules))}"
          for c in not_ready[:10]), f"and {len(not_ready) - 10} more"]
    assert (f"{len(dummy)} customers have no KvK number and use the dummy number 99999998: "
            f"{', '.join(c.name for c in dummy[:10])}, and {len(dummy) - 10} more.") \
        in result.advice


def stuck_runs(cast, count, start=0):
    """`count` stuck AFAS runs, waiting on their first steps in turn: for keys, for keys
    again after a revoked one, and for the software to use its key."""
    subscribe(cast.company, Subscription.BASIC)
    for n in range(start, start + count):
        run, _created = IntegrationRun.start(
            organization=organization(cast, kvk=f"{70000000 + n}", name=f"Org {n:02}"),
            setup=get("afas"), by=cast.admin, environment=cast.company)
        if n % 3:
            issued = issue(run, cast)
            if n % 3 == 1:
                issued.key.revoke(cast.admin)
        IntegrationRun.objects.filter(pk=run.pk).update(
            updated_at=timezone.now() - timedelta(days=30 - n))


def stuck_page(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/staff/integrations/stuck/")
    assert response.status_code == 200
    return response, len(queries)


def test_it_lists_a_page_of_stuck_runs_in_as_many_queries_as_one(client, cast):
    client.force_login(cast.techsupport)
    stuck_runs(cast, 1)
    _page, queries_for_one = stuck_page(client)

    stuck_runs(cast, 24, start=1)
    page, queries_for_a_page = stuck_page(client)

    assert queries_for_a_page == queries_for_one
    assert len(page.context["runs"]) == 25


def test_it_names_the_same_step_for_a_page_of_runs_as_for_each_alone(client, cast):
    client.force_login(cast.techsupport)
    stuck_runs(cast, 6)

    page, _queries = stuck_page(client)

    shown = [(run.pk, s.key, s.state, s.result.message) for run, s in page.context["runs"]]
    alone = []
    for run, _s in page.context["runs"]:
        run = IntegrationRun.objects.get(pk=run.pk)
        s = run.stuck_on()
        alone.append((run.pk, s.key, s.state, s.result.message))
    assert shown == alone
    assert {key for _pk, key, _state, _message in shown} == {"keys", "enter_keys"}
    assert any("was revoked on" in message for *_rest, message in shown)
