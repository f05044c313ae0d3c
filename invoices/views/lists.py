"""Outbox and inbox: per organization, and across every organization the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.http import QueryDict
from django.shortcuts import render
from django.urls import Resolver404, resolve

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
# How many documents one step on a selection takes at once, chosen one by one or as all that
# a list's filters match: a page of the inbox and more, and few enough that taking each in
# its own transaction answers within a second or so.
AT_ONCE = 100


@dataclass(frozen=True)
class BulkActions:
    """What a list offers to do to several received invoices together: mark them downloaded,
    and set their processing status where the user may process them. Each is offered for
    those chosen on this page and for all that the filters match; it stays in sight, off
    and explained, when this page holds none of them but the filtered list does."""

    mark: bool = False
    process: bool = False
    mark_here: bool = False
    process_here: bool = False
    matching: int = 0
    matching_capped: bool = False
    limit: int = 0

    @property
    def shown(self) -> bool:
        return self.mark or self.process

    @property
    def chosen_here(self) -> bool:
        """Something on this page can be chosen in the first column."""
        return self.mark_here or self.process_here

    @property
    def all_matching(self) -> bool:
        """All the documents the filters match may be taken at once."""
        return not self.matching_capped and 0 < self.matching <= self.limit


def _bulk_actions(request, filters, page, direction, processes) -> BulkActions:
    mark_here = any(doc.awaits_fetching for doc in page.object_list)
    process_here = bool(processes)
    if direction == Direction.OUTGOING or not page.object_list:
        return BulkActions()
    # Beyond this page, asked only when this page does not tell: the number of queries
    # stays the same however long the list.
    others = page.has_other_pages
    documents = filters.qs
    mark = mark_here or (others and documents.awaiting_fetching().exists())
    process = process_here or (others and documents.processable_by(
        request.user, request.environment).exists())
    return BulkActions(mark=mark, process=process, mark_here=mark_here,
                       process_here=process_here, matching=page.count,
                       matching_capped=page.count_capped, limit=AT_ONCE)


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
    bulk = _bulk_actions(request, filters, page, direction, processes)
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
        "bulk": bulk,
        # The first column's boxes: those the page offers a step for.
        "markable": bulk.mark_here,
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


def _organization_documents(organization, direction):
    return (Document.objects.for_list()
            .filter(organization=organization, direction=direction))


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
    return _render(request, _organization_documents(organization, direction),
                   direction=direction, organization=organization)


@environment_required()
def outbox(request, pk):
    return _organization_box(request, pk, Direction.OUTGOING)


@environment_required()
def inbox(request, pk):
    return _organization_box(request, pk, Direction.INCOMING)


# The lists by URL name, with the direction each shows.
BOXES = {"documents": None, "outbox_all": Direction.OUTGOING, "inbox_all": Direction.INCOMING,
         "outbox": Direction.OUTGOING, "inbox": Direction.INCOMING}


@dataclass
class Matching:
    """The documents that one of these lists shows with its filters, as they are now and as
    the user may see them: what "all documents that match these filters" acts on."""

    path: str
    filters: DocumentFilter
    direction: str | None
    organization: Organization | None

    @property
    def box(self) -> str:
        return TITLES[self.direction]

    @property
    def documents(self):
        return self.filters.qs.order_by("pk")

    def count(self, limit: int) -> int:
        """How many documents match, counting no further than `limit` + 1."""
        return self.documents.order_by()[:limit + 1].count()


def matching(request, path: str) -> Matching | None:
    """The list at `path` (a path of this site with its query string, as the list's page
    gave it) with its filters; None when it is no document list, or its filters are not
    valid. Another organization's box is a 404, as its page is."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.namespace != "invoices" or match.url_name not in BOXES:
        return None
    direction = BOXES[match.url_name]
    organization = None
    if "pk" in match.kwargs:
        organization = organization_from(request, match.kwargs["pk"])
        documents = _organization_documents(organization, direction)
    else:
        documents = _scoped(request, direction)
    filters = DocumentFilter(QueryDict(parts.query), queryset=documents, direction=direction)
    if not filters.is_valid():
        return None
    return Matching(path=path, filters=filters, direction=direction, organization=organization)
