"""Receiving is one state: the organization's choice switches its identifiers, the
identifiers' switches move the choice, and page, prompt and API say the same."""

import pytest

from onboarding.models import (
    ConnectionKey,
    Organization,
    OrganizationIdentifier,
    Software,
    Subscription,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def trading(cast):
    cast.company.subscription = Subscription.BASIC
    cast.company.save()
    org = Organization.create(environment=cast.company, by=cast.admin, name="Trading BV",
                              registry_number="12345678", registry_checked=True)
    OrganizationIdentifier.add(org, cast.admin, "0106", "12345678")
    OrganizationIdentifier.add(org, cast.admin, "0088", "1234567890128")
    org.request_activation(cast.admin, requester_name="A", requester_role="B",
                           registry_number="12345678")
    org.approve(cast.techsupport)
    return org


def receiving_box(client, org):
    page = client.get(f"/organizations/{org.pk}/").content.decode()
    return page[page.index('id="receiving-state"'):page.index('id="details"')]


def test_it_switches_every_identifier_on_from_the_prompt(client, cast, trading):
    client.post("/accounts/login/", {"login": cast.admin.email, "password": PASSWORD})

    client.post("/receiving/", {"organization": trading.pk, "receiving": "enable",
                                "from_prompt": "1"})

    assert list(trading.identifiers.values_list("can_receive", flat=True)) == [True, True]
    trading.refresh_from_db()
    assert trading.receives
    box = receiving_box(client, trading)
    assert "Receiving on" in box and "0106:12345678" in box and "0088:1234567890128" in box
    assert "stays off until you switch it on" not in box
    key = ConnectionKey.issue(organization=trading, software=Software.OTHER, by=cast.admin)
    api = client.get("/api/v1/organization", HTTP_AUTHORIZATION=basic(key))
    assert api.json()["receiving"] is True
    assert [i["can_receive"] for i in api.json()["identifiers"]] == [True, True]


def basic(issued):
    import base64

    token = base64.b64encode(f"{issued.key.app_key}:{issued.secret}".encode()).decode()
    return f"Basic {token}"


def test_it_turns_the_organization_off_when_its_last_identifier_stops(client, cast, trading):
    trading.decide_receiving(cast.admin, True)
    client.force_login(cast.admin)
    first, second = trading.identifiers.all()

    for identifier in (first, second):
        client.post(f"/organizations/identifiers/{identifier.pk}/switch/",
                    {"direction": "receive", "enabled": "0"})

    trading.refresh_from_db()
    assert trading.receive_decision == Organization.ReceiveDecision.DECLINED
    assert "Receiving off" in receiving_box(client, trading)

    client.post(f"/organizations/identifiers/{first.pk}/switch/",
                {"direction": "receive", "enabled": "1"})
    trading.refresh_from_db()
    assert trading.receiving_enabled and trading.receives


def test_it_lets_a_new_identifier_follow_the_organizations_choice(cast, trading):
    trading.decide_receiving(cast.admin, True)
    added = OrganizationIdentifier.add(trading, cast.admin, "9944", "NL123456782B01")
    assert added.can_receive and not added.receives  # on, and waiting for TechSupport
    added.verify(cast.techsupport)
    assert added.receives


def test_it_switches_every_identifier_off_with_the_organization(client, cast, trading):
    trading.decide_receiving(cast.admin, True)
    client.force_login(cast.admin)

    client.post(f"/organizations/{trading.pk}/receiving/", {"enabled": "0"})

    assert not trading.identifiers.filter(can_receive=True).exists()
    trading.refresh_from_db()
    assert not trading.receives and "Receiving off" in receiving_box(client, trading)
