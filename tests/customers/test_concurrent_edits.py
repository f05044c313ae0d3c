"""Two windows on one card or profile: the later save of a stale form changes nothing."""

import re

import pytest

from customers.models import CustomerCard, SendingProfile
from portal.errors import ChangeRefused
from tests.conftest import sign_in, text
from tests.customers.conftest import make_card, make_profile
from tests.customers.test_customer_cards import card_data
from tests.customers.test_sending_profiles import profile_data

pytestmark = pytest.mark.django_db

STALE_CARD = ("Someone changed this customer card while you were editing it; its current "
              "values are shown below — make your change again.")
STALE_PROFILE = ("Someone changed this sending profile while you were editing it; its current "
                 "values are shown below — make your change again.")


def version_in(response) -> str:
    found = re.search(r'name="version" value="([^"]*)"', response.content.decode())
    assert found, "the form carries no version"
    return found.group(1)


def test_it_refuses_a_stale_card_form_and_shows_the_current_values(client, cast, org):
    card = make_card(org, invoice_email="old@bakker.nl")
    sign_in(client, cast.admin)
    version_b = version_in(client.get(f"/customers/{card.pk}/edit/"))
    version_a = version_in(client.get(f"/customers/{card.pk}/edit/"))
    assert client.post(f"/customers/{card.pk}/edit/", card_data(
        invoice_email="new@bakker.nl", version=version_a)).status_code == 302

    response = client.post(f"/customers/{card.pk}/edit/", card_data(
        name="Bakker en Zn BV", invoice_email="old@bakker.nl", version=version_b))

    assert response.status_code == 409
    page = text(response)
    assert STALE_CARD in page
    assert 'value="new@bakker.nl"' in page and 'value="Bakker BV"' in page
    card.refresh_from_db()
    assert (card.name, card.invoice_email) == ("Bakker BV", "new@bakker.nl")
    # The form now carries the current version: saving it again goes through.
    assert client.post(f"/customers/{card.pk}/edit/", card_data(
        name="Bakker en Zn BV", invoice_email="new@bakker.nl",
        version=version_in(response))).status_code == 302
    card.refresh_from_db()
    assert (card.name, card.invoice_email) == ("Bakker en Zn BV", "new@bakker.nl")


def test_it_still_changes_a_card_for_callers_without_a_version(cast, org):
    card = make_card(org)
    CustomerCard.objects.get(pk=card.pk).change(by=cast.admin, environment=cast.company,
                                                 name="Elsewhere")

    card.change(by=cast.admin, environment=cast.company, invoice_email="x@bakker.nl")

    card.refresh_from_db()
    assert (card.name, card.invoice_email) == ("Elsewhere", "x@bakker.nl")


def test_it_refuses_a_stale_version_in_the_model(cast, org):
    card = make_card(org)
    version = card.version
    card.change(by=cast.admin, environment=cast.company, name="First")

    with pytest.raises(ChangeRefused, match="Someone changed this customer card"):
        card.change(by=cast.admin, environment=cast.company, name="Second", version=version)
    card.refresh_from_db()
    assert card.name == "First"


def test_it_refuses_a_stale_profile_form_and_shows_the_current_values(client, cast, org):
    profile = make_profile(org)
    sign_in(client, cast.admin)
    version_b = version_in(client.get(f"/sending-profiles/{profile.pk}/"))
    version_a = version_in(client.get(f"/sending-profiles/{profile.pk}/"))
    assert client.post(f"/sending-profiles/{profile.pk}/", profile_data(
        processing_mode="manual", version=version_a)).status_code == 302

    response = client.post(f"/sending-profiles/{profile.pk}/", profile_data(
        name="eConnect PSB", version=version_b))

    assert response.status_code == 409
    assert STALE_PROFILE in text(response)
    assert re.search(r'value="manual"[^>]*checked', response.content.decode())
    profile.refresh_from_db()
    assert (profile.name, profile.processing_mode) == ("eConnect", "manual")


def test_it_sends_a_save_of_a_card_deleted_meanwhile_to_the_list(client, cast, org):
    card = make_card(org)
    sign_in(client, cast.admin)
    version = version_in(client.get(f"/customers/{card.pk}/edit/"))
    client.post(f"/customers/{card.pk}/delete/", {"organization": org.pk})

    edit = client.post(f"/customers/{card.pk}/edit/",
                       card_data(version=version, organization=org.pk), follow=True)
    delete = client.post(f"/customers/{card.pk}/delete/", {"organization": org.pk}, follow=True)

    for response in (edit, delete):
        assert response.redirect_chain[-1][0] == f"/organizations/{org.pk}/customers/"
        assert "This customer card was deleted meanwhile." in text(response)
    assert not CustomerCard.objects.exists()


def test_it_sends_a_save_of_a_profile_deleted_meanwhile_to_the_list(client, cast, org):
    profile = make_profile(org)
    sign_in(client, cast.admin)
    client.post(f"/sending-profiles/{profile.pk}/delete/", {"organization": org.pk})

    edit = client.post(f"/sending-profiles/{profile.pk}/",
                       profile_data(organization=org.pk), follow=True)
    delete = client.post(f"/sending-profiles/{profile.pk}/delete/", {"organization": org.pk},
                         follow=True)

    for response in (edit, delete):
        assert response.redirect_chain[-1][0] == f"/organizations/{org.pk}/sending-profiles/"
        assert "This sending profile was deleted meanwhile." in text(response)
    assert not SendingProfile.objects.exists()


def test_it_keeps_another_organizations_card_a_404(client, cast, org, client_org):
    card = make_card(client_org)
    profile = make_profile(client_org)
    sign_in(client, cast.admin)

    assert client.post(f"/customers/{card.pk}/edit/",
                       card_data(organization=org.pk)).status_code == 404
    assert client.post(f"/customers/{card.pk}/delete/",
                       {"organization": org.pk}).status_code == 404
    assert client.post(f"/sending-profiles/{profile.pk}/delete/",
                       {"organization": org.pk}).status_code == 404
    # An id that never existed says nothing either.
    assert client.post("/customers/999999/delete/", {"organization": org.pk}).status_code == 404
    assert CustomerCard.objects.filter(pk=card.pk).exists()
