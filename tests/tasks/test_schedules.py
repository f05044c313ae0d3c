"""The periodic checks: stale reachability, the daily digest of customers that can no longer
receive and its dashboard alert, and identifiers registered at another access point."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from customers.models import CustomerCard, ReachabilityLoss
from customers.tasks import recheck_stale_reachability, send_reachability_digests
from onboarding.models import Organization, OrganizationIdentifier
from onboarding.tasks import check_platform_registrations
from tests.conftest import sign_in
from tests.customers.conftest import make_card, peppol  # noqa: F401 - the stand-in fixture
from tests.standins.dns_smp import CREDIT_NOTE, INVOICE

pytestmark = pytest.mark.django_db


def reachable_card(org, number, value):
    return make_card(org, customer_number=number, endpoint_value=value,
                     peppol_registered=True, peppol_accepts_invoice=True,
                     peppol_checked_at=timezone.now() - timedelta(days=60))


def test_it_rechecks_stale_cards_and_reports_the_ones_that_can_no_longer_receive(
        peppol, org, cast, client, settings):  # noqa: F811
    settings.PEPPOL_RECHECK_PER_HOUR = 400
    gone = reachable_card(org, "1", "11111111")
    reachable_card(org, "2", "22222222")
    still = reachable_card(org, "3", "33333333")
    fresh = make_card(org, customer_number="4", endpoint_value="44444444",
                      peppol_checked_at=timezone.now())
    peppol.register("0106", "22222222", [CREDIT_NOTE])
    peppol.register("0106", "33333333", [INVOICE])

    assert recheck_stale_reachability.call() == 3

    fresh.refresh_from_db()
    assert fresh.peppol_registered is None
    losses = {(loss.card.customer_number, loss.reason) for loss in ReachabilityLoss.objects.all()}
    assert losses == {("1", "unreachable"), ("2", "no_invoice")}
    assert CustomerCard.objects.get(pk=still.pk).peppol_reachable

    sign_in(client, cast.admin)
    page = client.get("/").content.decode()
    assert "2 customers of Acme Trading BV could receive invoices over Peppol" in page

    assert send_reachability_digests.call() >= 1
    digest = mail.outbox[-1]
    assert "Acme Trading BV" in digest.subject and "Bakker BV (1, 0106:11111111)" in digest.body
    assert "Ask them about their new Peppol address, or send them invoices another way." in \
        " ".join(digest.body.split())
    assert f"{settings.PORTAL_URL}/organizations/{org.pk}/customers/?reach=not_reachable" in \
        digest.body
    sent = len(mail.outbox)
    assert send_reachability_digests.call() == 0 and len(mail.outbox) == sent

    peppol.register("0106", "11111111", [INVOICE])
    CustomerCard.objects.filter(pk=gone.pk).update(
        peppol_checked_at=timezone.now() - timedelta(days=60))
    recheck_stale_reachability.call()
    assert ReachabilityLoss.objects.open().count() == 1


def test_it_spreads_the_recheck_over_the_day(org, settings):
    settings.PEPPOL_RECHECK_PER_HOUR = 8
    for n in range(5):
        make_card(org, customer_number=str(n), endpoint_value=f"{50000000 + n}",
                  peppol_checked_at=timezone.now() - timedelta(days=60))

    assert recheck_stale_reachability.call() == 2


def test_it_tries_a_failing_lookup_again_no_sooner_than_an_answered_one(org, settings):
    settings.PEPPOL_RECHECK_PER_HOUR = 400
    long_ago, just_now = timezone.now() - timedelta(days=60), timezone.now()
    # The last answer is old, but a lookup failed just now: not again yet.
    failed_now = reachable_card(org, "1", "11111111")
    CustomerCard.objects.filter(pk=failed_now.pk).update(peppol_failed_at=just_now,
                                                         peppol_error="no answer")
    # Never answered, and the failure is old: tried again.
    failed_long_ago = make_card(org, customer_number="2", endpoint_value="22222222",
                                peppol_failed_at=long_ago, peppol_error="no answer")
    settings.PEPPOL_DNS_SERVERS, settings.PEPPOL_DNS_PORT = ["127.0.0.1"], 9

    assert recheck_stale_reachability.call() == 1

    failed_now.refresh_from_db()
    failed_long_ago.refresh_from_db()
    assert failed_now.peppol_failed_at == just_now
    assert failed_long_ago.peppol_failed_at > long_ago


def test_it_flags_an_identifier_registered_at_another_access_point(peppol, org, cast, client,  # noqa: F811
                                                                    settings):
    settings.PEPPOL_OWN_SMP_URLS = ["https://smp.platform.example"]
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
    identifier = OrganizationIdentifier.objects.create(organization=org, scheme="0106",
                                                       value="12345678")
    peppol.register("0106", "12345678", [INVOICE])

    assert check_platform_registrations.call() == 1

    identifier.refresh_from_db()
    assert identifier.registered_elsewhere.startswith("http://127.0.0.1")
    sign_in(client, cast.admin)
    page = client.get("/").content.decode()
    assert "0106:12345678 is registered on Peppol at another access point" in page
