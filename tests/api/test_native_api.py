"""The native API over real HTTP: connection-key authentication, ping, organization, errors."""

import base64
import time
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onboarding.api.throttling import ConnectionKeyRateThrottle
from onboarding.models import ConnectionKey, Organization, OrganizationIdentifier
from tests.api.conftest import get

pytestmark = pytest.mark.django_db(transaction=True)

PROBLEM = "application/problem+json"


def test_it_answers_ping_with_the_organization_and_records_the_test(live_server, http,
                                                                    acme, acme_key):
    before = timezone.now()
    response = get(http, live_server, "/api/v1/ping", acme_key)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["result"] == "ok"
    assert body["software"] == "afas"
    assert body["organization"] == {
        "name": "Acme Trading BV", "company_id": acme.company_id,
        "identifiers": [{"scheme": "0106", "value": "12345678"}],
    }
    stored = ConnectionKey.objects.get(pk=acme_key.key.pk)
    assert stored.last_tested_at is not None and stored.last_tested_at >= before
    assert stored.last_used_at == stored.last_tested_at
    assert datetime.fromisoformat(body["tested_at"]) == stored.last_tested_at


def test_it_answers_the_keys_organization_with_its_identifiers(live_server, http, acme,
                                                               acme_key):
    response = get(http, live_server, "/api/v1/organization", acme_key)

    assert response.status_code == 200
    assert response.json() == {
        "name": "Acme Trading BV", "company_id": acme.company_id, "country": "NL",
        "registry_number": "12345678", "street": "", "postal_code": "", "city": "",
        "status": "active", "receiving": False,
        "identifiers": [{"scheme": "0106", "value": "12345678", "can_send": True,
                         "can_receive": False}],
    }
    stored = ConnectionKey.objects.get(pk=acme_key.key.pk)
    assert stored.last_used_at is not None and stored.last_tested_at is None


def test_it_answers_an_unknown_key_and_a_wrong_secret_alike(live_server, http, acme_key):
    wrong_secret = get(http, live_server, "/api/v1/ping",
                       auth=(acme_key.key.app_key, acme_key.secret + "x"))
    unknown_key = get(http, live_server, "/api/v1/ping", auth=("ppk_nosuchkey", "pps_guess"))

    for response in (wrong_secret, unknown_key):
        assert response.status_code == 401
        assert response.headers["Content-Type"] == PROBLEM
        assert response.headers["WWW-Authenticate"] == 'Basic realm="api"'
    assert wrong_secret.json() == unknown_key.json()
    assert wrong_secret.json()["detail"].startswith(
        "The App Key and Secret do not match a connection key.")
    assert wrong_secret.json()["status"] == 401
    assert ConnectionKey.objects.get(pk=acme_key.key.pk).last_used_at is None


def test_it_tells_the_holder_of_a_revoked_key_that_it_was_revoked(live_server, http, cast,
                                                                  acme_key):
    acme_key.key.revoke(cast.admin)

    response = get(http, live_server, "/api/v1/ping", acme_key)
    guessed = get(http, live_server, "/api/v1/ping", auth=(acme_key.key.app_key, "pps_guess"))

    assert response.status_code == 401
    assert response.headers["Content-Type"] == PROBLEM
    assert "revoked" in response.json()["detail"]
    assert response.json()["type"].endswith(":key-revoked")
    # Without the Secret, a revoked key looks like any wrong key.
    assert "revoked" not in guessed.json()["detail"]
    assert ConnectionKey.objects.get(pk=acme_key.key.pk).last_tested_at is None


def test_it_refuses_a_key_of_an_inactive_organization(live_server, http, cast, acme,
                                                      acme_key):
    acme.deactivate(cast.techsupport)

    response = get(http, live_server, "/api/v1/ping", acme_key)

    assert response.status_code == 403
    assert response.headers["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith(":organization-inactive")
    assert problem["detail"] == (f"The organization Acme Trading BV ({acme.company_id}) is not "
                                 "active; it can use the API once it is activated.")
    assert Organization.objects.get(pk=acme.pk).status == Organization.Status.DEACTIVATED


def test_it_asks_for_credentials_and_ignores_a_signed_in_session(live_server, http, client,
                                                                 cast, acme_key):
    client.force_login(cast.admin)
    http.cookies.update({name: morsel.value for name, morsel in client.cookies.items()})

    response = get(http, live_server, "/api/v1/ping")

    assert response.status_code == 401
    assert response.headers["Content-Type"] == PROBLEM
    assert response.headers["WWW-Authenticate"] == 'Basic realm="api"'
    assert "App Key as user name" in response.json()["detail"]


def test_it_refuses_a_malformed_authorization_header(live_server, http, acme_key):
    response = http.get(f"{live_server.url}/api/v1/ping", timeout=10,
                        headers={"Authorization": "Basic not-base64!"})

    assert response.status_code == 401
    assert "not valid HTTP Basic" in response.json()["detail"]


def test_it_limits_the_requests_per_key_with_retry_after(live_server, http, settings, cast,
                                                         acme, acme_key, monkeypatch):
    settings.API_RATE_LIMIT = "3/min"
    # Twenty seconds into a minute, so that the requests cannot straddle two periods.
    monkeypatch.setattr(ConnectionKeyRateThrottle, "timer", lambda self: 1_800_000_020.0)
    other = ConnectionKey.issue(organization=acme, software="afas", by=cast.admin)

    answers = [get(http, live_server, "/api/v1/ping", acme_key).status_code for _ in range(4)]
    limited = get(http, live_server, "/api/v1/organization", acme_key)

    assert answers == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert limited.headers["Content-Type"] == PROBLEM
    assert limited.headers["Retry-After"] == "40"
    assert limited.json()["type"].endswith(":rate-limited")
    assert "the limit is 3/min" in limited.json()["detail"]
    # The limit is the key's own: another key of the same organization still works.
    assert get(http, live_server, "/api/v1/ping", other).status_code == 200


def test_it_answers_unknown_addresses_and_methods_as_problems(live_server, http, acme_key):
    missing = get(http, live_server, "/api/v1/nothing-here", acme_key)
    post = http.post(f"{live_server.url}/api/v1/ping", timeout=10,
                     auth=(acme_key.key.app_key, acme_key.secret))

    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == PROBLEM
    assert missing.json()["title"] == "Not Found"
    assert post.status_code == 405
    assert post.headers["Content-Type"] == PROBLEM
    assert post.json()["status"] == 405


def test_it_answers_an_unexpected_error_as_a_problem(client, acme_key, monkeypatch):
    from onboarding.api import views

    def broken(self, request):
        raise RuntimeError("database went away")

    monkeypatch.setattr(views.PingView, "get", broken)
    client.raise_request_exception = False
    auth = base64.b64encode(f"{acme_key.key.app_key}:{acme_key.secret}".encode()).decode()

    response = client.get("/api/v1/ping", HTTP_AUTHORIZATION=f"Basic {auth}")

    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    assert "database went away" not in response.content.decode()


def basic(issued):
    token = base64.b64encode(f"{issued.key.app_key}:{issued.secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def test_it_records_repeated_tests_at_most_once_a_second(client, acme_key):
    assert client.get("/api/v1/ping", **basic(acme_key)).status_code == 200
    first = ConnectionKey.objects.get(pk=acme_key.key.pk).last_tested_at

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/ping", **basic(acme_key)).status_code == 200
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    assert ConnectionKey.objects.get(pk=acme_key.key.pk).last_tested_at == first

    time.sleep(1.05)
    assert client.get("/api/v1/ping", **basic(acme_key)).status_code == 200
    assert ConnectionKey.objects.get(pk=acme_key.key.pk).last_tested_at > first


def test_it_answers_a_repeated_ping_without_queries(client, cast, acme, acme_key):
    OrganizationIdentifier.add(acme, cast.admin, "0190", "00000001234567890000")
    client.get("/api/v1/ping", **basic(acme_key))

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/ping", **basic(acme_key))

    assert len(queries) == 0, [q["sql"] for q in queries]
    assert response.json()["organization"]["identifiers"] == [
        {"scheme": "0106", "value": "12345678"},
        {"scheme": "0190", "value": "00000001234567890000"},
    ]
