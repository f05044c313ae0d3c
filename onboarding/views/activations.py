"""TechSupport's activation queue: review "Activate now" requests, approve or reject them."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onboarding import kvk
from onboarding.models import ActivationRequest, EntraIdentity, Membership, Organization
from onboarding.models.environments import ChangeRefused, email_domain
from onboarding.notifications import notify_activation_decision
from portal.pagination import paginate
from portal.tenancy import staff_required

PENDING = Organization.Status.PENDING
# The KvK's public search page; it opens the register entry of a number for anyone.
KVK_REGISTER_SEARCH = "https://www.kvk.nl/zoeken/?source=all&q={number}"


def kvk_register_url(number: str) -> str:
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    return KVK_REGISTER_SEARCH.format(number=digits) if len(digits) == 8 else ""


class ApproveForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I compared the details with the KvK register and the identifiers "
                           "below belong to this organization."),
        error_messages={"required": gettext_lazy("Confirm that you checked the details "
                                                 "before activating.")},
    )


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
    for tenant_id, entry in found.items():
        entry["other_environments"] = sorted(set(
            Membership.objects.filter(user__entra_identities__tenant_id=tenant_id)
            .exclude(environment=environment).values_list("environment__name", flat=True)))
        entry["domains"] = sorted(entry["domains"])
    return [entry for entry in found.values() if entry["domains"] or entry["other_environments"]]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for rejecting"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The requester reads this in the email and on the dashboard."),
        error_messages={"required": gettext_lazy("Give the reason; the requester will read it.")},
    )


def _open_request(field):
    return Subquery(
        ActivationRequest.objects.filter(organization=OuterRef("pk"), decision="")
        .order_by("-requested_at").values(field)[:1]
    )


@staff_required("is_techsupport")
def activation_queue(request):
    query = request.GET.get("q", "").strip()
    pending = (
        Organization.objects.filter(status=PENDING).select_related("environment")
        .annotate(requested_at=_open_request("requested_at"),
                  requester_name=_open_request("requester_name"))
    )
    if query:
        pending = pending.filter(
            Q(name__icontains=query) | Q(company_id__icontains=query)
            | Q(registry_number__icontains=query) | Q(environment__name__icontains=query)
            | Q(environment__domain__icontains=query)
        )
    pending = pending.order_by(F("requested_at").asc(nulls_first=True), "id")
    return render(request, "onboarding/staff/activations.html", {
        "page": paginate(request, pending), "query": query,
    })


def _reviewable(pk):
    """Any organization that ever asked for activation; staff work across environments."""
    return get_object_or_404(
        Organization.objects.filter(activation_requests__isnull=False).distinct()
        .select_related("environment"),
        pk=pk,
    )


def _normalized(value) -> str:
    # Postal codes come as "1234 AB" and "1234AB": spacing and case are no difference.
    return "".join(str(value or "").split()).casefold()


def compare_with_register(snapshot, organization) -> list[dict]:
    """Rows of what the KvK register said when activation was asked (the stored Basisprofiel
    answer) beside what the organization says now; empty register values are not compared."""
    profile = kvk.profile_from_basisprofiel(snapshot if isinstance(snapshot, dict) else {})
    rows = [
        (_("Name"), profile.name, organization.name),
        (_("Street and number"),
         " ".join(part for part in (profile.street, profile.house_number) if part),
         organization.street),
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
    history = list(organization.activation_requests.select_related("requested_by", "decided_by"))
    open_request = next((r for r in history if not r.decision), None)
    shown = open_request or (history[0] if history else None)
    return render(request, "onboarding/staff/activation.html", {
        "organization": organization,
        "activation": shown,
        "is_pending": organization.status == PENDING,
        "comparison": compare_with_register(shown.registry_snapshot if shown else {},
                                            organization),
        "history": history,
        "reject_form": reject_form or RejectForm(),
        "approve_form": approve_form or ApproveForm(),
        # What the approval activates along with the organization.
        "identifiers": list(organization.identifiers.all()),
        "register_url": kvk_register_url(organization.registry_number)
        if organization.country == "NL" else "",
        "foreign_tenants": foreign_entra_tenants(organization.environment),
    }, status=status)


@staff_required("is_techsupport")
def activation_detail(request, pk):
    return _render_review(request, _reviewable(pk))


def _decide(request, organization, reason=None) -> bool:
    """Approve (no reason) or reject; True when this call made the decision.

    The row lock is held around the model's own, so of two reviewers at once only the one
    who found the request pending tells the requester.
    """
    dashboard_url = request.build_absolute_uri(reverse("onboarding:dashboard"))
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        was_pending = locked.status == PENDING
        if reason is None:
            locked.approve(request.user)
        else:
            locked.reject(request.user, reason)
        if was_pending:
            decided = (locked.activation_requests.exclude(decision="")
                       .select_related("requested_by", "organization")
                       .order_by("-decided_at", "-id").first())
            if decided is not None:
                transaction.on_commit(lambda: notify_activation_decision(decided, dashboard_url))
    return was_pending


@staff_required("is_techsupport")
@require_POST
def activation_approve(request, pk):
    organization = _reviewable(pk)
    form = ApproveForm(request.POST)
    if organization.status == PENDING and not form.is_valid():
        return _render_review(request, organization, approve_form=form, status=400)
    try:
        decided = _decide(request, organization)
    except ChangeRefused as refused:
        messages.error(request, refused.message)
        return redirect("onboarding:staff_activation", pk=organization.pk)
    if decided:
        messages.success(request, _("%(name)s is active. The requester was told by email.")
                         % {"name": organization.name})
    else:
        messages.info(request, _("%(name)s was already active.") % {"name": organization.name})
    return redirect("onboarding:staff_activations")


@staff_required("is_techsupport")
@require_POST
def activation_reject(request, pk):
    organization = _reviewable(pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            decided = _decide(request, organization, reason=form.cleaned_data["reason"])
        except ChangeRefused as refused:
            if refused.field not in form.fields:
                # Decided meanwhile: the page no longer offers the form to show it next to.
                messages.error(request, refused.message)
                return redirect("onboarding:staff_activation", pk=organization.pk)
            form.add_error(refused.field, refused.message)
        else:
            if decided:
                messages.success(request, _("The activation of %(name)s was rejected. The "
                                            "requester was told by email.")
                                 % {"name": organization.name})
            else:
                messages.info(request, _("%(name)s was already rejected.")
                              % {"name": organization.name})
            return redirect("onboarding:staff_activations")
    return _render_review(request, organization, reject_form=form, status=400)


@staff_required("is_techsupport")
@require_POST
def registry_checked(request, pk):
    organization = _reviewable(pk)
    organization.record_registry_check(request.user)
    messages.success(request, _("Registry number %(number)s marked as checked.")
                     % {"number": organization.registry_number})
    return redirect("onboarding:staff_activation", pk=organization.pk)


def recent_decisions(user, membership, limit: int = 3):
    """The latest activation decisions the dashboard reports: all of the environment's to its
    administrators, a user's own requests to anyone else."""
    decided = (ActivationRequest.objects.exclude(decision="")
               .filter(organization__environment=membership.environment)
               .select_related("organization").order_by("-decided_at", "-id"))
    if not membership.is_administrator:
        decided = decided.filter(requested_by=user)
    return list(decided[:limit])
