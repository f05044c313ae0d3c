"""When Sales changes a subscription up, the administrators read what works again: the
counterpart of what the downgrade mail said was lost."""

import pytest
from django.core import mail

from onboarding.models import (
    AuthorisationRequest,
    ConnectionKey,
    Contract,
    Organization,
    Subscription,
)
from tests.conftest import enable_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(client, cast):
    enable_totp(cast.sales)
    client.force_login(cast.sales)
    return client


def change(sales, cast, subscription):
    mail.outbox.clear()
    sales.post(f"/staff/subscriptions/{cast.company.pk}/",
               {"subscription": subscription, "confirmed": "1"})
    cast.company.refresh_from_db()
    assert cast.company.subscription == subscription
    [told] = [m for m in mail.outbox if m.to == [cast.admin.email]]
    return told


def active_org(cast, number):
    org = Organization.create(environment=cast.company, by=cast.admin, name=f"Org {number}",
                              registry_number=number)
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
    org.refresh_from_db()
    return org


def test_it_tells_which_keys_work_again_after_a_downgrade_is_undone(sales, cast):
    cast.company.subscription = Subscription.BASIC
    cast.company.save()
    for number in ("12345678", "23456789"):
        org = active_org(cast, number)
    ConnectionKey.issue(organization=org, software="afas", by=cast.admin)
    ConnectionKey.issue(organization=org, software="accept", by=cast.admin)
    AuthorisationRequest.send(environment=cast.company, by=cast.admin, client_name="Bea",
                              client_email="owner@bakery.nl", software="afas",
                              registry_number="11223344")
    lost = change(sales, cast, Subscription.INVOICE_PORTAL)
    assert "- 2 connection keys stop working" in lost.body

    told = change(sales, cast, Subscription.PROFESSIONAL)

    assert "Sales changed the subscription of Acme from Invoice Portal to Professional." \
        in told.body
    assert "On the new subscription:\n" in told.body
    assert "- 2 connection keys work again: software that uses them can send and fetch " \
        "invoices again (Accept, AFAS)." in told.body
    assert "- Acme can add more organizations: the limit of 2 no longer applies." in told.body
    assert "- Acme can send authorisation requests to clients again." in told.body
    assert "stop working" not in told.body


def test_it_tells_that_the_contract_and_the_4ps_keys_count_again(sales, cast):
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    Contract.add(environment=cast.company, by=cast.sales, reference="C-1", api_rights=True)
    org = active_org(cast, "12345678")
    ConnectionKey.issue(organization=org, software="4ps_construct", by=cast.admin)
    ConnectionKey.issue(organization=org, software="afas", by=cast.admin)
    lost = change(sales, cast, Subscription.BASIC)
    assert "Its contract with API rights no longer counts" in lost.body

    told = change(sales, cast, Subscription.PROFESSIONAL)

    # AFAS kept working on Basic: only the 4PS key comes back.
    assert "- 1 connection key works again: software that uses it can send and fetch " \
        "invoices again (4PS Construct)." in told.body
    assert "- Its contract with API rights counts again: the 4PS software and Business " \
        "Central's API31 connection may connect." in told.body
    assert "organizations" not in told.body.split("On the new subscription:")[1] \
        .split("Your Subscription page")[0]


def test_it_lists_nothing_when_an_upgrade_brings_nothing_back(sales, cast):
    cast.company.subscription = Subscription.BASIC
    cast.company.save()

    told = change(sales, cast, Subscription.PROFESSIONAL)

    assert "from Basic to Professional." in told.body
    assert "On the new subscription:" not in told.body


def test_it_tells_of_authorisation_requests_first_allowed(sales, cast):
    told = change(sales, cast, Subscription.BASIC)

    assert "- Acme can send authorisation requests to clients." in told.body
    assert "again" not in told.body
