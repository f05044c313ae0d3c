"""A key that answered once is remembered, and every change to it or its organization
reaches the very next call."""

import pytest

from onboarding.models import OrganizationIdentifier
from tests.api.test_native_api import basic

pytestmark = pytest.mark.django_db


def ping(client, issued):
    return client.get("/api/v1/ping", **basic(issued))


def test_it_refuses_a_key_at_once_when_it_is_revoked(client, cast, acme_key):
    assert ping(client, acme_key).status_code == 200

    acme_key.key.revoke(cast.admin)

    assert ping(client, acme_key).status_code == 401
    assert ping(client, acme_key).json()["type"].endswith("key-revoked")


def test_it_refuses_a_key_at_once_when_the_organization_is_deactivated(client, cast, acme,
                                                                      acme_key):
    assert ping(client, acme_key).status_code == 200

    acme.deactivate(cast.admin)

    assert ping(client, acme_key).status_code == 403


def test_it_forgets_a_deleted_key(client, cast, acme_key):
    assert ping(client, acme_key).status_code == 200
    acme_key.key.revoke(cast.admin)
    acme_key.key.delete_by(cast.admin)

    answer = ping(client, acme_key)

    assert answer.status_code == 401
    assert answer.json()["type"].endswith("invalid-credentials")


def test_it_answers_the_organization_as_it_is_now(client, cast, acme, acme_key):
    assert ping(client, acme_key).json()["organization"]["name"] == "Acme Trading BV"

    acme.name = "Acme Holding BV"
    acme.save()
    OrganizationIdentifier.add(acme, cast.admin, "0190", "00000001234567890000")

    organization = ping(client, acme_key).json()["organization"]
    assert organization["name"] == "Acme Holding BV"
    assert {"scheme": "0190", "value": "00000001234567890000"} in organization["identifiers"]

