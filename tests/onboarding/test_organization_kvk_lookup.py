"""Adding a Dutch organization from the KvK register, against the KvK stand-in on 127.0.0.1."""

import pytest

from onboarding.models import Organization, Subscription
from tests.conftest import give_identifier, sign_in
from tests.onboarding.test_organization_pages import field_error, text
from tests.standins.kvk import KvKStandIn

pytestmark = pytest.mark.django_db

API_KEY = "test-key"


@pytest.fixture
def kvk(settings, monkeypatch):
    # A proxy from the environment must not intercept calls to 127.0.0.1.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with KvKStandIn(api_key=API_KEY) as standin:
        settings.KVK_API_URL = standin.base_url
        settings.KVK_API_KEY = API_KEY
        settings.KVK_TIMEOUT = 2.0
        yield standin


@pytest.fixture
def admin(client, cast):
    return sign_in(client, cast.admin)


def pick(client, kvk_number):
    return client.post("/organizations/add/",
                       {"country": "NL", "action": "pick", "kvk_number": kvk_number})


def save(client, **fields):
    data = {"country": "NL", "action": "save", "name": "Bakkerij De Gouden Korenaar B.V.",
            "registry_number": "81234567", "street": "Langestraat 12", "postal_code": "3811AB",
            "city": "Amersfoort"}
    data.update(fields)
    return client.post("/organizations/add/", data)


def test_it_finds_a_company_by_kvk_number_and_saves_it_as_checked(client, kvk, admin):
    found = text(client.get("/organizations/add/", {"country": "NL", "q": "8123 4567"}))
    assert "Bakkerij De Gouden Korenaar B.V." in found and "Use this" in found
    # The search answers no house number.
    assert "KvK number 81234567 · Langestraat, Amersfoort</small>" in found
    assert "Enter it myself" in found

    picked = pick(client, "81234567")
    form = text(picked)
    assert picked.status_code == 200
    assert 'value="Bakkerij De Gouden Korenaar B.V."' in form
    assert 'value="Langestraat 12"' in form and 'value="3811AB"' in form
    assert 'value="Amersfoort"' in form
    assert 'value="81234567"' in form and "readonly" in form
    assert "Filled in from the KvK register" in form

    response = save(client, name="Bakkerij De Korenaar")

    org = Organization.objects.get()
    assert response["Location"] == f"/organizations/{org.pk}/"
    assert org.name == "Bakkerij De Korenaar"  # the name may be changed, the register kept
    assert org.registry_number == "81234567" and org.registry_checked is True
    assert org.registry_snapshot["kvkNummer"] == "81234567"
    assert org.registry_snapshot["naam"] == "Bakkerij De Gouden Korenaar B.V."
    assert org.registry_snapshot["_embedded"]["hoofdvestiging"]["adressen"]
    assert [str(i) for i in org.identifiers.all()] == ["0106:81234567"]
    detail = text(client.get(response["Location"]))
    assert "In the KvK register when it was added" in detail and "Broodbakkerijen" in detail
    assert [r.path for r in kvk.requests] == ["/api/v2/zoeken", "/api/v1/basisprofielen/81234567"]


def test_it_finds_companies_by_name(client, kvk, admin):
    page = text(client.get("/organizations/add/", {"country": "NL", "q": "korenaar"}))
    assert "81234567" in page
    assert kvk.requests[0].param("naam") == "korenaar"


def test_it_says_when_the_register_has_no_such_company(client, kvk, admin):
    page = text(client.get("/organizations/add/", {"country": "NL", "q": "99999999"}))
    assert "The KvK register has no company for “99999999”." in page
    assert "Enter it myself" in page

    unknown = text(pick(client, "99999999"))
    assert "No company with this KvK number is in the KvK register." in unknown
    assert 'id="organization-form"' in unknown


def test_it_shows_the_outage_and_keeps_the_form_by_hand(client, kvk, admin):
    kvk.fail_with(503)
    page = text(client.get("/organizations/add/", {"country": "NL", "q": "81234567"}))
    assert "The KvK register cannot be reached right now." in page
    assert 'id="organization-form"' in page and 'name="street"' in page

    response = save(client)

    org = Organization.objects.get()
    assert response.status_code == 302
    assert org.registry_checked is False and org.registry_snapshot == {}


def test_it_shows_the_outage_when_picking_a_company(client, kvk, admin):
    client.get("/organizations/add/", {"country": "NL", "q": "81234567"})
    kvk.fail_with(503)
    page = text(pick(client, "81234567"))
    assert "The KvK register cannot be reached right now." in page
    assert 'value="81234567"' in page and "readonly" not in page


def test_it_explains_a_refused_api_key(client, kvk, admin, settings):
    settings.KVK_API_KEY = "wrong-key"
    page = text(client.get("/organizations/add/", {"country": "NL", "q": "81234567"}))
    assert "The KvK register refused the portal's API key." in page
    assert 'id="organization-form"' in page


def test_it_offers_the_form_by_hand_when_the_lookup_is_off(client, cast, admin, settings):
    settings.KVK_API_KEY = ""
    page = text(client.get("/organizations/add/", {"country": "NL"}))
    assert "Looking up companies in the KvK register is switched off." in page
    assert 'id="organization-form"' in page and 'id="kvk-search"' not in page
    # A mistake in the form does not send the user back to the switched-off lookup.
    response = client.post("/organizations/add/", {"country": "NL", "name": "Acme BV"})
    assert field_error(response, "city")
    assert "Look it up in the KvK register instead" not in text(response)


def test_it_does_not_trust_a_kvk_number_that_was_not_looked_up(client, kvk, admin):
    pick(client, "76543210")  # a lookup of another company does not vouch for this one

    response = save(client, registry_checked="True",
                    registry_snapshot='{"kvkNummer": "81234567", "naam": "Forged"}')

    org = Organization.objects.get()
    assert response.status_code == 302
    assert org.registry_number == "81234567"
    assert org.registry_checked is False and org.registry_snapshot == {}


def test_it_uses_a_looked_up_profile_once(client, kvk, admin, cast):
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    pick(client, "81234567")
    save(client)
    # The organization left the register data; a second copy would be typed by hand.
    save(client, name="Second")
    first, second = Organization.objects.order_by("id")
    assert first.registry_checked is True
    assert second.registry_checked is False


def test_it_shows_an_invalid_form_with_the_register_data_kept(client, kvk, admin):
    pick(client, "81234567")
    response = save(client, city="")
    assert field_error(response, "city") == "This field is required."
    assert "readonly" in text(response)
    save(client)
    assert Organization.objects.get().registry_checked is True


def test_it_takes_a_fresh_register_snapshot_when_activation_is_requested(client, cast, settings):
    from onboarding.models import Organization
    from tests.standins.kvk import KvKStandIn

    with KvKStandIn(api_key="snap-key") as standin:
        settings.KVK_API_URL = standin.base_url
        settings.KVK_API_KEY = "snap-key"
        org = Organization.create(environment=cast.company, by=cast.admin, name="Old name",
                                  registry_number="81234567", registry_checked=True,
                                  registry_snapshot={"naam": "Old name"})
        give_identifier(org, cast.admin)
        client.force_login(cast.admin)
        client.post(f"/organizations/{org.pk}/activate/", {
            "requester_name": "Anna", "requester_role": "Director",
            "registry_number": "81234567", "authorised": "on"})
    snapshot = org.activation_requests.get().registry_snapshot
    assert snapshot["naam"] == "Bakkerij De Gouden Korenaar B.V."


def test_it_ties_an_empty_search_to_the_search_field(client, kvk, admin):
    page = client.get("/organizations/add/", {"country": "NL", "q": ""}).content.decode()

    assert 'aria-invalid="true" aria-describedby="kvk-q-error"' in page
    assert '<div class="invalid-feedback" id="kvk-q-error">' in page
