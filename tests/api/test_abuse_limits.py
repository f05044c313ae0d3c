"""Guessing App Keys and Secrets, and flooding API31: limits per client address and App Key,
and per client address, that answer 429 with Retry-After (problem+json on the native API, a
SOAP fault on API31)."""

import base64

import pytest
from lxml import etree

from onboarding.models import ConnectionKey
from tests.api.test_api31 import API31, SOAP_ENV, envelope

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def basic(app_key, secret):
    return "Basic " + base64.b64encode(f"{app_key}:{secret}".encode()).decode()


def ping(client, app_key, secret, address="192.0.2.10", **headers):
    return client.get("/api/v1/ping", HTTP_AUTHORIZATION=basic(app_key, secret),
                      REMOTE_ADDR=address, **headers)


def soap(client, fields, address="192.0.2.10"):
    return client.post("/api/api31", envelope(**fields), content_type="text/xml; charset=utf-8",
                       REMOTE_ADDR=address)


def soap_fault(response):
    root = etree.fromstring(response.content)
    found = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert found is not None, response.content[:500]
    return (found.findtext("faultstring"),
            found.findtext(f"detail/{{{API31}}}FaultDetail/{{{API31}}}Reason"))


@pytest.fixture
def limits(settings):
    settings.API_AUTH_FAILURE_LIMIT = "5/min"
    settings.API_AUTH_FAILURE_ADDRESS_LIMIT = "8/min"
    settings.API31_RATE_LIMIT = "8/min"
    return settings


def test_it_stops_an_address_that_guesses_the_secret_of_a_key(client, limits, acme_key,
                                                              bc_key):
    app_key = acme_key.key.app_key
    for guess in range(5):
        assert ping(client, app_key, f"pps_guess{guess}").status_code == 401

    blocked = ping(client, app_key, acme_key.secret)

    assert blocked.status_code == 429
    assert blocked["Content-Type"] == PROBLEM
    assert 1 <= int(blocked["Retry-After"]) <= 60
    body = blocked.json()
    assert body["status"] == 429
    assert body["type"].endswith(":too-many-failed-authentications")
    assert "Too many failed authentications with this App Key from your address (the limit " \
        "is 5/min)" in body["detail"]
    # This key's own software elsewhere carries on, and so does the software of other keys
    # behind the same address (a cloud ERP's customers share one).
    assert ping(client, app_key, acme_key.secret, address="192.0.2.99").status_code == 200
    assert ping(client, bc_key.key.app_key, bc_key.secret).status_code == 200


def test_it_stops_an_address_that_tries_one_key_after_another(client, limits, acme_key):
    for _ in range(3):
        assert client.get("/api/v1/ping", HTTP_AUTHORIZATION="Basic !!!",
                          REMOTE_ADDR="192.0.2.10").status_code == 401
    for n in range(5):
        assert ping(client, f"ppk_nosuchkey{n}", "pps_guess").status_code == 401

    blocked = ping(client, acme_key.key.app_key, acme_key.secret)

    assert blocked.status_code == 429
    assert "Too many failed authentications from your address (the limit is 8/min)" in \
        blocked.json()["detail"]


def test_it_does_not_count_the_right_secret_of_a_revoked_key(client, limits, acme_key, cast):
    acme_key.key.revoke(cast.admin)
    for _ in range(6):
        assert ping(client, acme_key.key.app_key, acme_key.secret).status_code == 401
    assert ping(client, acme_key.key.app_key, acme_key.secret).json()["type"].endswith(
        ":key-revoked")


def test_it_stops_wrong_secrets_on_api31_too_and_counts_them_with_the_api(client, limits,
                                                                          acme, bc_key):
    good = {"app_key": bc_key.key.app_key, "secret": bc_key.secret,
            "company_id": acme.company_id, "subscription_key": acme.subscription_key}
    for guess in range(3):
        wrong = soap(client, {**good, "secret": f"pps_guess{guess}"})
        assert wrong.status_code == 500
        assert soap_fault(wrong)[1] == "invalid-credentials"
    for guess in range(2):
        assert ping(client, bc_key.key.app_key, f"pps_guess{guess}").status_code == 401

    blocked = soap(client, good)

    assert blocked.status_code == 429
    assert 1 <= int(blocked["Retry-After"]) <= 60
    message, reason = soap_fault(blocked)
    assert reason == "too-many-failures"
    assert "Too many failed authentications with this App Key from your address" in message
    assert ConnectionKey.objects.get(pk=bc_key.key.pk).last_tested_at is None


def test_it_limits_connection_tests_per_address(client, limits, acme, bc_key):
    good = {"app_key": bc_key.key.app_key, "secret": bc_key.secret,
            "company_id": acme.company_id, "subscription_key": acme.subscription_key}
    for _ in range(8):
        assert soap(client, good).status_code == 200

    limited = soap(client, good)

    assert limited.status_code == 429
    assert limited["Content-Type"] == "text/xml; charset=utf-8"
    assert 1 <= int(limited["Retry-After"]) <= 60
    message, reason = soap_fault(limited)
    assert reason == "rate-limited"
    assert "Too many connection tests from your address (the limit is 8/min)" in message
    # A v3.1 call that left its SOAPAction out is told why it was counted as a test.
    assert "name their operation in the SOAPAction header" in message
    assert soap(client, good, address="192.0.2.99").status_code == 200


def test_it_counts_the_client_behind_a_trusted_proxy(client, limits, acme_key):
    limits.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    app_key = acme_key.key.app_key
    for guess in range(5):
        ping(client, app_key, f"pps_guess{guess}", address="10.0.0.2",
             HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert ping(client, app_key, acme_key.secret, address="10.0.0.2",
                HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert ping(client, app_key, acme_key.secret, address="10.0.0.2",
                HTTP_X_FORWARDED_FOR="198.51.100.9").status_code == 200
