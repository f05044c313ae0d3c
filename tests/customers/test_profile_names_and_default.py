"""Sending profile names are unique regardless of case; the delete page counts the cards
that use a profile as the default."""

import pytest
from django.db import IntegrityError, transaction

from customers.models import SendingProfile
from tests.conftest import field_error, sign_in, text
from tests.customers.conftest import make_card, make_profile
from tests.customers.test_sending_profiles import profile_data

pytestmark = pytest.mark.django_db

TAKEN = "This organization already has a sending profile with this name."


def test_it_refuses_a_name_that_differs_only_in_case(client, cast, org):
    make_profile(org, name="eConnect")
    sign_in(client, cast.admin)

    response = client.post(f"/organizations/{org.pk}/sending-profiles/add/",
                           profile_data(name="ECONNECT"))

    assert response.status_code == 400
    assert field_error(response, "name") == TAKEN
    assert SendingProfile.objects.count() == 1


def test_it_refuses_renaming_to_another_profiles_name_in_other_case(client, cast, org):
    make_profile(org, name="eConnect")
    other = make_profile(org, name="Email")
    sign_in(client, cast.admin)

    response = client.post(f"/sending-profiles/{other.pk}/", profile_data(name="econnect"))

    assert field_error(response, "name") == TAKEN
    other.refresh_from_db()
    assert other.name == "Email"
    # Its own name in another case is fine.
    assert client.post(f"/sending-profiles/{other.pk}/",
                       profile_data(name="EMAIL")).status_code == 302


def test_it_keeps_names_unique_regardless_of_case_in_the_database(org):
    make_profile(org, name="eConnect")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_profile(org, name="ECONNECT")


def test_it_counts_the_cards_that_get_the_default_on_its_delete_page(client, cast, org):
    default = make_profile(org, name="eConnect", is_default=True)
    make_card(org, sending_profile=default)
    for number in range(3):
        make_card(org, customer_number=f"2{number}")
    sign_in(client, cast.admin)

    page = text(client.get(f"/sending-profiles/{default.pk}/delete/"))

    assert "1 customer card names this profile" in page
    assert "3 customer cards have no profile of their own and use it as the default" in page


def test_it_shows_the_cards_via_the_default_in_the_profile_list(client, cast, org):
    make_profile(org, name="eConnect", is_default=True)
    make_card(org)
    make_card(org, customer_number="2")
    sign_in(client, cast.admin)

    page = text(client.get(f"/organizations/{org.pk}/sending-profiles/"))

    assert "+ 2 via default" in page
