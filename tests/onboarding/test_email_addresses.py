import pytest
from allauth.account.models import EmailAddress

from tests.conftest import mails_to, sign_in

pytestmark = pytest.mark.django_db


def add_email(client, email):
    return client.post("/accounts/email/", {"email": email, "action_add": ""})


def test_it_refuses_an_address_on_another_domain(client, cast):
    client.force_login(cast.basic)
    response = add_email(client, "bas@private.example")
    assert response.status_code == 200
    assert b"must end in @acme.nl" in response.content
    assert not EmailAddress.objects.filter(email="bas@private.example").exists()


def test_it_adds_an_address_on_the_same_domain_and_verifies_it(client, cast):
    sign_in(client, cast.basic)
    response = add_email(client, "invoices@acme.nl")
    assert response.status_code == 302
    address = EmailAddress.objects.get(email="invoices@acme.nl")
    assert address.user == cast.basic
    assert not address.verified
    assert "confirm-email" in mails_to("invoices@acme.nl")[-1].body


def test_it_allows_other_domains_in_a_shared_environment(client, cast):
    cast.company.is_shared = True
    cast.company.save()
    sign_in(client, cast.basic)
    response = add_email(client, "bas@private.example")
    assert response.status_code == 302
    assert EmailAddress.objects.filter(email="bas@private.example", user=cast.basic).exists()
