"""Receiving is one state: the organization's choice switches its identifiers, the
identifiers' switches move the choice, and page, prompt and API say the same."""

import html
import re

import pytest

from onboarding.models import (
    ConnectionKey,
    Organization,
    OrganizationIdentifier,
    Software,
)
from tests.conftest import PASSWORD, text
from tests.onboarding.conftest import activated

pytestmark = pytest.mark.django_db


@pytest.fixture
def trading(cast):
    return activated(cast)


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


# -- switching off asks first; switching on does not ------------------------------------


def click_switch(client, url, marker):
    """Open `url` and submit the form around `marker` (a switch's data-switch or name) as
    the browser would on a click: its method, its action (else `url`), its hidden fields."""
    page = client.get(url).content.decode()
    start = page.rindex("<form", 0, page.index(marker))
    form = page[start:page.index("</form>", start)]
    method = re.search(r'method="(\w+)"', form).group(1)
    action = re.search(r'action="([^"]+)"', form)
    action = action.group(1) if action else url
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    fields.pop("csrfmiddlewaretoken", None)
    return getattr(client, method)(action, fields)


def test_it_asks_before_the_organization_stops_receiving(client, cast, trading):
    trading.decide_receiving(cast.admin, True)
    client.force_login(cast.admin)
    asked = click_switch(client, f"/organizations/{trading.pk}/", "Switch receiving off")

    assert asked.status_code == 200
    assert ("Invoices sent to Trading BV will no longer be received here, on any of its "
            "Peppol identifiers, until you switch receiving on again.") in text(asked)
    assert "Cancel" in text(asked)
    trading.refresh_from_db()
    assert trading.receiving_enabled and trading.receives
    assert "Receiving on" in receiving_box(client, trading)

    done = click_switch(client, asked.wsgi_request.get_full_path(),
                        'type="submit">Switch receiving off')

    assert done.status_code == 302
    trading.refresh_from_db()
    assert not trading.receives and not trading.receiving_enabled
    assert "Receiving off" in receiving_box(client, trading)


def test_it_asks_before_an_identifier_stops_receiving(client, cast, trading):
    trading.decide_receiving(cast.admin, True)
    client.force_login(cast.admin)
    first = trading.identifiers.get(scheme="0106")
    asked = click_switch(client, f"/organizations/{trading.pk}/",
                         f'data-switch="receive-{first.pk}"')

    assert asked.status_code == 200
    assert ("Invoices sent to Trading BV as 0106:12345678 will no longer be received here "
            "until you switch receiving on again for this identifier.") in text(asked)
    first.refresh_from_db()
    assert first.can_receive and first.receives

    done = click_switch(client, asked.wsgi_request.get_full_path(),
                        'type="submit">Switch receiving off')

    assert "0106:12345678 no longer receives." in text(client.get(done["Location"]))
    first.refresh_from_db()
    assert not first.can_receive
    trading.refresh_from_db()
    assert trading.receives  # through its other identifier


def test_it_switches_receiving_on_with_one_click(client, cast, trading):
    client.force_login(cast.admin)
    switched = click_switch(client, f"/organizations/{trading.pk}/", "Switch receiving on")

    assert switched.status_code == 302
    trading.refresh_from_db()
    assert trading.receiving_enabled and trading.receives

    first = trading.identifiers.get(scheme="0106")
    first.switch(cast.admin, "receive", False)
    switched = click_switch(client, f"/organizations/{trading.pk}/",
                            f'data-switch="receive-{first.pk}"')

    assert switched.status_code == 302
    first.refresh_from_db()
    assert first.can_receive and first.receives


def test_it_switches_sending_off_without_asking(client, cast, trading):
    client.force_login(cast.admin)
    first = trading.identifiers.get(scheme="0106")
    switched = click_switch(client, f"/organizations/{trading.pk}/",
                            f'data-switch="send-{first.pk}"')

    assert switched.status_code == 302
    first.refresh_from_db()
    assert not first.can_send


# -- why receiving that is on does not reach the organization yet ------------------------


@pytest.fixture
def waiting(cast):
    """Active, its own KvK number verified, and a GLN waiting for TechSupport."""
    org = activated(cast, "Waiting BV", ("0088", "1234567890128"))
    own, gln = org.identifiers.get(scheme="0106"), org.identifiers.get(scheme="0088")
    assert own.is_verified and not gln.is_verified
    org.decide_receiving(cast.admin, True)
    return org


def test_it_says_receiving_is_off_on_every_verified_identifier(client, cast, waiting):
    own = waiting.identifiers.get(scheme="0106")
    client.force_login(cast.admin)

    client.post(f"/organizations/identifiers/{own.pk}/switch/",
                {"direction": "receive", "enabled": "0"})

    box = html.unescape(receiving_box(client, waiting))
    assert "Receiving on, not yet in effect" in box
    assert ("Receiving is switched off on every verified identifier below. Switch it on for "
            "one of them to receive.") in box
    assert "TechSupport" not in box


def test_it_waits_for_techsupport_only_while_no_identifier_is_verified(client, cast, waiting):
    waiting.identifiers.get(scheme="0106").remove(cast.admin)
    client.force_login(cast.admin)

    box = html.unescape(receiving_box(client, waiting))

    assert "Receiving on, not yet in effect" in box
    assert "It starts when TechSupport has verified an identifier below." in box
    assert "switched off on every verified identifier" not in box
