"""Checking Peppol for every card of a list, in the background, and watching it go."""

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from customers.filters import CardFilter
from customers.models import CustomerCard, PeppolCheckRun
from customers.views.common import check_run_from, organization_context, organization_from
from onboarding.tenancy import environment_required
from portal.errors import ChangeRefused


@environment_required()
def check_all(request, pk):
    """Confirm, then check every card of the (filtered) list that has an Endpoint-ID."""
    organization = organization_from(request, pk, change=True)
    data = request.POST if request.method == "POST" else request.GET
    form = CardFilter(data, profiles=organization.sending_profiles.all(),
                      queryset=organization.customer_cards.all())
    cards = form.qs.exclude(CustomerCard.NO_ENDPOINT)
    running = PeppolCheckRun.objects.filter(organization=organization,
                                            status=PeppolCheckRun.Status.RUNNING).first()
    if running is not None:
        running.notice_stall()
        if running.is_running:
            messages.info(request, _("A Peppol check of these customers is already running."))
            return redirect("customers:check_run", pk=running.pk)
    count = cards.count()
    if request.method == "POST" and count:
        try:
            run = PeppolCheckRun.begin(organization, by=request.user,
                                       environment=request.environment, filters=form.values,
                                       total=count)
        except ChangeRefused as refused:
            messages.warning(request, refused.message)
            return redirect("customers:cards", pk=organization.pk)
        return redirect("customers:check_run", pk=run.pk)
    return render(request, "customers/checks/confirm.html", {
        **organization_context(request, organization, "cards"), "form": form, "count": count,
        "filtered": bool(form.values), "filters": form.values,
    })


@environment_required()
def check_run(request, pk):
    run = check_run_from(request, pk)
    run.notice_stall()
    return render(request, "customers/checks/run.html", {
        **organization_context(request, run.organization, "cards"), "run": run,
    })


@environment_required()
def check_run_status(request, pk):
    run = check_run_from(request, pk)
    run.notice_stall()
    return JsonResponse({
        "status": run.status, "running": run.is_running, "done": run.progress_done,
        "note": run.delay_note,
        "total": run.progress_total, "percent": run.percent,
        "message": _("Checked %(done)s of %(total)s customers…")
        % {"done": intcomma(run.progress_done), "total": intcomma(run.progress_total)},
    })


@environment_required()
def check_run_retry(request, pk):
    """Carry on with a failed check after the last customer it finished (POST; GET shows
    the run, where the button is)."""
    run = check_run_from(request, pk, change=True)
    if request.method != "POST":
        return check_run(request, pk)
    try:
        run.retry(by=request.user)
    except ChangeRefused as refused:
        messages.warning(request, refused.message)
    return redirect("customers:check_run", pk=run.pk)
