"""The "send a test invoice" page: whom it offers, what it asks for, the language the invoice
is written in, and how its delivery reads afterwards."""

import pytest

from customers.models import CustomerCard
from invoices.models import Direction, Document, Status
from invoices.peppol import xmlsafe
from invoices.peppol.ubl import read_document
from onboarding.models import Organization
from tests.conftest import field_error, sign_in, text

pytestmark = pytest.mark.django_db


def url(organization):
    return f"/organizations/{organization.pk}/test-invoice/"


def card(organization, name, endpoint_value, number="1"):
    return CustomerCard.objects.create(organization=organization, name=name,
                                       customer_number=number, endpoint_scheme="0106",
                                       endpoint_value=endpoint_value)


def receives_itself(cast, organization):
    organization.identifiers.get().switch(cast.admin, "receive", True)
    organization.decide_receiving(cast.admin, True)


def sent_ubl():
    document = Document.objects.get(direction=Direction.OUTGOING)
    return read_document(xmlsafe.parse_xml(bytes(document.content)))


def test_it_does_not_offer_a_customer_with_the_dummy_kvk_number(client, cast, sender):
    real = card(sender, "Real Customer BV", "44445555")
    dummy = card(sender, "No KvK Shop", "99999998", number="2")
    sign_in(client, cast.admin)
    response = client.get(url(sender))
    page = text(response)
    options = page.split('id="id_receiver"')[1].split("</select>")[0]
    assert f'value="{real.pk}"' in options
    assert f'value="{dummy.pk}"' not in options and "No KvK Shop" not in options
    held_back = page.split('id="held-back">')[1].split("</p>")[0]
    assert "dummy KvK number 0106:99999998" in held_back and "No KvK Shop" in held_back


def test_it_refuses_a_posted_customer_with_the_dummy_kvk_number_at_the_field(client, post,
                                                                            cast, sender):
    card(sender, "Real Customer BV", "44445555")
    dummy = card(sender, "No KvK Shop", "99999998", number="2")
    sign_in(client, cast.admin)
    response = post(url(sender), {"receiver": str(dummy.pk), "street": "Dorpsweg 4",
                                  "postal_code": "1234 AB", "city": "Ede"})
    assert response.status_code == 400
    error = field_error(response, "receiver")
    assert "No KvK Shop has the dummy KvK number 0106:99999998" in error
    assert "would never arrive" in error
    assert not Document.objects.exists()


def test_it_says_why_there_is_no_receiver_when_every_customer_has_the_dummy_kvk_number(
        client, cast, sender):
    card(sender, "No KvK Shop", "99999998")
    sign_in(client, cast.admin)
    page = text(client.get(url(sender)))
    assert 'id="no-receiver"' in page and 'id="test-invoice-form"' not in page
    assert "No KvK Shop" in page.split('id="held-back">')[1]


def test_it_says_which_address_it_needs_and_fills_it_in_for_a_customer_here(client, post,
                                                                            cast, sender,
                                                                            receiver):
    on_platform = card(sender, "Bakery Client BV", "87654321")
    elsewhere = card(sender, "Unknown BV", "44445555", number="2")
    sign_in(client, cast.admin)
    page = text(client.get(url(sender)))
    assert "A Dutch invoice to a Dutch customer names its street, postal code and city" in page
    assert "for a customer that is not on this platform, fill them in" in page

    response = post(url(sender), {"receiver": str(elsewhere.pk)})
    assert response.status_code == 400
    assert "street, postal code and city" in field_error(response, "street")
    assert not Document.objects.exists()

    response = post(url(sender), {"receiver": str(on_platform.pk)})
    assert response.status_code == 302
    customer = sent_ubl().customer
    assert (customer.street, customer.postal_zone, customer.city) == (
        "Kerkstraat 2", "3701 AB", "Zeist")
    assert Document.objects.get(direction=Direction.OUTGOING).status == Status.DELIVERED


@pytest.mark.parametrize(("language", "note", "line"), [
    ("nl", "Testfactuur verstuurd vanuit het Peppol-portaal.",
     "Testfactuur: controleert de Peppol-inrichting, niets te betalen"),
    ("en", "Test invoice sent from the Peppol portal.",
     "Test invoice: checks the Peppol set-up, nothing to pay"),
])
def test_it_writes_the_test_invoice_in_the_language_of_the_user_who_sends_it(
        client, post, cast, sender, language, note, line):
    receives_itself(cast, sender)
    cast.admin.language = language
    cast.admin.save()
    sign_in(client, cast.admin)
    post(url(sender), {"receiver": "self"})
    written = sent_ubl()
    assert written.notes == [note]
    assert [item.name for item in written.lines] == [line]


def test_it_writes_the_test_invoice_in_the_language_the_browser_asks_for(client, post, cast,
                                                                         sender):
    receives_itself(cast, sender)
    sign_in(client, cast.admin)
    post(url(sender), {"receiver": "self"}, HTTP_ACCEPT_LANGUAGE="nl")
    assert sent_ubl().notes == ["Testfactuur verstuurd vanuit het Peppol-portaal."]


def test_it_ends_the_delivery_note_once_when_the_receivers_name_ends_with_a_dot(
        client, post, cast, sender, receiver):
    Organization.objects.filter(pk=receiver.pk).update(name="Demo Bakery B.V.")
    customer = card(sender, "Demo Bakery B.V.", "87654321")
    sign_in(client, cast.admin)
    response = post(url(sender), {"receiver": str(customer.pk)})
    page = text(client.get(response.url))
    assert "Delivered inside the platform to Demo Bakery B.V." in page
    assert "B.V.." not in page
    cast.admin.language = "nl"
    cast.admin.save()
    page = text(client.get(response.url))
    assert "Binnen het platform afgeleverd bij Demo Bakery B.V." in page
    assert "B.V.." not in page


def test_it_leaves_the_receiving_switch_to_the_organizations_administrators(client, cast,
                                                                          sender):
    from onboarding.models import Partnership
    from tests.onboarding.test_authorisation_requests import as_accountant

    card(sender, "No KvK Shop", "99999998")
    Partnership.start(accountant=cast.accountancy, organization=sender, by=cast.admin)
    as_accountant(client, cast)
    page = text(client.get(url(sender)))
    assert 'id="no-receiver"' in page and "Switch receiving on" not in page

    sign_in(client, cast.admin)
    assert "Switch receiving on" in text(client.get(url(sender)))


def test_it_warns_that_a_customer_receives_the_test_invoice_for_real(client, cast, sender):
    card(sender, "Elsewhere BV", "44445555")
    sign_in(client, cast.admin)

    page = text(client.get(url(sender)))

    assert "A customer receives it as a real invoice of one cent" in page


def test_it_writes_a_test_invoice_for_a_customer_stored_with_control_characters(
        client, post, cast, sender, receiver):
    # Stored before the forms refused them; the invoice leaves them out instead of failing.
    customer = card(sender, "Bakery\x01 Client\x1b BV", "87654321")
    sign_in(client, cast.admin)

    typed = post(url(sender), {"receiver": str(customer.pk), "street": "Dorpsweg\x0b 4"})
    assert typed.status_code == 400
    assert field_error(typed, "street") == ("This text contains invisible control characters. "
                                            "Type it again instead of pasting it.")
    assert not Document.objects.exists()

    response = post(url(sender), {"receiver": str(customer.pk)})

    assert response.status_code == 302
    assert sent_ubl().customer.name == "Bakery Client BV"


def test_two_test_invoices_sent_in_one_second_are_no_duplicates(client, post, cast, sender,
                                                               monkeypatch):
    from datetime import datetime, timedelta
    from types import SimpleNamespace

    from django.utils import timezone

    from invoices import test_invoice

    # The moment each invoice is written: two in one second.
    moment = timezone.make_aware(datetime(2026, 12, 7, 11, 24, 56, 100_000))
    moments = iter([moment, moment + timedelta(microseconds=300_000)])
    monkeypatch.setattr(test_invoice, "timezone", SimpleNamespace(
        now=lambda: next(moments), localtime=timezone.localtime))
    receives_itself(cast, sender)
    sign_in(client, cast.admin)
    post(url(sender), {"receiver": "self"})
    post(url(sender), {"receiver": "self"})

    received = Document.objects.filter(direction=Direction.INCOMING).order_by("pk")
    assert list(received.values_list("number", "status")) == [
        ("TEST-20261207-112456-100", Status.RECEIVED),
        ("TEST-20261207-112456-400", Status.RECEIVED)]
