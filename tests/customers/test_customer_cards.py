import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.models import CustomerCard
from onboarding.models import AuditEvent, OrganizationMember
from tests.conftest import field_error, sign_in, text
from tests.customers.conftest import make_card, make_profile

pytestmark = pytest.mark.django_db


def card_data(**fields):
    data = {"name": "Bakker BV", "customer_number": "1001", "country": "NL",
            "invoice_email": "facturen@bakker.nl", "endpoint_scheme": "0106",
            "endpoint_value": "12345678", "legal_scheme": "", "legal_value": "",
            "buyer_reference_source": "your_reference", "einvoicing_method": "sending_profile",
            "sending_profile": ""}
    data.update(fields)
    return data


def add(client, org, **fields):
    return client.post(f"/organizations/{org.pk}/customers/add/", card_data(**fields))


def test_it_adds_a_card_with_a_checked_endpoint_id(client, cast, org):
    profile = make_profile(org)
    sign_in(client, cast.admin)

    response = add(client, org, endpoint_value=" 1234 5678 ", legal_scheme="0088",
                   legal_value="1234567890128", sending_profile=profile.pk)

    card = CustomerCard.objects.get()
    assert response.url == f"/customers/{card.pk}/"
    assert card.endpoint_id == "0106:12345678" and card.legal_id == "0088:1234567890128"
    assert card.sending_profile == profile and card.invoice_email == "facturen@bakker.nl"
    page = text(client.get(response.url))
    assert "0106:12345678" in page and "Your reference" in page and "eConnect" in page
    event = AuditEvent.objects.get(action="customer_card.created")
    assert event.environment == cast.company and event.after["endpoint_value"] == "12345678"


def test_it_shows_a_bad_gln_next_to_the_field_and_stores_nothing(client, cast, org):
    sign_in(client, cast.admin)

    response = add(client, org, endpoint_scheme="0088", endpoint_value="1234567890123")

    assert response.status_code == 400
    assert field_error(response, "endpoint_value") == (
        "The last digit of this GLN does not match the others; check for a typo.")
    assert not CustomerCard.objects.exists()


def test_it_refuses_an_endpoint_scheme_that_cannot_address_invoices(client, cast, org):
    sign_in(client, cast.admin)

    response = add(client, org, endpoint_scheme="0203", endpoint_value="abc")

    assert response.status_code == 400
    assert field_error(response, "endpoint_scheme")


def test_it_explains_why_a_legal_id_scheme_may_not_start_with_9(client, cast, org):
    sign_in(client, cast.admin)

    form = text(client.get(f"/organizations/{org.pk}/customers/add/"))
    response = add(client, org, legal_scheme="9944", legal_value="NL123456789B01")

    assert "Schemes starting with 9 are Peppol's own additions" in form
    assert response.status_code == 400
    assert "Schemes starting with 9 are Peppol's own additions for addressing" in field_error(
        response, "legal_scheme")
    assert not CustomerCard.objects.exists()


def test_it_addresses_a_government_customer_by_oin(client, cast, org):
    sign_in(client, cast.admin)

    refused = add(client, org, is_government="on")
    accepted = add(client, org, is_government="on", endpoint_scheme="0190",
                   endpoint_value="00000001234567890000")

    assert "addressed by its OIN" in field_error(refused, "endpoint_scheme")
    assert accepted.status_code == 302
    card = CustomerCard.objects.get()
    assert card.is_government and card.endpoint_id == "0190:00000001234567890000"


def test_it_uses_the_dummy_kvk_number_with_a_visible_warning(client, cast, org):
    sign_in(client, cast.admin)

    response = add(client, org, endpoint_scheme="", endpoint_value="", no_kvk="on")

    card = CustomerCard.objects.get()
    assert card.endpoint_id == "0106:99999998" and card.uses_dummy_kvk
    page = text(client.get(response.url))
    assert "Dummy KvK number." in page and "cannot be delivered over Peppol" in page
    listing = text(client.get(f"/organizations/{org.pk}/customers/"))
    assert "dummy" in listing


def test_it_refuses_the_dummy_number_on_top_of_another_endpoint_id(client, cast, org):
    sign_in(client, cast.admin)

    response = add(client, org, no_kvk="on")

    assert "the dummy number takes the Endpoint-ID's place" in field_error(response, "no_kvk")


def test_it_requires_a_buyer_reference_source_and_says_why(client, cast, org):
    sign_in(client, cast.admin)

    form = text(client.get(f"/organizations/{org.pk}/customers/add/"))
    response = add(client, org, buyer_reference_source="")

    assert "A Peppol invoice needs a buyer reference or an order reference." in form
    assert "Sending profile of documents" in form and "eVerbinding (legacy connection)" in form
    assert field_error(response, "buyer_reference_source") == "This field is required."


def test_it_marks_the_legacy_connection_on_the_card(client, cast, org):
    card = make_card(org, einvoicing_method="e_connection")
    sign_in(client, cast.admin)

    page = text(client.get(f"/customers/{card.pk}/"))

    assert "eVerbinding (legacy connection)" in page and 'id="legacy-method"' in page


def test_it_refuses_a_customer_number_twice(client, cast, org):
    make_card(org, customer_number="1001")
    sign_in(client, cast.admin)

    response = add(client, org)

    assert response.status_code == 400
    assert "already has a customer with this customer number" in field_error(
        response, "customer_number")


def test_it_says_the_number_is_taken_together_with_the_other_mistakes(client, cast, org):
    make_card(org, customer_number="1001")
    sign_in(client, cast.admin)

    response = add(client, org, endpoint_scheme="0106", endpoint_value="12")

    assert "already has a customer with this customer number" in field_error(
        response, "customer_number")
    assert field_error(response, "endpoint_value")


def test_it_keeps_a_cards_own_number_when_it_is_changed(client, cast, org):
    card = make_card(org, customer_number="1001")
    sign_in(client, cast.admin)

    response = client.post(f"/customers/{card.pk}/edit/", {
        "name": "Bakker & Zn", "customer_number": "1001", "country": "NL",
        "endpoint_scheme": "0106", "endpoint_value": "12345678",
        "buyer_reference_source": "your_reference", "einvoicing_method": "sending_profile"})

    assert response.status_code == 302
    card.refresh_from_db()
    assert card.name == "Bakker & Zn"


def test_it_refuses_another_organizations_profile(client, cast, org):
    other = make_profile(org.__class__.objects.create(
        environment=cast.other, name="Other BV", company_id="XCNL99999999"))
    sign_in(client, cast.admin)

    response = add(client, org, sending_profile=other.pk)

    assert response.status_code == 400
    assert field_error(response, "sending_profile")


def test_it_changes_a_card_and_forgets_the_lookup_of_the_old_endpoint_id(client, cast, org):
    card = make_card(org, peppol_registered=True, peppol_accepts_invoice=True,
                     peppol_checked_at=timezone.now())
    sign_in(client, cast.admin)

    response = client.post(f"/customers/{card.pk}/edit/", card_data(
        endpoint_scheme="0088", endpoint_value="1234567890128"))

    assert response.status_code == 302
    card.refresh_from_db()
    assert card.endpoint_id == "0088:1234567890128"
    assert card.peppol_registered is None and card.peppol_checked_at is None
    event = AuditEvent.objects.get(action="customer_card.changed")
    assert event.before == {"endpoint_scheme": "0106", "endpoint_value": "12345678",
                            "invoice_email": ""}
    assert event.after["endpoint_value"] == "1234567890128"


def test_it_keeps_the_lookup_when_the_endpoint_id_stays(client, cast, org):
    card = make_card(org, peppol_registered=True, peppol_accepts_invoice=True,
                     peppol_checked_at=timezone.now())
    sign_in(client, cast.admin)

    client.post(f"/customers/{card.pk}/edit/", card_data(name="Bakker en Zn BV"))

    card.refresh_from_db()
    assert card.name == "Bakker en Zn BV" and card.peppol_registered is True


def test_it_deletes_a_card_after_confirmation(client, cast, org):
    card = make_card(org)
    sign_in(client, cast.admin)

    assert "Delete customer" in text(client.get(f"/customers/{card.pk}/delete/"))
    response = client.post(f"/customers/{card.pk}/delete/")

    assert response.url == f"/organizations/{org.pk}/customers/"
    assert not CustomerCard.objects.exists()
    assert AuditEvent.objects.get(action="customer_card.deleted").before["name"] == "Bakker BV"


def test_it_shows_members_the_cards_but_lets_only_administrators_change_them(client, cast, org):
    card = make_card(org)
    OrganizationMember.objects.create(organization=org, user=cast.basic)
    sign_in(client, cast.basic)

    assert "Bakker BV" in text(client.get(f"/organizations/{org.pk}/customers/"))
    assert "Check Peppol" not in text(client.get(f"/customers/{card.pk}/"))
    assert client.get(f"/customers/{card.pk}/edit/").status_code == 403
    assert client.post(f"/customers/{card.pk}/delete/").status_code == 403
    assert CustomerCard.objects.exists()


@pytest.mark.parametrize("fields, constraint", [
    ({"customer_number": ""}, "customer_number_required"),
    ({"endpoint_value": ""}, "endpoint_scheme_with_value"),
    ({"legal_scheme": "0088"}, "legal_id_scheme_with_value"),
    ({"legal_scheme": "9944", "legal_value": "NL1"}, "legal_id_scheme_not_9"),
    ({"is_government": True}, "government_customer_by_oin"),
])
def test_it_guards_card_rules_in_the_database(org, fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        make_card(org, **fields)


def test_it_keeps_customer_numbers_unique_per_organization_in_the_database(org):
    make_card(org)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_card(org)


def test_it_names_the_violated_rule_when_a_card_is_validated(org):
    card = CustomerCard(organization=org, name="X", customer_number="1",
                        legal_scheme="9944", legal_value="NL1")
    with pytest.raises(Exception, match="Schemes starting with 9"):
        card.validate_constraints()


def test_it_refuses_control_characters_in_a_name_at_the_field(client, cast, org):
    sign_in(client, cast.admin)

    response = add(client, org, name="Bakker\x1b[31m BV", customer_number="10\x7f01")

    assert response.status_code == 400
    message = "This text contains invisible control characters. Type it again instead of " \
              "pasting it."
    assert field_error(response, "name") == message
    assert field_error(response, "customer_number") == message
    assert not CustomerCard.objects.exists()
    # Tabs and line breaks are text.
    assert add(client, org, name="Bakker\tBV").status_code == 302


def test_it_says_a_card_deleted_while_it_was_being_changed_is_gone(cast, org):
    from portal.errors import ChangeRefused

    card = make_card(org)
    # Read for the change before another tab deleted it.
    CustomerCard.objects.filter(pk=card.pk).delete()

    with pytest.raises(ChangeRefused, match="This customer card was deleted meanwhile."):
        card.change(by=cast.admin, environment=cast.company, name="Bakker en Zn BV")
    assert not CustomerCard.objects.exists()
