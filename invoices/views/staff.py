"""TechSupport: the duplicates held on the platform, found by Delivery ID, and releasing one
that is not a duplicate (the false alarm customers report to support)."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from invoices.filters import HeldDocumentFilter
from invoices.models import Document
from invoices.pagination import keyset_page
from invoices.views.common import mark_original_page
from portal.tenancy import staff_required


@staff_required("is_techsupport")
def duplicates(request):
    found = HeldDocumentFilter(request.GET, queryset=Document.objects.for_list()
                               .select_related("organization__environment"))
    return render(request, "invoices/staff/duplicates.html", {
        "page": keyset_page(request, found.qs), "query": found.query,
    })


@staff_required("is_techsupport")
def mark_original(request, pk):
    document = get_object_or_404(Document.objects.select_related("organization__environment")
                                 .defer("content"), pk=pk)
    return mark_original_page(
        request, document, "invoices/staff/mark_original.html",
        done=_("Document %(number)s was marked as original.") % {"number": document.number},
        then=reverse("invoices:staff_duplicates"))
