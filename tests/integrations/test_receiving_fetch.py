"""The receiving step of software that fetches its received invoices itself (AFAS, 4PS
Construct, Accept) is done once that software fetched the inbox with its connection key:
switching receiving on is not enough."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from lxml import etree

from onboarding.integrations.registry import get
from onboarding.integrations.runs import IntegrationRun
from onboarding.models import ConnectionKey, Software, Subscription
from tests.integrations.helpers import (
    SOAP_ENV,
    afas_run,
    api31_run,
    basic,
    issue,
    organization,
    states,
    subscribe,
)

pytestmark = pytest.mark.django_db

V31 = "http://api.everbinding.nl/v3_1/"


def call(operation: str, fields: str = "", token: str | None = None):
    """One SOAP v3.1 call to the endpoint, as the ERP makes it; the answer's root."""
    header = f"<v:SecurityToken>{token}</v:SecurityToken>" if token else ""
    body = (f'<s:Envelope xmlns:s="{SOAP_ENV}" xmlns:v="{V31}"><s:Header>{header}</s:Header>'
            f"<s:Body><v:{operation}>{fields}</v:{operation}></s:Body></s:Envelope>")
    response = Client().post("/api/api31", body.encode(), content_type="text/xml; charset=utf-8",
                             HTTP_SOAPACTION=f'"{V31}{operation}"')
    root = etree.fromstring(response.content)
    assert response.status_code == 200, root.findtext(".//faultstring")
    return root


def login(issued) -> str:
    return call("Login", f"<v:AppKey>{issued.key.app_key}</v:AppKey>"
                         f"<v:SecretKey>{issued.secret}</v:SecretKey>").findtext(
        f".//{{{V31}}}SecurityToken")


def fetch_inbox(token):
    return call("GetInboxDocuments", "<v:Page>1</v:Page>", token)


def receiving_afas(cast):
    run = afas_run(cast)
    run.organization.decide_receiving(cast.admin, True)
    return run


def test_it_waits_for_the_first_fetch_and_says_what_to_do(cast):
    run = receiving_afas(cast)
    issued = issue(run, cast)

    step = states(run)["receiving"]

    assert step.state == "waiting"
    assert step.result.message == (
        "Acme Trading BV receives on 0106:12345678. Waiting for AFAS to fetch the inbox with "
        f"connection key {issued.key.app_key}. AFAS fetches received purchase invoices into "
        "your administration by itself once the App Key and Secret are saved in its "
        "e-invoicing settings, with your Bedrijfs-ID in the eVerbinding profile. This step "
        "turns complete at its first fetch, even of an empty inbox.")
    assert "receiving" not in run.progress


def test_it_is_done_once_the_software_fetched_the_inbox_over_soap(
        cast, django_capture_on_commit_callbacks):
    # Each event's refresh runs as its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        run = receiving_afas(cast)
        issued = issue(run, cast)
        token = login(issued)
    with django_capture_on_commit_callbacks(execute=True):
        answer = fetch_inbox(token)

    # An empty inbox: the fetch itself proves the connection.
    assert answer.find(f".//{{{V31}}}Documents") is not None
    assert answer.find(f".//{{{V31}}}Document") is None
    issued.key.refresh_from_db()
    assert issued.key.first_fetched_at is not None
    assert issued.key.last_fetched_at == issued.key.first_fetched_at
    run.refresh_from_db()
    assert run.progress["receiving"]["event"] == "connection_key.inbox_fetched"
    step = states(run)["receiving"]
    assert step.state == "complete"
    assert step.result.message.startswith(
        "Acme Trading BV receives on 0106:12345678; AFAS fetches the inbox with connection "
        f"key {issued.key.app_key}, last on ")
    assert step.recorded_event == "inbox fetched"


def test_it_does_not_count_a_fetch_with_another_softwares_key(
        cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = receiving_afas(cast)
        afas_key = issue(run, cast)
        accept_key = ConnectionKey.issue(organization=run.organization,
                                         software=Software.ACCEPT, by=cast.admin)
        token = login(accept_key)
    with django_capture_on_commit_callbacks(execute=True):
        fetch_inbox(token)

    accept_key.key.refresh_from_db()
    assert accept_key.key.first_fetched_at is not None
    run.refresh_from_db()
    assert "receiving" not in run.progress
    step = states(run)["receiving"]
    assert step.state == "waiting"
    assert f"Waiting for AFAS to fetch the inbox with connection key {afas_key.key.app_key}" \
        in step.result.message


def test_it_writes_a_second_fetch_within_the_minute_nowhere(cast):
    run = receiving_afas(cast)
    issued = issue(run, cast)
    token = login(issued)
    fetch_inbox(token)
    issued.key.refresh_from_db()
    first = issued.key.first_fetched_at

    with CaptureQueriesContext(connection) as queries:
        fetch_inbox(token)

    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert writes == []
    issued.key.refresh_from_db()
    assert (issued.key.first_fetched_at, issued.key.last_fetched_at) == (first, first)


def test_it_keeps_the_first_fetch_and_moves_the_last_once_the_minute_is_over(cast):
    run = receiving_afas(cast)
    issued = issue(run, cast)
    token = login(issued)
    fetch_inbox(token)
    issued.key.refresh_from_db()
    first = issued.key.first_fetched_at
    # The markers that hold writes back for a minute are gone, as they are after it.
    cache.clear()

    fetch_inbox(token)

    issued.key.refresh_from_db()
    assert issued.key.first_fetched_at == first
    assert issued.key.last_fetched_at > first


def test_it_records_the_first_fetch_at_once_whatever_the_last_minutes_markers_say(cast):
    """A key whose cached entry says it never fetched writes its first fetch at once, even
    when a marker of a recent write is about."""
    run = receiving_afas(cast)
    issued = issue(run, cast)
    token = login(issued)
    cache.set(f"key-fetched:{issued.key.pk}", True, 60)

    fetch_inbox(token)

    issued.key.refresh_from_db()
    assert issued.key.first_fetched_at is not None


def test_it_counts_a_fetch_of_the_rest_inbox_list(cast, django_capture_on_commit_callbacks):
    subscribe(cast.company, Subscription.BASIC)
    with django_capture_on_commit_callbacks(execute=True):
        org = organization(cast)
        org.decide_receiving(cast.admin, True)
        run, _created = IntegrationRun.start(organization=org, setup=get("accept"),
                                             by=cast.admin, environment=cast.company)
        issued = issue(run, cast)
    assert "Waiting for Accept to fetch the inbox" in states(run)["receiving"].result.message

    with django_capture_on_commit_callbacks(execute=True):
        answer = Client().get("/api/v1/inbox", HTTP_AUTHORIZATION=basic(issued.key.app_key,
                                                                        issued.secret))

    assert answer.status_code == 200
    assert answer.json()["results"] == []
    run.refresh_from_db()
    assert run.progress["receiving"]["event"] == "connection_key.inbox_fetched"
    assert states(run)["receiving"].state == "complete"


def test_it_does_not_count_a_rest_list_the_request_got_wrong(cast):
    run = receiving_afas(cast)
    issued = issue(run, cast)

    answer = Client().get("/api/v1/inbox?status=nonsense",
                          HTTP_AUTHORIZATION=basic(issued.key.app_key, issued.secret))

    assert answer.status_code == 400
    issued.key.refresh_from_db()
    assert issued.key.first_fetched_at is None


def test_it_needs_no_fetch_where_receiving_was_declined(cast):
    run = afas_run(cast)
    issue(run, cast)
    run.organization.decide_receiving(cast.admin, False)

    step = states(run)["receiving"]

    assert step.state == "complete"
    assert step.result.message == "Acme Trading BV does not receive invoices here."


def test_it_leaves_business_central_receiving_as_it_was(cast):
    run, _subscription_key = api31_run(cast)
    issue(run, cast)
    run.organization.decide_receiving(cast.admin, True)

    step = states(run)["receiving"]

    assert step.state == "complete"
    assert step.result.message == ("Acme Trading BV receives on 0106:12345678. Received "
                                   "invoices wait in its inbox until your software fetches "
                                   "them.")
