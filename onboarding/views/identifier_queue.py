"""TechSupport verifies Peppol identifiers that an active organization added and the KvK
register could not confirm: until then they neither send nor receive."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onboarding.filters import IdentifierQueueFilter
from onboarding.models import OrganizationIdentifier
from onboarding.notifications import notify_identifier_rejected, notify_identifier_verified
from portal.errors import ChangeRefused
from portal.mail import portal_link
from portal.pagination import paginate
from portal.reporting import report_decision
from portal.tenancy import staff_required


class IdentifierRejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000,
        error_messages={"required": gettext_lazy("Give the reason; the administrator will "
                                                 "read it.")},
    )


def _queue():
    return (OrganizationIdentifier.objects.awaiting_techsupport()
            .select_related("organization", "organization__environment")
            .order_by("created_at", "id"))


@staff_required("is_techsupport")
def identifier_queue(request):
    return _render_queue(request)


def _render_queue(request, reject_form=None, rejecting=None, status=200):
    found = IdentifierQueueFilter(request.GET, queryset=_queue())
    return render(request, "onboarding/staff/identifiers.html", {
        "page": paginate(request, found.listed), "filter": found,
        "reject_form": reject_form or IdentifierRejectForm(),
        "rejecting": rejecting,
    }, status=status)


def _identifiers_url(identifier) -> str:
    return portal_link(
        reverse("onboarding:organization_detail", args=[identifier.organization_id])
        + "#identifiers")


def _identifier(pk):
    return get_object_or_404(OrganizationIdentifier.objects.select_related(
        "organization", "organization__environment"), pk=pk)


def _back_to_queue(request):
    """The queue as the decision was made from it: its filters and page are in the query
    string of the form's address."""
    query = request.GET.urlencode()
    return redirect(reverse("onboarding:staff_identifiers") + (f"?{query}" if query else ""))


@staff_required("is_techsupport", post=True)
def identifier_verify(request, pk):
    identifier = _identifier(pk)
    try:
        with transaction.atomic():
            verified = identifier.verify(request.user)
            if verified:
                notify_identifier_verified(identifier, _identifiers_url(identifier))
    except ChangeRefused as refused:
        messages.error(request, refused.message)
    else:
        _report_verified(request, identifier, verified)
    return _back_to_queue(request)


def _report_verified(request, identifier, verified):
    if verified:
        messages.success(request, _("%(identifier)s of %(name)s is verified: it sends and "
                                    "receives as its switches say. Its administrators were "
                                    "told by mail.")
                         % {"identifier": identifier, "name": identifier.organization.name})
    else:
        messages.info(request, _("%(identifier)s was verified already.")
                      % {"identifier": identifier})


@staff_required("is_techsupport", post=True)
def identifier_reject(request, pk):
    identifier = _identifier(pk)
    form = IdentifierRejectForm(request.POST)

    def reject() -> bool:
        with transaction.atomic():
            decided = identifier.reject(request.user, form.cleaned_data["reason"])
            if decided:
                notify_identifier_rejected(identifier, _identifiers_url(identifier))
        return decided

    if form.is_valid():
        try:
            decided = reject()
        except ChangeRefused as refused:
            if refused.field is None:
                # Decided meanwhile from another page: the queue no longer lists it.
                messages.error(request, refused.message)
                return _back_to_queue(request)
            form.add_error(refused.field, refused.message)
        else:
            report_decision(
                request, decided,
                _("%(identifier)s of %(name)s was not verified; it does not send or receive. "
                  "Its administrators were told by mail, with the reason.")
                % {"identifier": identifier, "name": identifier.organization.name}, None)
            return _back_to_queue(request)
    return _render_queue(request, reject_form=form, rejecting=identifier.pk, status=400)
