"""The service broker's caller tests its connection with ping, as a key's software does, and
its 404 does not speak of a key it never had."""

import pytest

from onboarding.models import PartyLink
from tests.api.test_broker_api import call, entra, identity, problem, provider, token  # noqa: F401

pytestmark = pytest.mark.django_db


def test_it_answers_ping_for_the_linked_organization(entra, acme, identity, cast):  # noqa: F811
    PartyLink.grant(identity=identity, organization=acme, broker="production",
                    can_send=False, can_receive=True, by=cast.techsupport)

    answer = call("get", "/api/v1/ping", token(entra), acme.company_id)

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["result"] == "ok" and body["software"] == "4ps_business_central"
    assert body["organization"]["company_id"] == acme.company_id
    assert {"scheme": "0106", "value": "12345678"} in body["organization"]["identifiers"]


def test_it_refuses_ping_without_a_party_link(entra, acme, identity):  # noqa: F811
    assert "has no approved party link" in problem(
        call("get", "/api/v1/ping", token(entra), acme.company_id), 403)
    assert "X-Party-Id header" in problem(call("get", "/api/v1/ping", token(entra)), 403)


def test_it_says_a_missing_document_without_naming_a_key(entra, acme, identity, cast):  # noqa: F811
    PartyLink.grant(identity=identity, organization=acme, broker="production",
                    can_send=True, can_receive=True, by=cast.techsupport)

    detail = problem(call("get", "/api/v1/inbox/987654", token(entra), acme.company_id),
                     404)

    assert detail == "This organization has no such document."


def test_it_documents_ping_for_the_service_broker(client):
    document = client.get("/api/schema/",
                          HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    ping = document["paths"]["/api/v1/ping"]["get"]
    assert "Entra ID access token" in ping["description"]
    assert {"entraBearer": []} in ping["security"]
    assert "X-Party-Id" in [p["name"] for p in ping.get("parameters", [])]
