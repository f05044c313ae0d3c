"""Keys handed out in links and to software (invitations, authorisation requests, contracts'
subscription keys) are stored as digests only, and rows from before keep working."""

import importlib
import json

import pytest
from django.apps import apps
from django.core import signing
from django.forms.models import model_to_dict

from onboarding.models import (
    AuditEvent,
    AuthorisationRequest,
    Contract,
    Invitation,
    Role,
    Subscription,
)
from onboarding.models.subscriptions import api_contract_for_key
from tests.conftest import enable_totp, make_user

pytestmark = pytest.mark.django_db

migration = importlib.import_module("onboarding.migrations.0007_store_key_digests")


def stored(instance) -> str:
    return json.dumps(model_to_dict(type(instance).objects.get(pk=instance.pk)), default=str)


def send_request(cast, email="owner@bakery.nl"):
    cast.accountancy.subscription = Subscription.PROFESSIONAL
    cast.accountancy.save()
    return AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                                     client_name="Bea", client_email=email,
                                     software="afas", registry_number="87654321")


def other_last(key: str) -> str:
    """The key with its last character changed, whatever that character was."""
    return key[:-1] + ("B" if key.endswith("A") else "A")


def test_it_stores_no_invitation_key_and_opens_only_the_emailed_link(client, cast):
    invitation = Invitation.send(environment=cast.company, email="new@acme.nl",
                                 role=Role.BASIC, by=cast.admin)
    key = signing.loads(invitation.token, salt=Invitation.SIGNING_SALT)["k"]

    assert key not in stored(invitation)
    assert Invitation.from_token(invitation.token) == invitation
    # A token signed with the right secret but holding another key opens nothing.
    forged = signing.dumps({"i": invitation.pk, "k": other_last(key)},
                           salt=Invitation.SIGNING_SALT)
    assert Invitation.from_token(forged) is None
    assert client.get(f"/invitations/accept/{forged}/").status_code == 404


def test_it_stores_no_authorisation_request_key(client, cast):
    sent = send_request(cast)
    client.force_login(cast.client_admin)

    assert sent.link_key not in stored(sent)
    assert client.get(f"/authorisation/{sent.link_key}/").status_code == 200
    assert client.get(f"/authorisation/{other_last(sent.link_key)}/").status_code == 404
    assert client.get(f"/authorisation/{sent.key_hash}/").status_code == 404


def test_it_stores_no_subscription_key(cast):
    contract = Contract.add(environment=cast.company, by=cast.sales, reference="ACME-1")
    key = contract.issued_subscription_key

    assert key not in stored(contract)
    assert contract.subscription_key_hint == key[-4:]
    assert api_contract_for_key(cast.company.pk, key) == contract
    assert api_contract_for_key(cast.company.pk, contract.subscription_key_hash) is None
    assert api_contract_for_key(cast.accountancy.pk, key) is None


def test_it_keeps_links_and_keys_handed_out_before_the_migration(client, cast):
    invitation = Invitation.send(environment=cast.company, email="new@acme.nl",
                                 role=Role.BASIC, by=cast.admin)
    old_key = "plain-invitation-key-from-before"
    Invitation.objects.filter(pk=invitation.pk).update(key_hash=old_key)
    old_token = signing.dumps({"i": invitation.pk, "k": old_key}, salt=Invitation.SIGNING_SALT)
    request = send_request(cast)
    AuthorisationRequest.objects.filter(pk=request.pk).update(key_hash="plain-request-key")
    contract = Contract.add(environment=cast.company, by=cast.sales, reference="ACME-1")
    plain_subscription_key = "0123456789abcdef0123456789abcdef"
    Contract.objects.filter(pk=contract.pk).update(subscription_key_hash=plain_subscription_key,
                                                   subscription_key_hint="")

    migration.hash_stored_keys(apps, None)

    assert old_key not in stored(invitation)
    assert "plain-request-key" not in stored(request)
    assert plain_subscription_key not in stored(contract)
    assert Invitation.from_token(old_token) == invitation
    assert AuthorisationRequest.by_link_key("plain-request-key") == request
    assert api_contract_for_key(cast.company.pk, plain_subscription_key) == contract
    assert Contract.objects.get(pk=contract.pk).subscription_key_hint == "cdef"
    invitee = make_user("new@acme.nl")
    client.force_login(invitee)
    assert client.post(f"/invitations/accept/{old_token}/").status_code == 302


def test_it_gives_sales_a_new_key_for_a_lost_one(client, cast):
    contract = Contract.add(environment=cast.company, by=cast.sales, reference="ACME-1")
    lost = contract.issued_subscription_key
    enable_totp(cast.sales)  # staff pages need MFA
    client.force_login(cast.sales)
    asked = client.get(f"/staff/contracts/{contract.pk}/new-key/").content.decode()
    assert f"The key ending in …{lost[-4:]} stops working at once." in asked
    assert api_contract_for_key(cast.company.pk, lost) == contract  # asking changes nothing

    response = client.post(f"/staff/contracts/{contract.pk}/new-key/")

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    new = page.split('<code class="user-select-all fs-5">')[1].split("</code>")[0]
    assert "The subscription key of contract ACME-1." in page
    assert api_contract_for_key(cast.company.pk, new) == contract
    assert api_contract_for_key(cast.company.pk, lost) is None
    assert new not in stored(contract)
    event = AuditEvent.objects.get(action="contract.key_renewed")
    assert event.actor == cast.sales and event.after == {"subscription_key": f"…{new[-4:]}"}
    client.force_login(cast.admin)
    assert client.post(f"/staff/contracts/{contract.pk}/new-key/").status_code == 404


def test_it_refuses_a_second_new_key_asked_from_an_older_page(client, cast):
    contract = Contract.add(environment=cast.company, by=cast.sales, reference="ACME-1")
    shown = contract.subscription_key_hint
    enable_totp(cast.sales)
    client.force_login(cast.sales)
    first = client.post(f"/staff/contracts/{contract.pk}/new-key/", {"replacing": shown})
    new = first.content.decode().split('<code class="user-select-all fs-5">')[1] \
        .split("</code>")[0]

    # The same confirmation, from a second tab or sent again by a reload.
    again = client.post(f"/staff/contracts/{contract.pk}/new-key/", {"replacing": shown},
                        follow=True)

    assert f"A new key was made meanwhile; it ends in …{new[-4:]}. Nothing was changed" in \
        again.content.decode()
    assert api_contract_for_key(cast.company.pk, new) == contract
    assert AuditEvent.objects.filter(action="contract.key_renewed").count() == 1
