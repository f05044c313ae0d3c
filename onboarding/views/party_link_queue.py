"""TechSupport's party-link queue: review requests, approve some or all organizations with
their permissions, reject with a reason, revoke links."""


from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from onboarding.filters import PartyLinkQueueFilter
from onboarding.forms.party_links import ApproveForm
from onboarding.forms.staff import RejectForm
from onboarding.models import AuditEvent, PartyLink, PartyLinkRequest
from onboarding.notifications import notify_party_link_decision
from portal.mail import portal_link
from portal.pagination import paginate
from portal.reporting import report_attempt
from portal.tenancy import staff_required

PENDING = PartyLinkRequest.Status.PENDING
# Both forms of the page have a reason field: the rejection's ids are its own.
REJECT_IDS = "id_reject_%s"


@staff_required("is_techsupport")
def staff_party_links(request):
    found = PartyLinkQueueFilter(
        request.GET, queryset=PartyLinkRequest.objects.select_related("identity__user",
                                                                      "environment")
        .prefetch_related("items").order_by("requested_at", "id"))
    return render(request, "onboarding/staff/party_links.html", {
        "filter": found, "page": paginate(request, found.listed),
    })


def _reviewable(pk):
    return get_object_or_404(
        PartyLinkRequest.objects.select_related("identity__user", "environment", "decided_by"),
        pk=pk)


def _render_review(request, link_request, *, approve_form=None, reject_form=None, status=200):
    identity = link_request.identity
    return render(request, "onboarding/staff/party_link.html", {
        "link_request": link_request,
        "identity": identity,
        "approve_form": approve_form or ApproveForm(link_request=link_request),
        "reject_form": reject_form or RejectForm(auto_id=REJECT_IDS),
        "items": link_request.items.select_related("organization__environment"),
        "events": AuditEvent.objects.filter(target_type="partylinkrequest",
                                            target_id=str(link_request.pk))
        .order_by("created_at", "id"),
        "other_requests": identity.link_requests.exclude(pk=link_request.pk),
        "links": PartyLink.objects.active().filter(identity=identity)
        .select_related("organization__environment"),
    }, status=status)


@staff_required("is_techsupport")
def staff_party_link(request, pk):
    return _render_review(request, _reviewable(pk))


def _decide(request, link_request, grants, reason) -> bool:
    """True when this call made the decision; only then is the requester told."""
    url = portal_link(reverse("onboarding:party_link_request",
                                             args=[link_request.pk]))
    with transaction.atomic():
        decided = link_request.decide(request.user, grants, reason)
        if decided:
            notify_party_link_decision(link_request, url)
    return decided


@staff_required("is_techsupport", post=True)
def staff_party_link_approve(request, pk):
    link_request = _reviewable(pk)
    if not link_request.is_pending:
        messages.info(request, _("This request was decided already: %(status)s.")
                      % {"status": link_request.get_status_display().lower()})
        return redirect("onboarding:staff_party_link", pk=link_request.pk)
    form = ApproveForm(request.POST, link_request=link_request)
    if form.is_valid() and report_attempt(
            request, form,
            lambda: _decide(request, link_request, form.grants, form.cleaned_data["reason"]),
            done=ngettext("%(count)d organization linked to %(user)s. The requester was told "
                          "by email.",
                          "%(count)d organizations linked to %(user)s. The requester was told "
                          "by email.", len(form.grants))
            % {"count": len(form.grants), "user": link_request.entra_username},
            already=_("This request was decided already.")):
        return redirect("onboarding:staff_party_links")
    return _render_review(request, link_request, approve_form=form, status=400)


@staff_required("is_techsupport", post=True)
def staff_party_link_reject(request, pk):
    link_request = _reviewable(pk)
    form = RejectForm(request.POST, auto_id=REJECT_IDS)
    if form.is_valid() and report_attempt(
            request, form, lambda: _decide(request, link_request, {}, form.cleaned_data["reason"]),
            done=_("The request of %(user)s was rejected. The requester was told by email.")
            % {"user": link_request.entra_username},
            already=_("This request was decided already."), field="reason"):
        return redirect("onboarding:staff_party_links")
    return _render_review(request, link_request, reject_form=form, status=400)


@staff_required("is_techsupport")
def staff_party_link_revoke(request, pk):
    """Asks first: the identity's Business Central stops sending for the organization."""
    link = get_object_or_404(PartyLink.objects.select_related("organization", "identity"),
                             pk=pk)
    back = reverse("onboarding:staff_party_link", args=[link.link_request_id]) \
        if link.link_request_id else reverse("onboarding:staff_party_links")
    if not link.is_active:
        messages.info(request, _("This party link was revoked already."))
        return redirect(back)
    if request.method != "POST":
        return render(request, "onboarding/staff/party_link_revoke.html",
                      {"link": link, "back": back})
    link.revoke(request.user)
    messages.success(request, _("%(identity)s can no longer use %(name)s.")
                     % {"identity": link.identity, "name": link.organization.name})
    return redirect(back)
