import pytest
from django.db import IntegrityError, transaction

from customers.models import SendingProfile
from customers.models.profiles import parse_field_mapping
from onboarding.models import AuditEvent, Membership, OrganizationMember, Role
from tests.conftest import field_error, sign_in, text
from tests.customers.conftest import make_card, make_profile

pytestmark = pytest.mark.django_db


def profile_data(**fields):
    data = {"name": "eConnect", "processing_mode": "automatic", "send_via_peppol": "on",
            "field_mapping": ""}
    data.update(fields)
    return data


def test_it_explains_both_processing_modes_in_the_form(client, cast, org):
    sign_in(client, cast.admin)

    page = text(client.get(f"/organizations/{org.pk}/sending-profiles/add/"))

    assert "Automatic: The invoice is submitted and validated as soon as it is posted; errors " \
           "can still be corrected." in page
    assert "Manual: The invoice is locked once it is posted; correcting an error needs a " \
           "credit note." in page
    assert "Send via Peppol" in page and "standard mapping" in page


def test_it_adds_a_profile_with_a_field_mapping(client, cast, org):
    sign_in(client, cast.admin)

    response = client.post(f"/organizations/{org.pk}/sending-profiles/add/", profile_data(
        processing_mode="manual", field_mapping="YourReference = cbc:BuyerReference\n"
                                                "ExternalDocumentNo = bt-13\n"))

    assert response.status_code == 302
    profile = SendingProfile.objects.get(organization=org)
    assert profile.processing_mode == "manual" and profile.send_via_peppol
    assert not profile.is_default
    assert profile.field_mapping == {"YourReference": "cbc:BuyerReference",
                                     "ExternalDocumentNo": "cac:OrderReference/cbc:ID"}
    event = AuditEvent.objects.get(action="sending_profile.created")
    assert event.environment == cast.company and event.after["name"] == "eConnect"
    listing = text(client.get(f"/organizations/{org.pk}/sending-profiles/"))
    assert "eConnect" in listing and "2 fields" in listing


def test_it_shows_field_mapping_mistakes_next_to_the_field(client, cast, org):
    sign_in(client, cast.admin)

    response = client.post(f"/organizations/{org.pk}/sending-profiles/add/",
                           profile_data(field_mapping="YourReference -> BuyerReference"))

    assert response.status_code == 400
    assert "Line 1: write the ERP field" in field_error(response, "field_mapping")
    assert not SendingProfile.objects.exists()


def test_it_reads_the_field_mapping_lines():
    assert parse_field_mapping("# comment\n\nA = cbc:Note\n") == {"A": "cbc:Note"}
    with pytest.raises(ValueError, match="not a UBL element"):
        parse_field_mapping("A = Note")
    with pytest.raises(ValueError, match="mapped twice"):
        parse_field_mapping("A = cbc:Note\nA = BT-10")


def test_it_refuses_a_second_profile_with_the_same_name(client, cast, org):
    make_profile(org, "eConnect")
    sign_in(client, cast.admin)

    response = client.post(f"/organizations/{org.pk}/sending-profiles/add/", profile_data())

    assert response.status_code == 400
    assert "already has a sending profile with this name" in field_error(response, "name")
    assert SendingProfile.objects.count() == 1


def test_it_asks_for_confirmation_with_the_affected_customers_before_making_a_default(
        client, cast, org):
    profile = make_profile(org)
    make_card(org, customer_number="1", peppol_registered=True, peppol_accepts_invoice=True)
    make_card(org, customer_number="2", peppol_registered=False)
    make_card(org, customer_number="3")
    make_card(org, customer_number="4", sending_profile=profile)
    sign_in(client, cast.admin)

    page = text(client.get(f"/sending-profiles/{profile.pk}/default/"))

    assert "Usually, do not make a profile the default." in page
    assert "which breaks for customers that are not on Peppol" in page
    assert "3 customers have no sending profile of their own" in page
    assert "Of those, 1 cannot receive Peppol invoices." in page
    assert "1 has not been checked." in page
    profile.refresh_from_db()
    assert not profile.is_default


def test_it_makes_a_profile_the_default_after_confirmation_and_audits_it(client, cast, org):
    old = make_profile(org, "Old", is_default=True)
    new = make_profile(org, "New")
    make_card(org)
    sign_in(client, cast.admin)

    response = client.post(f"/sending-profiles/{new.pk}/default/")

    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert new.is_default and not old.is_default
    event = AuditEvent.objects.get(action="sending_profile.made_default")
    assert event.before == {"default": "Old"}
    assert event.after["default"] == "New" and event.after["customers_without_profile"] == 1
    # Once more is a no-op.
    client.post(f"/sending-profiles/{new.pk}/default/")
    assert AuditEvent.objects.filter(action="sending_profile.made_default").count() == 1


def test_it_offers_making_a_new_profile_default_through_the_same_warning(client, cast, org):
    sign_in(client, cast.admin)

    response = client.post(f"/organizations/{org.pk}/sending-profiles/add/",
                           profile_data(make_default="on"))

    profile = SendingProfile.objects.get()
    assert response.url == f"/sending-profiles/{profile.pk}/default/"
    assert not profile.is_default


def test_it_keeps_at_most_one_default_in_the_database(org):
    make_profile(org, "One", is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_profile(org, "Two", is_default=True)
    other = make_profile(org, "Three")
    assert not other.is_default


def test_it_stops_being_default_after_confirmation(client, cast, org):
    profile = make_profile(org, is_default=True)
    make_card(org)
    sign_in(client, cast.admin)

    assert "1 customer has no sending profile of its own" in text(
        client.get(f"/sending-profiles/{profile.pk}/not-default/"))
    client.post(f"/sending-profiles/{profile.pk}/not-default/")

    profile.refresh_from_db()
    assert not profile.is_default
    assert AuditEvent.objects.filter(action="sending_profile.default_removed").exists()


def test_it_changes_a_profile(client, cast, org):
    profile = make_profile(org)
    sign_in(client, cast.admin)

    response = client.post(f"/sending-profiles/{profile.pk}/", profile_data(
        name="eConnect PSB", processing_mode="manual"))

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.name, profile.processing_mode) == ("eConnect PSB", "manual")
    event = AuditEvent.objects.get(action="sending_profile.changed")
    assert event.before["name"] == "eConnect" and event.after["name"] == "eConnect PSB"


def test_it_deletes_a_profile_after_saying_how_many_cards_use_it(client, cast, org):
    profile = make_profile(org)
    card = make_card(org, sending_profile=profile)
    sign_in(client, cast.admin)

    assert "1 customer card names this profile" in text(
        client.get(f"/sending-profiles/{profile.pk}/delete/"))
    client.post(f"/sending-profiles/{profile.pk}/delete/")

    assert not SendingProfile.objects.exists()
    card.refresh_from_db()
    assert card.sending_profile is None
    assert AuditEvent.objects.get(action="sending_profile.deleted").before["customer_cards"] == 1


def test_it_lets_members_look_but_not_change(client, cast, org):
    profile = make_profile(org)
    OrganizationMember.objects.create(organization=org, user=cast.basic)
    sign_in(client, cast.basic)

    listing = text(client.get(f"/organizations/{org.pk}/sending-profiles/"))

    assert "eConnect" in listing and "Make default" not in listing
    assert client.get(f"/organizations/{org.pk}/sending-profiles/add/").status_code == 403
    assert client.post(f"/sending-profiles/{profile.pk}/default/").status_code == 403
    profile.refresh_from_db()
    assert not profile.is_default


def test_it_hides_profiles_from_a_basic_user_who_is_no_member(client, cast, org):
    profile = make_profile(org)
    Membership.objects.filter(user=cast.basic).update(role=Role.BASIC)
    sign_in(client, cast.basic)

    assert client.get(f"/organizations/{org.pk}/sending-profiles/").status_code == 404
    assert client.get(f"/sending-profiles/{profile.pk}/").status_code == 404
