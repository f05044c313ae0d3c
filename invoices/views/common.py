"""How the document pages find their objects: through the organizations the user may
manage, their own and clients' through a partnership. Anything else is a 404."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from invoices.models import Document
from invoices.models.documents import ORIGINAL_REASON_MAX_LENGTH
from onboarding.models import Organization
from onboarding.tenancy import organization_or_404, part_or_404
from portal.errors import ChangeRefused


def may_act_for(request, organization) -> bool:
    """May the user send, reject and process documents for `organization`: as administrator
    of it or of its environment, or as an accountant it works with."""
    if organization.environment_id == request.environment.pk:
        organization.environment = request.environment
    return organization.configurable_by(request.user, request.environment)


def organization_from(request, pk, *, send=False) -> Organization:
    organization = organization_or_404(
        request, Organization.objects.manageable_by(request.user, request.environment), pk)
    if send and not may_act_for(request, organization):
        raise PermissionDenied(_("Only administrators of this organization, and accountants "
                                 "it works with, send documents for it."))
    return organization


def document_from(request, pk, *, content=False) -> Document:
    documents = Document.objects.visible_to(request.user, request.environment) \
        .select_related("organization__environment")
    if not content:
        documents = documents.defer("content")
    return part_or_404(request, documents, pk)


def document_from_many(request, pks):
    """Those of `pks` the user may see, oldest first; the rest are left out unsaid."""
    return (Document.objects.visible_to(request.user, request.environment)
            .filter(pk__in=pks).defer("content", "validation").order_by("pk"))


def mark_original_page(request, document, template, *, done: str, then: str, **context):
    """Releasing a held duplicate, for the organization's administrators and TechSupport
    alike: a POST with the reason releases it and goes to `then` (telling `done` when this
    request released it); a refusal shows next to the reason."""
    error = ""
    if request.method == "POST":
        try:
            changed = document.mark_original(request.user, request.POST.get("reason", ""))
        except ChangeRefused as refused:
            error = refused.message
        else:
            if changed:
                messages.success(request, done)
            else:
                # Released from another page first: the release stands.
                messages.info(request, _("Document %(number)s was released already.")
                              % {"number": document.number or document.pk})
            return redirect(then)
    return render(request, template, {
        "document": document, "error": error, "reason": request.POST.get("reason", ""),
        "max_length": ORIGINAL_REASON_MAX_LENGTH, **context,
    }, status=400 if error else 200)


def take_step(request, document, step, done):
    """A document's step asked for by a POST: `step(request.user)` is taken, `done()` said
    when this request took it and the refusal when it was refused; back to the document."""
    try:
        changed = step(request.user)
    except ChangeRefused as refused:
        messages.error(request, refused.message)
    else:
        if changed:
            messages.success(request, done())
        else:
            # Another window, or the software, took this step first.
            messages.info(request, _("Nothing was changed: %(number)s is %(status)s already.")
                          % {"number": document.number or document.pk,
                             "status": document.get_status_display().lower()})
    return redirect(document)
