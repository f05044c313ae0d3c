from datetime import datetime, timedelta

import pytest
from django.core.management import call_command

from invoices.models.reminders import waiting_inboxes
from onboarding.integrations.runs import IntegrationRun
from onboarding.models import (
    Environment,
    Organization,
    OrganizationIdentifier,
    Partnership,
    PartyLinkRequest,
    Subscription,
    UpgradeRequest,
    User,
)

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_logins_once(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "admin@demo-bakery.nl" in out and "techsupport@portal.example" in out
    assert "sales@portal.example" in out
    assert User.objects.filter(email="admin@demo-bakery.nl").get().check_password(
        "demo-portal-2026")
    assert Environment.objects.count() == 2
    active = Organization.objects.get(status=Organization.Status.ACTIVE)
    assert active.company_id.startswith("XCNL")
    # One waits in TechSupport's queue, and the active one has customers to try checks on.
    assert Organization.objects.filter(status=Organization.Status.PENDING).count() == 1
    assert active.customer_cards.filter(endpoint_value="99999998").exists()
    # The accountant works for the bakery, so its pages show a client.
    partnership = Partnership.objects.get()
    assert partnership.organization == active
    assert partnership.accountant.domain == "demo-accountants.nl"
    # Each staff queue has something to open: an activation with its identifier, an
    # identifier to verify, a party-link request, and an upgrade request.
    pending = Organization.objects.awaiting_activation().get()
    assert [str(i) for i in pending.identifiers.all()] == ["0106:81234568"]
    assert [str(i) for i in OrganizationIdentifier.objects.awaiting_techsupport()] == [
        "0088:8712345000011"]
    link_request = PartyLinkRequest.objects.get()
    assert link_request.is_pending and link_request.requester.email == "admin@demo-bakery.nl"
    upgrade = UpgradeRequest.objects.pending().get()
    assert (upgrade.environment.domain, upgrade.subscription) == ("demo-bakery.nl",
                                                                  Subscription.PROFESSIONAL)
    # The half-done AFAS setup has stalled, and the bakery's software stopped fetching: both
    # show on TechSupport's lists, the run with its steps' times as long ago.
    stuck = IntegrationRun.objects.stuck().get()
    assert (stuck.organization, stuck.setup) == (active, "afas")
    assert all(datetime.fromisoformat(done["at"]) < stuck.updated_at + timedelta(seconds=1)
               for done in stuck.progress.values())
    assert [(o, o.waiting) for o in waiting_inboxes()] == [(active, 1)]
    call_command("seed_demo")
    assert "left as it is" in capsys.readouterr().out
    assert User.objects.count() == 5
    assert User.objects.get(email="sales@portal.example").is_sales
