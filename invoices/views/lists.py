"""Outbox and inbox: per organization, and across every organization the user may see."""

from django.shortcuts import render

from invoices.filters import DocumentFilter
from invoices.models import Direction, Document
from invoices.pagination import KeysetPage, keyset_page
from invoices.views import export
from invoices.views.common import may_act_for, organization_from
from onboarding.models import Organization
from onboarding.tenancy import environment_required

# The organizations an empty list offers a test invoice for, at most.
MAX_SENDERS = 5
TITLES = {Direction.OUTGOING: "outbox", Direction.INCOMING: "inbox", None: "documents"}


def _render(request, documents, *, direction, organization=None):
    filters = DocumentFilter(request.GET or None, queryset=documents, direction=direction,
                             sortable=True)
    # A filter (or an order) that is not valid is shown with its error, not exported
    # without it.
    if request.GET.get("export") == "csv" and filters.is_valid():
        return export.download(filters.qs, TITLES[direction], organization,
                               order=filters.order)
    # A filter that is not valid lists nothing rather than every document: the list would
    # look filtered while it is not.
    invalid = filters.is_bound and not filters.is_valid()
    page = KeysetPage() if invalid else \
        keyset_page(request, filters.qs, selective=filters.searches, order=filters.order)
    # Received invoices on this page can be marked downloaded together, and given a
    # processing status together where the user may process them.
    processable = {doc.organization_id for doc in page.object_list if doc.may_be_processed}
    processes = set(Organization.objects.configurable_by(request.user, request.environment)
                    .filter(pk__in=processable).values_list("pk", flat=True)) \
        if processable else set()
    return render(request, "invoices/list.html", {
        "filter": filters,
        "form": filters.form,
        "filtered": filters.asked,
        "sorting": filters.sorting,
        "invalid_filters": invalid,
        "page": page,
        "direction": direction,
        "box": TITLES[direction],
        "organization": organization,
        "can_send": organization is not None and may_act_for(request, organization),
        "markable": any(doc.awaits_fetching for doc in page.object_list),
        "processes": processes,
        "export_limit": export.LIMIT,
        **(_ways_to_start(request) if organization is None and not page.object_list
           and not filters.asked else {}),
    })


def _ways_to_start(request) -> dict:
    """For an empty list across organizations: those the user may send a test invoice for,
    or that the user works for none yet."""
    organizations = Organization.objects.manageable_by(request.user, request.environment)
    return {
        "senders": list(Organization.objects.configurable_by(request.user, request.environment)
                        .active().order_by("name")[:MAX_SENDERS]),
        "no_organizations": not organizations.exists(),
    }


def _scoped(request, direction):
    documents = Document.objects.visible_to(request.user, request.environment).for_list()
    return documents.filter(direction=direction) if direction else documents


@environment_required()
def documents(request):
    return _render(request, _scoped(request, None), direction=None)


@environment_required()
def outbox_all(request):
    return _render(request, _scoped(request, Direction.OUTGOING), direction=Direction.OUTGOING)


@environment_required()
def inbox_all(request):
    return _render(request, _scoped(request, Direction.INCOMING), direction=Direction.INCOMING)


def _organization_box(request, pk, direction):
    organization = organization_from(request, pk)
    documents = (Document.objects.for_list()
                 .filter(organization=organization, direction=direction))
    return _render(request, documents, direction=direction, organization=organization)


@environment_required()
def outbox(request, pk):
    return _organization_box(request, pk, Direction.OUTGOING)


@environment_required()
def inbox(request, pk):
    return _organization_box(request, pk, Direction.INCOMING)
