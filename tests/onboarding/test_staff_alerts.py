"""Platform staff hear by mail of what enters their queues, each in their own language, and
may switch each kind off; nobody else gets these mails or sees them in their settings."""

import re

import pytest
from django.core import mail

from onboarding.models import (
    EntraIdentity,
    Organization,
    OrganizationIdentifier,
    PartyLinkRequest,
    Subscription,
    UpgradeRequest,
)
from tests.conftest import enable_totp, mails_to, text
from tests.onboarding.test_activation_queue import pending_org

pytestmark = pytest.mark.django_db


def test_it_tells_techsupport_of_an_activation_request(cast):
    mail.outbox.clear()
    organization = pending_org(cast, name="Bakkerij Jansen BV", registry_number="24681357")

    [message] = mails_to(cast.techsupport.email)
    assert "Activation requested: Bakkerij Jansen BV" in message.subject
    assert "Anna Admin of Acme asks to activate Bakkerij Jansen BV (KvK number 24681357)." \
        in message.body
    assert f"/staff/activations/{organization.pk}/" in message.body
    # Sales and the requester's colleagues are not told.
    assert mails_to(cast.sales.email) == [] and mails_to(cast.basic.email) == []


def test_it_tells_techsupport_of_an_identifier_to_verify_but_not_of_one_it_need_not(cast):
    organization = pending_org(cast)
    Organization.objects.filter(pk=organization.pk).update(status=Organization.Status.ACTIVE)
    organization.refresh_from_db()
    mail.outbox.clear()

    OrganizationIdentifier.add(organization, cast.admin, "0088", "1234567890128")

    [message] = mails_to(cast.techsupport.email)
    assert "Identifier to verify: 0088:1234567890128" in message.subject
    assert "Anna Admin of Acme added the Peppol identifier 0088:1234567890128 to Acme " \
        "Trading BV." in message.body
    assert "/staff/identifiers/" in message.body
    # Its own KvK number is confirmed by the register it was checked against: nothing to do.
    organization.identifiers.get(scheme="0106").remove(cast.admin)
    mail.outbox.clear()
    OrganizationIdentifier.add(organization, cast.admin, "0106", "12345678")
    assert mails_to(cast.techsupport.email) == []


def test_it_tells_techsupport_of_a_party_link_request(cast):
    organization = pending_org(cast)
    identity = EntraIdentity.objects.create(user=cast.admin, tenant_id="tenant-acme",
                                            object_id="object-anna", username="anna@acme.nl")
    mail.outbox.clear()

    link_request = PartyLinkRequest.submit(
        identity=identity, by=cast.admin, environment=cast.company, broker="production",
        entra_username="anna@acme.nl", organizations=[organization],
        typed=[("Filiaal Noord", "87654321")])

    [message] = mails_to(cast.techsupport.email)
    assert "Party-link request from anna@acme.nl" in message.subject
    assert "- Acme Trading BV (KvK number 12345678)" in message.body
    assert "- Filiaal Noord (KvK number 87654321)" in message.body
    assert f"/staff/party-links/{link_request.pk}/" in message.body


def test_it_tells_sales_of_an_upgrade_request_once_in_their_language(cast):
    cast.sales.language = "nl"
    cast.sales.save()
    mail.outbox.clear()

    upgrade = UpgradeRequest.submit(environment=cast.company, by=cast.admin,
                                    subscription=Subscription.PROFESSIONAL, api_contract=True,
                                    message="For API31, please.")
    UpgradeRequest.submit(environment=cast.company, by=cast.admin,
                          subscription=Subscription.PROFESSIONAL)

    [message] = mails_to(cast.sales.email)
    assert "Upgrade naar Professioneel aangevraagd door Acme" in message.subject
    assert "For API31, please." in message.body and "API-rechten" in message.body
    assert f"/staff/upgrades/{upgrade.pk}/" in message.body
    assert mails_to(cast.techsupport.email) == []


def test_staff_switch_their_own_mail_off_and_see_only_theirs(client, cast):
    client.force_login(cast.techsupport)
    page = text(client.get("/accounts/notifications/"))
    assert "An organization asks for activation" in page
    assert "An environment asks for an upgrade" not in page

    keep = {"identifier_to_verify": "on", "party_link_requested": "on"}
    client.post("/accounts/notifications/", keep)
    mail.outbox.clear()
    pending_org(cast)
    assert mails_to(cast.techsupport.email) == []

    enable_totp(cast.sales)
    client.force_login(cast.sales)
    page = text(client.get("/accounts/notifications/"))
    assert "An environment asks for an upgrade" in page
    assert not re.search(r"An organization asks for activation", page)


def test_it_writes_names_in_mail_as_they_were_typed(client, cast,
                                                    django_capture_on_commit_callbacks):
    mail.outbox.clear()
    organization = pending_org(cast, name='Bakker & Zn "De Korenaar" BV')
    client.force_login(cast.techsupport)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/activations/{organization.pk}/approve/", {"confirm": "on"})

    alert, decision = mails_to(cast.techsupport.email)[0], mails_to(cast.admin.email)[0]
    for message in (alert, decision):
        assert 'Bakker & Zn "De Korenaar" BV' in message.subject + message.body
        assert "&amp;" not in message.subject + message.body
        assert "&quot;" not in message.subject + message.body
