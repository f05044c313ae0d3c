import time

import pytest
import requests

from onboarding.clients.kvk import (
    NOT_CONFIGURED_MESSAGE,
    UNAVAILABLE_MESSAGE,
    KvKAuthError,
    KvKBadRequest,
    KvKClient,
    KvKError,
    KvKNotConfigured,
    KvKNotFound,
    KvKProfile,
    KvKUnavailable,
)
from tests.standins.kvk import KvKStandIn

API_KEY = "test-key"


@pytest.fixture
def kvk():
    with KvKStandIn(api_key=API_KEY) as standin:
        yield standin


@pytest.fixture
def session():
    with requests.Session() as session:
        # A proxy from the environment must not intercept calls to 127.0.0.1.
        session.trust_env = False
        yield session


@pytest.fixture
def client(kvk, session):
    return KvKClient(kvk.base_url, API_KEY, timeout=2.0, session=session)


def test_it_finds_a_company_by_kvk_number(kvk, client):
    results = client.search("8123 4567")

    assert [(r.kvk_number, r.name, r.city) for r in results] == [
        ("81234567", "Bakkerij De Gouden Korenaar B.V.", "Amersfoort")
    ]
    assert results[0].street == "Langestraat"
    assert results[0].kind == "hoofdvestiging"
    (request,) = kvk.requests
    assert request.path == "/api/v2/zoeken"
    assert request.param("kvkNummer") == "81234567"
    assert request.param("naam") is None
    assert request.header("apikey") == API_KEY


def test_it_finds_companies_by_name_whatever_the_case(kvk, client):
    kvk.add_company("90123456", "Korenaar Catering B.V.", "Markt", 1, "3811CJ", "Amersfoort")

    results = client.search("KORENAAR")

    assert {r.name for r in results} == {
        "Bakkerij De Gouden Korenaar B.V.",
        "Korenaar Catering B.V.",
    }
    assert kvk.requests[0].param("naam") == "KORENAAR"


def test_it_returns_an_empty_list_when_nothing_matches(kvk, client):
    assert client.search("Geen Bedrijf Met Deze Naam") == []
    assert client.search("99999999") == []
    assert len(kvk.requests) == 2


def test_it_does_not_take_a_wrong_base_url_for_no_results(kvk, session):
    # Without "/api" every path is a plain 404, not KvK's "no results" answer.
    client = KvKClient(kvk.base_url.removesuffix("/api"), API_KEY, session=session)

    with pytest.raises(KvKError) as error:
        client.search("Korenaar")

    assert type(error.value) is KvKError
    assert error.value.status == 404


def test_it_maps_the_basisprofiel(kvk, client):
    kvk.add_company(
        "90123456",
        "Drukkerij Het Anker B.V.",
        "Prinsengracht",
        263,
        "1016 GV",
        "Amsterdam",
        house_letter="B",
        house_number_addition="2",
    )

    profile = client.basisprofiel("90123456")

    assert profile == KvKProfile(
        kvk_number="90123456",
        name="Drukkerij Het Anker B.V.",
        street="Prinsengracht",
        house_number="263B-2",
        postal_code="1016GV",
        city="Amsterdam",
        country="NL",
        legal_form="Besloten Vennootschap",
    )
    assert profile.raw["kvkNummer"] == "90123456"
    assert profile.raw["_embedded"]["hoofdvestiging"]["adressen"][0]["straatnaam"] == (
        "Prinsengracht"
    )
    assert kvk.requests[0].path == "/api/v1/basisprofielen/90123456"


def test_it_falls_back_to_the_postal_address_when_the_visiting_address_is_hidden(kvk, client):
    kvk.add_company(
        "90123457",
        "Studio Zeewind",
        "Duinweg",
        4,
        "2202AA",
        "Noordwijk",
        legal_form="Eenmanszaak",
        visiting_address_shielded=True,
        po_box=(77, "2200AB", "Noordwijk"),
    )

    profile = client.basisprofiel("90123457")

    assert (profile.street, profile.house_number, profile.postal_code, profile.city) == (
        "Postbus",
        "77",
        "2200AB",
        "Noordwijk",
    )
    assert profile.legal_form == "Eenmanszaak"


def test_it_raises_not_found_for_an_unknown_number(client):
    with pytest.raises(KvKNotFound):
        client.basisprofiel("99999999")


def test_it_raises_an_auth_error_when_the_key_is_refused(kvk, session):
    client = KvKClient(kvk.base_url, "wrong-key", session=session)

    with pytest.raises(KvKAuthError):
        client.search("Korenaar")
    with pytest.raises(KvKAuthError):
        client.basisprofiel("81234567")


def test_it_raises_unavailable_during_an_outage(kvk, client):
    kvk.fail_with(503)

    with pytest.raises(KvKUnavailable) as search_error:
        client.search("Korenaar")
    with pytest.raises(KvKUnavailable):
        client.basisprofiel("81234567")

    assert str(search_error.value) == UNAVAILABLE_MESSAGE
    assert search_error.value.status == 503


def test_it_raises_unavailable_while_kvk_updates_the_register(kvk, client):
    kvk.fail_with(404)

    with pytest.raises(KvKUnavailable):
        client.basisprofiel("81234567")
    with pytest.raises(KvKUnavailable):
        client.search("Korenaar")


def test_it_gives_up_after_its_timeout(kvk, session):
    kvk.delay(1.0)
    client = KvKClient(kvk.base_url, API_KEY, timeout=0.2, session=session)

    started = time.monotonic()
    with pytest.raises(KvKUnavailable):
        client.basisprofiel("81234567")

    assert time.monotonic() - started < 0.9


def test_it_raises_unavailable_when_nothing_listens(session):
    with KvKStandIn(api_key=API_KEY) as standin:
        base_url = standin.base_url
    client = KvKClient(base_url, API_KEY, timeout=1.0, session=session)

    with pytest.raises(KvKUnavailable):
        client.search("Korenaar")


def test_it_refuses_an_invalid_number_before_asking_kvk(kvk, client):
    for number in ("1234567", "123456789", "1234567a", "", "１２３４５６７８"):
        with pytest.raises(KvKBadRequest):
            client.basisprofiel(number)

    assert kvk.requests == []


def test_it_raises_bad_request_when_kvk_refuses_the_question(client):
    with pytest.raises(KvKBadRequest):
        client.search("Korenaar", per_page=500)


def test_it_refuses_to_look_up_without_an_api_key(kvk, session):
    client = KvKClient(kvk.base_url, "", session=session)

    assert not client.configured
    with pytest.raises(KvKNotConfigured) as error:
        client.search("Korenaar")
    with pytest.raises(KvKNotConfigured):
        client.basisprofiel("81234567")

    assert str(error.value) == NOT_CONFIGURED_MESSAGE
    assert kvk.requests == []
