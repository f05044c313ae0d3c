"""A staff alert is about someone's request: TechSupport or Sales who answer it by replying
write to that person, not to the portal's own support address."""

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
from tests.conftest import mails_to
from tests.onboarding.test_activation_queue import pending_org

pytestmark = pytest.mark.django_db

SUPPORT = "techsupport@portal.example"


@pytest.fixture(autouse=True)
def support_address(settings):
    settings.SUPPORT_EMAIL = SUPPORT


def reply_header(message) -> str:
    return re.search(r"^Reply-To: (.*)$", message.message().as_string(), re.M).group(1)


def test_it_lets_sales_reply_to_the_administrator_who_asked_for_an_upgrade(cast):
    mail.outbox.clear()
    UpgradeRequest.submit(environment=cast.company, by=cast.admin,
                          subscription=Subscription.PROFESSIONAL, message="For API31.")

    [alert] = mails_to(cast.sales.email)
    assert alert.reply_to == [cast.admin.email]
    assert reply_header(alert) == cast.admin.email


def test_it_lets_techsupport_reply_to_who_asked_for_an_activation(cast):
    mail.outbox.clear()
    pending_org(cast, by=cast.admin)

    [alert] = mails_to(cast.techsupport.email)
    assert "asks to activate" in alert.body
    assert alert.reply_to == [cast.admin.email] and SUPPORT not in reply_header(alert)


def test_it_lets_techsupport_reply_to_who_added_an_identifier_to_verify(cast):
    organization = pending_org(cast)
    Organization.objects.filter(pk=organization.pk).update(status=Organization.Status.ACTIVE)
    organization.refresh_from_db()
    mail.outbox.clear()

    OrganizationIdentifier.add(organization, cast.admin, "0088", "1234567890128")

    [alert] = mails_to(cast.techsupport.email)
    assert "0088:1234567890128" in alert.subject
    assert alert.reply_to == [cast.admin.email]


def test_it_lets_techsupport_reply_to_who_asked_for_party_links(cast):
    organization = pending_org(cast)
    identity = EntraIdentity.objects.create(user=cast.admin, tenant_id="tenant-acme",
                                            object_id="object-anna", username="anna@acme.nl")
    mail.outbox.clear()

    PartyLinkRequest.submit(identity=identity, by=cast.admin, environment=cast.company,
                            broker="production", entra_username="anna@acme.nl",
                            organizations=[organization])

    [alert] = mails_to(cast.techsupport.email)
    assert "Party-link request from anna@acme.nl" in alert.subject
    assert alert.reply_to == [cast.admin.email]


def test_it_keeps_replies_to_a_decision_with_support(cast, client,
                                                     django_capture_on_commit_callbacks):
    """The other way round the requester's reply to staff's answer goes to support, as
    before: the staff member who decided is not the requester's contact."""
    organization = pending_org(cast)
    mail.outbox.clear()
    client.force_login(cast.techsupport)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/activations/{organization.pk}/approve/", {"confirm": "on"})

    [decision] = mails_to(cast.admin.email)
    assert decision.reply_to == [SUPPORT]
