"""How the document pages find their objects: through the organizations the user may
manage, their own and clients' through a partnership. Anything else is a 404."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from invoices.models import Document
from onboarding.models import Organization


def may_send(request, organization) -> bool:
    if organization.environment_id == request.environment.pk:
        organization.environment = request.environment
    return organization.configurable_by(request.user, request.environment)


def organization_from(request, pk, *, send=False) -> Organization:
    organization = get_object_or_404(
        Organization.objects.manageable_by(request.user, request.environment), pk=pk)
    if send and not may_send(request, organization):
        raise PermissionDenied(_("Only administrators of this organization, and accountants "
                                 "it works with, send documents for it."))
    return organization


def document_from(request, pk, *, content=False) -> Document:
    documents = Document.objects.visible_to(request.user, request.environment) \
        .select_related("organization__environment")
    if not content:
        documents = documents.defer("content")
    return get_object_or_404(documents, pk=pk)
