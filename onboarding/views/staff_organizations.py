"""Platform staff's view of any organization: found by name, number, Peppol identifier or
environment, then on one page what a support call about it needs (its state, identifiers,
setups, connection keys, webhooks, documents, administrators and recent changes), to read,
not to change. Secrets and the invoices themselves are not shown."""

from django.db.models import F
from django.shortcuts import get_object_or_404, render

from invoices.models import Direction, Document, InboxReminder, Status
from onboarding.filters import StaffOrganizationFilter
from onboarding.models import AuditEvent, Environment, Organization
from portal.pagination import paginate
from portal.tenancy import staff_required
from webhooks.models import Webhook

RECENT_DOCUMENTS = 10
RECENT_EVENTS = 20


@staff_required("is_platform_staff")
def staff_organizations(request):
    found = StaffOrganizationFilter(request.GET, queryset=Organization.objects.for_staff())
    chosen = found.form.cleaned_data.get("environment") if found.is_valid() else None
    return render(request, "onboarding/staff/organizations.html", {
        "page": paginate(request, found.listed), "filter": found,
        "environment": Environment.objects.filter(pk=chosen).first() if chosen else None,
    })


@staff_required("is_platform_staff")
def staff_organization(request, pk):
    # Prefetched: the identifiers' list and whether it receives read them once.
    organization = get_object_or_404(
        Organization.objects.for_staff().prefetch_related("identifiers"), pk=pk)
    documents = Document.objects.filter(organization=organization)
    counts = documents.counted_by_status()
    runs = organization.integration_runs.select_related("assigned_to").order_by("setup")
    return render(request, "onboarding/staff/organization.html", {
        "organization": organization,
        "identifiers": organization.identifiers.all(),
        "administrators": list(organization.administrators().order_by("email")),
        "partnerships": list(organization.partnerships.active().select_related("accountant")),
        # A page at a time: software may have made hundreds of keys and hooks.
        "keys": paginate(request, organization.connection_keys.order_by(
            F("revoked_at").asc(nulls_first=True), "-created_at", "-pk"), param="keys_page"),
        "runs": [(run, None if run.completed_at else run.stuck_on())
                 for run in runs if run.definition is not None],
        "counts": counts,
        "moments": documents.last_moments(),
        # Awaiting fetching is being Received: the count is among those by status.
        "waiting": {status: n for status, _label, n in counts[Direction.INCOMING]}.get(
            Status.RECEIVED, 0),
        "last_reminder": InboxReminder.objects.filter(organization=organization)
        .order_by("-sent_at").first(),
        "webhooks": paginate(request, Webhook.objects.hearing_of(
            organization.pk, organization.environment_id)
            .select_related("organization", "environment").with_last_attempt()
            .order_by("-is_active", "url", "pk"), param="webhooks_page"),
        "recent_documents": list(documents.for_list().order_by("-id")[:RECENT_DOCUMENTS]),
        "events": list(AuditEvent.objects.concerning(organization)[:RECENT_EVENTS]),
        "asked_for_activation": organization.activation_requests.exists(),
    })
