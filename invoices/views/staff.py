"""TechSupport: the duplicates held on the platform, any document found by its Delivery ID
or in its organization's list, with its history (what a customer quotes when asking why a
delivery failed), releasing a duplicate that is not one (the false alarm customers report to
support), and the organizations whose received invoices nobody fetches."""

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from invoices.filters import DocumentFilter, HeldDocumentFilter
from invoices.models import Document, PeppolEvidence, reminders
from invoices.pagination import keyset_page
from invoices.peppol.validation import ValidationReport
from invoices.views.common import mark_original_page
from onboarding.models import Organization
from portal.pagination import paginate
from portal.tenancy import staff_required


@staff_required("is_techsupport")
def duplicates(request):
    found = HeldDocumentFilter(request.GET, queryset=Document.objects.for_list()
                               .select_related("organization__environment"))
    return render(request, "invoices/staff/duplicates.html", {
        "page": keyset_page(request, found.qs), "query": found.query,
    })


@staff_required("is_techsupport")
def organization_documents(request, pk):
    """An organization's documents, for the call about one of them that has no Delivery ID
    at hand: found by number, counterparty or status."""
    organization = get_object_or_404(Organization.objects.for_staff(), pk=pk)
    found = DocumentFilter(request.GET or None, queryset=Document.objects.for_list()
                           .filter(organization=organization))
    return render(request, "invoices/staff/organization_documents.html", {
        "organization": organization, "filter": found,
        "page": keyset_page(request, found.qs, selective=found.searches),
    })


@staff_required("is_techsupport")
def waiting_inboxes(request):
    """Organizations whose software seems to have stopped fetching: support may call them
    before their suppliers do."""
    return render(request, "invoices/staff/waiting_inboxes.html", {
        "page": paginate(request, reminders.waiting_inboxes()),
        "hours": settings.INBOX_REMINDER_HOURS,
    })


@staff_required("is_techsupport")
def document(request, pk):
    """What support needs to answer for a document: its status and reason, its history, the
    rules' verdict and the Peppol evidence. Not the invoice itself."""
    found = get_object_or_404(Document.objects.select_related("organization__environment")
                              .defer("content"), pk=pk)
    report = ValidationReport.from_dict(found.validation or {})
    return render(request, "invoices/staff/document.html", {
        "document": found,
        "events": found.events.all(),
        "evidence": PeppolEvidence.objects.filter(document=found).first(),
        "report": report if found.validation else None,
        "verdict": report.render_verdict(_),
        # The earlier documents a held duplicate repeats, to compare before releasing it.
        "originals": list(found.originals().defer("content", "validation")),
    })


@staff_required("is_techsupport")
def mark_original(request, pk):
    # Only a received document is ever held as a duplicate.
    document = get_object_or_404(Document.objects.inbox()
                                 .select_related("organization__environment")
                                 .defer("content"), pk=pk)
    return mark_original_page(
        request, document, "invoices/staff/mark_original.html",
        done=_("Document %(number)s was marked as original.") % {"number": document.number},
        then=reverse("invoices:staff_duplicates"))
