"""An accountant manages a client's customer cards through a partnership, and only then."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import CustomerCard, ImportJob, SendingProfile
from onboarding.models import AuditEvent, Partnership
from portal.tenancy import SESSION_KEY
from tests.conftest import sign_in, text
from tests.customers.conftest import make_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def accountant(client, cast):
    sign_in(client, cast.accountant)
    session = client.session
    session[SESSION_KEY] = cast.accountancy.pk
    session.save()
    return client


def card_data(**fields):
    data = {"name": "Klant BV", "customer_number": "K1", "country": "NL",
            "endpoint_scheme": "0106", "endpoint_value": "12345678",
            "buyer_reference_source": "external_document_number",
            "einvoicing_method": "sending_profile"}
    data.update(fields)
    return data


def test_it_lets_an_accountant_with_a_partnership_manage_the_clients_cards(
        accountant, cast, client_org):
    Partnership.start(accountant=cast.accountancy, organization=client_org, by=cast.client_admin)
    card = make_card(client_org)

    listing = text(accountant.get(f"/organizations/{client_org.pk}/customers/"))
    added = accountant.post(f"/organizations/{client_org.pk}/customers/add/", card_data())
    changed = accountant.post(f"/customers/{card.pk}/edit/", card_data(
        name="Bakker en Zn", customer_number="1001"))
    profile = accountant.post(f"/organizations/{client_org.pk}/sending-profiles/add/", {
        "name": "eConnect", "processing_mode": "automatic", "send_via_peppol": "on"})

    assert "Bakker BV" in listing and "A client's organization (Bakery)" in listing
    assert added.status_code == changed.status_code == profile.status_code == 302
    assert CustomerCard.objects.filter(organization=client_org).count() == 2
    assert SendingProfile.objects.filter(organization=client_org).exists()
    events = AuditEvent.objects.filter(action__startswith="customer_card.")
    assert {e.environment_id for e in events} == {cast.client.pk}
    assert {e.actor_label for e in events} == {"accountant@numbers.nl (Numbers Accountants)"}
    assert "Bakery Client BV" in text(accountant.get("/customers/"))


def test_it_keeps_an_accountant_without_a_partnership_out(accountant, cast, client_org):
    card = make_card(client_org)

    assert accountant.get(f"/organizations/{client_org.pk}/customers/").status_code == 404
    assert accountant.get(f"/customers/{card.pk}/").status_code == 404
    assert accountant.post(f"/customers/{card.pk}/delete/").status_code == 404
    assert "Bakery Client BV" not in text(accountant.get("/customers/"))


def test_it_shuts_the_door_as_soon_as_the_partnership_ends(accountant, cast, client_org):
    partnership = Partnership.start(accountant=cast.accountancy, organization=client_org,
                                    by=cast.client_admin)
    card = make_card(client_org)
    assert accountant.get(f"/customers/{card.pk}/").status_code == 200

    partnership.end(cast.client_admin)

    assert accountant.get(f"/customers/{card.pk}/").status_code == 404
    assert accountant.post(f"/customers/{card.pk}/edit/", card_data()).status_code == 404
    card.refresh_from_db()
    assert card.name == "Bakker BV"


def test_it_imports_into_a_clients_organization_under_the_accountants_name(
        accountant, cast, client_org):
    Partnership.start(accountant=cast.accountancy, organization=client_org, by=cast.client_admin)
    accountant.post(f"/organizations/{client_org.pk}/customers/import/", {
        "file": SimpleUploadedFile("c.csv", b"customer_number,name\n1,One\n2,Two\n")})
    job = ImportJob.objects.get()

    accountant.post(f"/customers/imports/{job.pk}/", {"column_0": "customer_number",
                                                      "column_1": "name"})

    assert CustomerCard.objects.filter(organization=client_org).count() == 2
    event = AuditEvent.objects.get(action="customer_cards.imported")
    assert event.environment == cast.client
    assert event.actor_label == "accountant@numbers.nl (Numbers Accountants)"
