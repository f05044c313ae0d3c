"""How every customer page finds its objects: through the organizations the user may
manage (their own, and clients' through a partnership). Anything else is a 404."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from customers.models import CustomerCard, ImportJob, PeppolCheckRun, SendingProfile
from onboarding.models import Organization
from onboarding.tenancy import organization_or_404, part_or_404


def _may_change(request, organization) -> None:
    if organization.environment_id == request.environment.pk:
        # Its memberships are already known for this request.
        organization.environment = request.environment
    if not organization.configurable_by(request.user, request.environment):
        raise PermissionDenied(_("Only administrators of this organization, and accountants "
                                 "it works with, change its customers and sending profiles."))


def may_change(request, organization) -> bool:
    try:
        _may_change(request, organization)
    except PermissionDenied:
        return False
    return True


def organization_from(request, pk, *, change=False) -> Organization:
    organization = organization_or_404(
        request, Organization.objects.manageable_by(request.user, request.environment), pk)
    if change:
        _may_change(request, organization)
    return organization


def _scoped(request, model, pk, change, *related, defer=()):
    obj = part_or_404(
        request, model.objects.visible_to(request.user, request.environment)
        .select_related("organization", *related).defer(*defer), pk)
    if change:
        _may_change(request, obj.organization)
    return obj


def card_from(request, pk, *, change=False) -> CustomerCard:
    return _scoped(request, CustomerCard, pk, change, "sending_profile")


def profile_from(request, pk, *, change=False) -> SendingProfile:
    return _scoped(request, SendingProfile, pk, change)


def import_from(request, pk, *, change=False, report=True) -> ImportJob:
    # The upload itself is only for the thread that imports it; the rejections only for the
    # report. A progress page polls every second, and either may run to megabytes.
    return _scoped(request, ImportJob, pk, change,
                   defer=("content", "rejected_rows") if report
                   else ("content", "rejected_rows", "rejections", "preview", "columns"))


def check_run_from(request, pk, *, change=False) -> PeppolCheckRun:
    return _scoped(request, PeppolCheckRun, pk, change)


def organization_context(request, organization, tab) -> dict:
    """What the tabs and breadcrumb above every customer page need."""
    return {"organization": organization, "tab": tab,
            "own_organization": organization.environment_id == request.environment.pk,
            "can_change": may_change(request, organization)}


def render_form(request, template, organization, tab, form, **context):
    """A customer page with a form: 400 when the posted form is shown again with errors."""
    return render(request, template, {
        **organization_context(request, organization, tab), "form": form, **context,
    }, status=400 if form.is_bound else 200)
