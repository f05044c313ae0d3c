"""Ping with connection-key authentication against DRF and Django with nothing to check."""

import base64

import pytest
from django.test import Client

from onboarding.models import ConnectionKey, Software
from tests.api.conftest import acme  # noqa: F401 - the organization the key belongs to
from tests.bench.conftest import query_count, server_time

pytestmark = [pytest.mark.bench, pytest.mark.urls("tests.bench.urls")]

PASSES = 7
ROUNDS = 150
TARGET = 0.7


@pytest.mark.django_db
def test_bench_ping(settings, cast, acme):  # noqa: F811
    # Far above what the bench sends, so that every request is answered, not refused.
    settings.API_RATE_LIMIT = "1000000/min"
    issued = ConnectionKey.issue(organization=acme, software=Software.AFAS, by=cast.admin)
    token = base64.b64encode(f"{issued.key.app_key}:{issued.secret}".encode()).decode()
    keyed, plain = Client(HTTP_AUTHORIZATION=f"Basic {token}"), Client()
    keyed.get("/api/v1/ping")  # the first test is written; the next within a second is not
    queries = query_count(keyed, "/api/v1/ping")

    # Interleaved, the best median of each: other processes share the machine, and a burst
    # of their work should not land on one of the three alone.
    views = {"bare": (plain, "/bench/minimal/"), "drf": (plain, "/bench/minimal-api/"),
             "ping": (keyed, "/api/v1/ping")}
    best = dict.fromkeys(views, float("inf"))
    for _ in range(PASSES):
        for name, (client, url) in views.items():
            best[name] = min(best[name], server_time(client, url, rounds=ROUNDS))

    ratio = best["drf"] / best["ping"]
    print(f"\nping with key authentication: {1 / best['ping']:,.0f} requests/s, {queries} SQL "
          f"query per request"
          f"\n  = {ratio:.2f} x a DRF view without authentication ({1 / best['drf']:,.0f}/s; "
          f"target at least {TARGET}: {'met' if ratio >= TARGET else 'not met'})"
          f"\n  = {best['bare'] / best['ping']:.2f} x a bare Django view "
          f"({1 / best['bare']:,.0f}/s)")
    assert queries == 0, "a repeated ping should be answered from the key cache"
