"""The Integrations pages: the catalogue, starting a run, the run's guided steps and the JSON
its page polls, readiness per organization, and support's list of stuck runs and view of
one run."""

from urllib.parse import quote, urlencode

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from onboarding.forms.integrations import StartForm
from onboarding.integrations import qualification
from onboarding.integrations.checks import Facts
from onboarding.integrations.registry import all_setups, get
from onboarding.integrations.runs import IntegrationRun, State, first_open
from onboarding.integrations.values import addresses
from onboarding.models import ConnectionKey, Organization, Partnership
from onboarding.models.connection_keys import key_refusal
from onboarding.tenancy import environment_required, organization_or_404, part_or_404
from portal.errors import ChangeRefused
from portal.mail import portal_link
from portal.pagination import paginate
from portal.tenancy import staff_required


@environment_required()
def catalogue(request):
    runs = {(r.setup, r.organization_id): r for r in IntegrationRun.objects.visible_to(
        request.user, request.environment).select_related("organization")}
    return render(request, "integrations/catalogue.html", {
        "setups": [(setup, lacks, qualification.from_sales(lacks),
                    [r for (slug, _org), r in runs.items() if slug == setup.slug])
                   for setup in all_setups()
                   for lacks in [qualification.missing(setup, request.environment)]],
        # An accountant's clients set up on their own subscriptions, not the accountant's.
        "has_clients": Partnership.objects.active().filter(
            accountant=request.environment).exists(),
    })


@environment_required()
def start(request):
    setup = get(request.GET.get("setup") or request.POST.get("setup") or "")
    if setup is None:
        raise Http404
    organizations = (Organization.objects.configurable_by(request.user, request.environment)
                     .active().order_by("name"))
    lacks = qualification.missing(setup, request.environment)
    error = ""
    if request.method == "POST" and lacks:
        # As in the catalogue: no setup starts before the environment qualifies.
        error = _("Your environment does not qualify for this setup yet.")
    elif request.method == "POST":
        form = StartForm(request.POST, organizations=organizations)
        if not form.is_valid():
            error = form.errors["organization"][0]
        else:
            try:
                run, created = IntegrationRun.start(
                    organization=form.cleaned_data["organization"], setup=setup,
                    by=request.user, environment=request.environment)
            except ChangeRefused as refused:
                error = refused.message
            else:
                if not created:
                    messages.info(request, _("You carry on where this setup was left."))
                return redirect("integrations:run", run.pk)
    return render(request, "integrations/start.html", {
        "setup": setup, "organizations": organizations, "error": error,
        "missing": lacks, "upgradable": qualification.from_sales(lacks),
        # Who to ask, for a user who may not set up any organization here.
        "administrators": [] if request.membership.is_administrator
        else request.environment.administrators().order_by("email"),
    }, status=400 if error else 200)


def _visible_run(request, pk):
    return part_or_404(request, IntegrationRun.objects.visible_to(request.user,
                                                                request.environment)
                       .select_related("organization__environment", "assigned_to",
                                       "started_by"), pk)


def _handover_candidates(request, run):
    """Colleagues of the environment and the accountants with a partnership who may carry on."""
    return list(run.organization.configurers().exclude(pk=request.user.pk).order_by("email"))


@environment_required()
def run_page(request, pk):
    run = _visible_run(request, pk)
    if request.method == "POST":
        return _act(request, run)
    return _render_run(request, run)


def _render_run(request, run, secret="", created_step="", status=200):
    states = run.refresh(by=None) if not secret else run.evaluate(secret)
    response = render(request, "integrations/run.html", {
        "run": run, "setup": run.definition, "states": states,
        "can_change": run.organization.configurable_by(request.user, request.environment),
        # Why keys cannot be made here now: the step says so instead of offering them.
        "key_refused": key_refusal(run.organization, run.definition.software,
                                   request.environment),
        "candidates": _handover_candidates(request, run), "created_step": created_step,
        "complete_count": sum(s.state == State.COMPLETE for s in states),
        "set_up": _set_up(states),
        "support_mail": _support_mail(run, states),
        # Where the software connects, for the step in which it is configured.
        "addresses": addresses(request, run.definition.apis),
    }, status=status)
    add_never_cache_headers(response)
    return response


def _set_up(states) -> bool:
    """Whether every step holds now (or was skipped): a step that broke after the run was
    finished makes the setup unfinished again, whatever the run recorded."""
    return all(s.state in (State.COMPLETE, State.SKIPPED) for s in states)


def _support_mail(run, states) -> str:
    """A mail to support that says which setup, for whom, and where it waits; empty without
    a support address."""
    if not settings.SUPPORT_EMAIL:
        return ""
    organization = run.organization
    subject = f"{run.definition.name} – {organization.name} ({organization.company_id})"
    waiting = first_open(states)
    body = _("Waiting at step %(number)d: %(title)s") % {
        "number": states.index(waiting) + 1, "title": waiting.step.title} if waiting else ""
    return f"mailto:{settings.SUPPORT_EMAIL}?" + urlencode(
        {"subject": subject, "body": body}, quote_via=quote)


def _act(request, run):
    if not run.organization.configurable_by(request.user, request.environment):
        messages.error(request, _("Only administrators of the organization change its "
                                  "integrations."))
        return redirect("integrations:run", run.pk)
    action = request.POST.get("action")
    step = request.POST.get("step", "")
    try:
        if action == "create_key":
            return _create_key(request, run, step)
        if action == "confirm":
            run.confirm(step, request.user, request.environment)
        elif action == "skip":
            run.skip(step, request.user, request.environment)
        elif action == "hand_over":
            to = next((u for u in _handover_candidates(request, run)
                       if str(u.pk) == request.POST.get("to")), None)
            if to is None:
                raise ChangeRefused(_("Choose a colleague or accountant to hand this to."))
            if run.hand_over(to, request.user, request.environment,
                             portal_link(reverse("integrations:run",
                                                                args=[run.pk]))):
                told = (_("%(email)s carries on with this setup now, and was told by mail.")
                        if to.wants_mail("handed_over") else
                        _("%(email)s carries on with this setup now."))
                messages.success(request, told % {"email": to.email})
        else:
            raise ChangeRefused(_("Unknown action."))
    except ChangeRefused as refused:
        messages.error(request, refused.message)
    return redirect("integrations:run", run.pk)


@reauthentication_required
def _create_key(request, run, step):
    try:
        issued = ConnectionKey.issue(organization=run.organization,
                                     software=run.definition.software, by=request.user,
                                     environment=request.environment,
                                     label=str(run.definition.name))
    except ChangeRefused as refused:
        messages.error(request, refused.message)
        return redirect("integrations:run", run.pk)
    run.refresh(by=request.user, event="connection_key.created")
    # The Secret lives in this response only, as on the connection key pages.
    return _render_run(request, run, secret=issued.secret, created_step=step)


@never_cache
@environment_required()
def run_status(request, pk):
    """What the run page polls: each step's state and its rendered status."""
    run = _visible_run(request, pk)
    states = run.refresh()
    return JsonResponse({
        "complete": _set_up(states),
        "steps": {s.key: {"state": s.state,
                          "html": render_to_string("integrations/_step_status.html",
                                                   {"s": s}, request=request)}
                  for s in states},
    })


@environment_required()
def readiness(request, pk):
    """One organization across all its integrations: what is done and what is missing."""
    organization = organization_or_404(
        request, Organization.objects.manageable_by(request.user, request.environment), pk)
    runs = []
    for run in organization.integration_runs.all():
        if run.definition is not None:
            runs.append((run, run.evaluate()))
    started = {run.setup for run, _states in runs}
    return render(request, "integrations/readiness.html", {
        "organization": organization, "runs": runs,
        "not_started": [s for s in all_setups() if s.slug not in started],
    })


@staff_required("is_techsupport")
def stuck(request):
    """The longest stuck first, a page at a time: each run's step is worked out afresh."""
    page = paginate(request, IntegrationRun.objects.stuck()
                    .select_related("organization__environment", "assigned_to", "started_by")
                    .order_by("updated_at", "id"))
    runs = [run for run in page.object_list if run.definition is not None]
    return render(request, "integrations/stuck.html", {
        "runs": [(facts.run, facts.run.stuck_on(facts)) for facts in Facts.of_runs(runs)],
        "page": page})


@staff_required("is_techsupport")
def staff_run(request, pk):
    """One setup as its users see it, every step with its state, without their actions: what
    support reads before answering a question about it."""
    run = get_object_or_404(IntegrationRun.objects.select_related(
        "organization__environment", "assigned_to", "started_by"), pk=pk)
    if run.definition is None:
        raise Http404
    return render(request, "integrations/staff_run.html", {
        "run": run, "states": run.evaluate()})
