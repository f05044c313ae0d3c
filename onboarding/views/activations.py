"""TechSupport's activation queue: review "Activate now" requests, approve or reject them."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from onboarding.clients import kvk
from onboarding.filters import ActivationQueueFilter
from onboarding.forms.staff import ActivationApproveForm, ActivationRejectForm
from onboarding.models import ActivationRequest, EntraIdentity, Membership, Organization
from onboarding.models.environments import email_domain
from onboarding.notifications import notify_activation_decision
from portal.errors import ChangeRefused
from portal.mail import portal_link
from portal.pagination import paginate
from portal.reporting import report_decision
from portal.tenancy import staff_required

PENDING = Organization.Status.PENDING
def _belongs_to_domain(domain: str, company_domain: str) -> bool:
    return domain == company_domain or domain.endswith("." + company_domain)


def foreign_entra_tenants(environment) -> list[dict]:
    """Entra tenants of the environment's users that look like another company's: a user
    name outside the environment's mail domain, or the tenant also used in other
    environments. Entra matches on tenant id, so that is what is compared."""
    identities = (EntraIdentity.objects.filter(user__memberships__environment=environment)
                  .select_related("user").order_by("tenant_id", "username"))
    found = {}
    for identity in identities:
        domain = email_domain(identity.username) if "@" in identity.username else ""
        outside = bool(domain) and not _belongs_to_domain(domain, environment.domain)
        entry = found.setdefault(identity.tenant_id, {
            "tenant_id": identity.tenant_id, "usernames": [], "domains": set(),
            "other_environments": [],
        })
        entry["usernames"].append(identity.username or identity.object_id)
        if outside:
            entry["domains"].add(domain)
    elsewhere = (Membership.objects.filter(user__entra_identities__tenant_id__in=list(found))
                 .exclude(environment=environment)
                 .values_list("user__entra_identities__tenant_id", "environment__name")
                 .distinct())
    for tenant_id, name in elsewhere:
        # The join also yields the same user's other tenants: keep the ones asked about.
        if tenant_id in found:
            found[tenant_id]["other_environments"].append(name)
    for entry in found.values():
        entry["other_environments"] = sorted(set(entry["other_environments"]))
        entry["domains"] = sorted(entry["domains"])
    return [entry for entry in found.values() if entry["domains"] or entry["other_environments"]]


@staff_required("is_techsupport")
def activation_queue(request):
    pending = ActivationQueueFilter(request.GET,
                                    queryset=Organization.objects.awaiting_activation())
    return render(request, "onboarding/staff/activations.html", {
        "page": paginate(request, pending.listed), "filter": pending,
    })


def _reviewable(pk):
    return get_object_or_404(Organization.objects.reviewable(), pk=pk)


def _normalized(value) -> str:
    # Postal codes come as "1234 AB" and "1234AB": spacing and case are no difference.
    return "".join(str(value or "").split()).casefold()


def compare_with_register(snapshot, organization) -> list[dict]:
    """Rows of what the KvK register said when activation was asked (the stored Basisprofiel
    answer) beside what the organization says now; empty register values are not compared."""
    profile = kvk.KvKProfile.from_snapshot(snapshot)
    rows = [
        (_("Name"), profile.name, organization.name),
        (_("Street and number"), profile.street_line, organization.street),
        (_("Postal code"), profile.postal_code, organization.postal_code),
        (_("City"), profile.city, organization.city),
        (_("Registry number"), profile.kvk_number, organization.registry_number),
    ]
    return [
        {"label": label, "register": register, "now": now,
         "differs": bool(register) and _normalized(register) != _normalized(now)}
        for label, register, now in rows
    ]


def _render_review(request, organization, reject_form=None, approve_form=None, status=200):
    history = list(organization.activation_requests.select_related("requested_by", "decided_by",
                                                                   "accountant"))
    open_request = next((r for r in history if not r.decision), None)
    shown = open_request or (history[0] if history else None)
    identifiers = list(organization.identifiers.all())
    return render(request, "onboarding/staff/activation.html", {
        "organization": organization,
        "activation": shown,
        "is_pending": organization.status == PENDING,
        "comparison": compare_with_register(shown.registry_snapshot if shown else {},
                                            organization),
        "history": history,
        "reject_form": reject_form or ActivationRejectForm(),
        "approve_form": approve_form or ActivationApproveForm.listing(identifiers),
        # What the approval activates along with the organization.
        "identifiers": identifiers,
        "register_url": kvk.register_url(organization.registry_number)
        if organization.country == "NL" else "",
        "foreign_tenants": foreign_entra_tenants(organization.environment),
    }, status=status)


@staff_required("is_techsupport")
def activation_detail(request, pk):
    return _render_review(request, _reviewable(pk))


def _tell_requester(request, organization, decided: bool) -> None:
    """Only the reviewer whose call decided tells the requester, so two at once mail once."""
    latest = organization.latest_decision() if decided else None
    if latest is not None:
        notify_activation_decision(latest, portal_link(
            reverse("onboarding:organization_detail", args=[organization.pk])))


@staff_required("is_techsupport", post=True)
def activation_approve(request, pk):
    organization = _reviewable(pk)
    form = ActivationApproveForm(request.POST)
    if organization.status == PENDING and not form.is_valid():
        return _render_review(request, organization, approve_form=form, status=400)
    try:
        decided = organization.approve(request.user, listed=form.cleaned_data["identifiers"]
                                       if form.is_valid() else None)
    except ChangeRefused as refused:
        messages.error(request, refused.message)
        return redirect("onboarding:staff_activation", pk=organization.pk)
    _tell_requester(request, organization, decided)
    report_decision(request, decided,
                    _("%(name)s is active. The requester was told by email.")
                    % {"name": organization.name},
                    _("%(name)s was already active.") % {"name": organization.name})
    return redirect("onboarding:staff_activations")


@staff_required("is_techsupport", post=True)
def activation_reject(request, pk):
    organization = _reviewable(pk)
    form = ActivationRejectForm(request.POST)
    if form.is_valid():
        try:
            decided = organization.reject(request.user, form.cleaned_data["reason"])
        except ChangeRefused as refused:
            if refused.field not in form.fields:
                # Decided meanwhile: the page no longer offers the form to show it next to.
                messages.error(request, refused.message)
                return redirect("onboarding:staff_activation", pk=organization.pk)
            form.add_error(refused.field, refused.message)
        else:
            _tell_requester(request, organization, decided)
            report_decision(request, decided,
                            _("The activation of %(name)s was rejected. The requester was told "
                              "by email.") % {"name": organization.name},
                            _("%(name)s was already rejected.") % {"name": organization.name})
            return redirect("onboarding:staff_activations")
    return _render_review(request, organization, reject_form=form, status=400)


@staff_required("is_techsupport", post=True)
def registry_checked(request, pk):
    organization = _reviewable(pk)
    organization.record_registry_check(request.user)
    messages.success(request, _("Registry number %(number)s marked as checked.")
                     % {"number": organization.registry_number})
    return redirect("onboarding:staff_activation", pk=organization.pk)


def recent_decisions(user, membership, limit: int = 3):
    """The latest activation decisions the dashboard reports: all of the environment's to its
    administrators, a user's own requests to anyone else."""
    decided = (ActivationRequest.objects.visible_to(user, membership.environment).decided()
               .select_related("organization").order_by("-decided_at", "-id"))
    return list(decided[:limit])
