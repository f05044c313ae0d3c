"""TechSupport: the duplicates held on the platform, found by Delivery ID, and releasing one
that is not a duplicate (the false alarm customers report to support)."""

import uuid

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from invoices.models import Document, Status
from invoices.pagination import keyset_page
from portal.errors import ChangeRefused
from portal.tenancy import staff_required


@staff_required("is_techsupport")
def duplicates(request):
    query = request.GET.get("delivery_id", "").strip()
    documents = Document.objects.for_list().select_related("organization__environment")
    if query:
        try:
            documents = documents.filter(delivery_id=uuid.UUID(query))
        except ValueError:
            documents = documents.none()
    else:
        documents = documents.filter(status=Status.DUPLICATE)
    return render(request, "invoices/staff/duplicates.html", {
        "page": keyset_page(request, documents), "query": query,
    })


@staff_required("is_techsupport")
def mark_original(request, pk):
    document = get_object_or_404(Document.objects.select_related("organization__environment")
                                 .defer("content"), pk=pk)
    error = ""
    if request.method == "POST":
        try:
            changed = document.mark_original(request.user, request.POST.get("reason", ""))
        except ChangeRefused as refused:
            error = refused.message
        else:
            if changed:
                messages.success(request, _("Document %(number)s was marked as original.")
                                 % {"number": document.number})
            return redirect("invoices:staff_duplicates")
    return render(request, "invoices/staff/mark_original.html", {
        "document": document, "error": error, "reason": request.POST.get("reason", ""),
    }, status=400 if error else 200)
