"""Demo data for the guided setups: an AFAS run half done, and a 4PS contract."""

from datetime import datetime, timedelta

from django.db.models import F

from onboarding.integrations.registry import get
from onboarding.integrations.runs import STUCK_AFTER, IntegrationRun
from onboarding.models import ConnectionKey, Contract, Organization, Subscription


def create_demo_runs(organization, admin, accountancy):
    """The organization's environment on Basic with the organization active and receiving,
    AFAS keys made and used (the rest of the setup still to do), and the accountancy on
    Professional with a contract for 4PS."""
    environment = organization.environment
    environment.subscription = Subscription.BASIC
    environment.save(update_fields=["subscription"])
    Organization.objects.filter(pk=organization.pk).update(status=Organization.Status.ACTIVE)
    organization.refresh_from_db()
    # Its inbox holds invoices delivered to it, which only an organization that receives gets.
    organization.decide_receiving(admin, True)
    run, _created = IntegrationRun.start(organization=organization, setup=get("afas"), by=admin,
                                         environment=environment)
    issued = ConnectionKey.issue(organization=organization, software="afas", by=admin,
                                 label="AFAS (demo)")
    issued.key.note_use(tested=True)
    run.refresh(by=admin)

    accountancy.subscription = Subscription.PROFESSIONAL
    accountancy.save(update_fields=["subscription"])
    Contract.add(environment=accountancy, by=None, reference="DEMO-4PS-2026")
    return run


def stall_demo_runs(organization, ago: timedelta = STUCK_AFTER + timedelta(days=1)) -> None:
    """Move the organization's open runs `ago` into the past, progress included, so that the
    half-done AFAS setup is on TechSupport's list of stuck setups. Call it once the demo data
    is committed: the runs are brought up to date as their organization's changes commit.
    The keys the setup made move with it, so they say they were last used when it moved."""
    for run in IntegrationRun.objects.open().filter(organization=organization):
        for done in run.progress.values():
            done["at"] = (datetime.fromisoformat(done["at"]) - ago).isoformat()
        IntegrationRun.objects.filter(pk=run.pk).update(
            started_at=run.started_at - ago, updated_at=run.updated_at - ago,
            progress=run.progress)
    ConnectionKey.objects.filter(organization=organization).update(
        created_at=F("created_at") - ago, last_used_at=F("last_used_at") - ago,
        last_tested_at=F("last_tested_at") - ago)
