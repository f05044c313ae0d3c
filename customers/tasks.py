"""The customers app's background work: imports and list-wide Peppol checks started by users,
and, on a schedule, the re-check of stale reachability and the daily digest of customers
that can no longer receive."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models.functions import Coalesce, Greatest
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.signals import task_finished

from customers.models import CustomerCard, ImportJob, PeppolCheckRun, ReachabilityLoss
from customers.models.cards import stale_before
from portal.said import Said
from portal.tasks import checkpoint, periodic

logger = logging.getLogger(__name__)

RECHECK_EVERY = timedelta(minutes=15)


@task()
def run_import(job_pk: int) -> None:
    from customers.importing import run

    run(job_pk)


@task()
def run_peppol_check(run_pk: int) -> None:
    from customers.reachability import run_check

    run_check(run_pk)


JOB_TASKS = {run_import.module_path: ImportJob, run_peppol_check.module_path: PeppolCheckRun}


@receiver(task_finished)
def fail_job_of_failed_task(sender, task_result, **kwargs):
    """A job whose task failed for good (out of tries, or its worker kept dying) says so."""
    job_model = JOB_TASKS.get(task_result.task.module_path)
    if job_model is None or task_result.status != TaskResultStatus.FAILED:
        return
    job = job_model.objects.filter(pk=task_result.args[0]).first()
    if job is not None:
        job.fail_if_running(Said(job.GAVE_UP))


@periodic(every=RECHECK_EVERY)
@task()
def recheck_stale_reachability() -> int:
    """Look up again the cards last looked up longer than PEPPOL_REACHABILITY_MAX_AGE_DAYS
    ago, whether that lookup answered or failed, the oldest first, at most
    PEPPOL_RECHECK_PER_HOUR an hour: every quarter of an hour a share, so the lookups spread
    over the day. A lookup that keeps failing is tried again no sooner than an answered one."""
    from customers.reachability import check_card

    limit = max(1, settings.PEPPOL_RECHECK_PER_HOUR * RECHECK_EVERY // timedelta(hours=1))
    # A failure keeps the last answer and its moment; either may be missing.
    tried = Greatest(Coalesce("peppol_checked_at", "peppol_failed_at"),
                     Coalesce("peppol_failed_at", "peppol_checked_at"))
    stale = (CustomerCard.objects.exclude(CustomerCard.NO_ENDPOINT)
             .annotate(tried=tried).filter(tried__lt=stale_before())
             .order_by("tried", "pk")[:limit])
    checked = 0
    for card in stale:
        check_card(card)
        checked += 1
        checkpoint()
    return checked


@periodic(every=timedelta(days=1))
@task()
def send_reachability_digests() -> int:
    """Tell each organization's administrators, once a day, which customers could receive
    Peppol invoices and no longer can."""
    from onboarding.models import Organization
    from portal.mail import notify, portal_link

    sent = 0
    pending = ReachabilityLoss.objects.open().filter(reported_at__isnull=True)
    for organization in Organization.objects.filter(
            pk__in=pending.values("organization_id")).select_related("environment"):
        losses = list(pending.filter(organization=organization).select_related("card")
                      .order_by("card__name"))
        url = portal_link(reverse("customers:cards", args=[organization.pk]))
        sent += notify("reachability_digest", organization.administrators(),
                       "customers/email/reachability_digest", {
                           "organization": organization, "losses": losses,
                           "url": f"{url}?reach=not_reachable"})
        ReachabilityLoss.objects.filter(pk__in=[loss.pk for loss in losses]).update(
            reported_at=timezone.now())
    return sent
