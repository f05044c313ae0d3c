"""An identifier pasted whole, as the guides write it (0106:12345678), is split into scheme
and number on customer cards and on organization identifiers."""

import html

import pytest

from customers.models import CustomerCard
from invoices.peppol.pasted import split_pasted
from onboarding.models import Organization
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(cast):
    return Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                               registry_number="12345678", registry_checked=True)


def card_data(**fields):
    data = {"name": "Bakker BV", "customer_number": "1001", "country": "NL",
            "invoice_email": "", "endpoint_scheme": "", "endpoint_value": "",
            "legal_scheme": "", "legal_value": "", "buyer_reference_source": "your_reference",
            "einvoicing_method": "sending_profile", "sending_profile": ""}
    data.update(fields)
    return data


@pytest.mark.parametrize(("scheme", "value", "expected"), [
    ("", "0106:12345678", ("0106", "12345678")),
    ("0088", " 0190:00000001234567890000 ", ("0190", "00000001234567890000")),
    ("", "iso6523-actorid-upis::0088:1234567890128", ("0088", "1234567890128")),
    ("0106", "12345678", ("0106", "12345678")),
    ("9944", "NL:KVK:12345678", ("9944", "NL:KVK:12345678")),
])
def test_it_splits_only_a_whole_identifier(scheme, value, expected):
    assert split_pasted(scheme, value) == expected


def test_it_accepts_a_pasted_endpoint_id_and_legal_id_on_a_customer_card(client, cast, org):
    sign_in(client, cast.admin)
    response = client.post(f"/organizations/{org.pk}/customers/add/", card_data(
        endpoint_value="0106:12345678", legal_scheme="", legal_value="0088:1234567890128"))
    card = CustomerCard.objects.get()
    assert response.status_code == 302
    assert card.endpoint_id == "0106:12345678"
    assert card.legal_id == "0088:1234567890128"


def test_it_shows_a_pasted_identifier_split_when_the_card_has_another_error(client, cast, org):
    sign_in(client, cast.admin)
    response = client.post(f"/organizations/{org.pk}/customers/add/", card_data(
        name="", endpoint_value="0106:12345678"))
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert 'name="endpoint_value" value="12345678"' in page
    assert '<option value="0106" selected>' in page


def test_it_accepts_a_pasted_identifier_on_an_organization(client, cast, org):
    sign_in(client, cast.admin)
    response = client.post(f"/organizations/{org.pk}/identifiers/add/",
                           {"scheme": "0106", "value": "0088:1234567890128"})
    assert response.status_code == 302
    assert [str(i) for i in org.identifiers.all()] == ["0088:1234567890128"]
