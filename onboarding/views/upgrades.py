"""Upgrade requests: an environment administrator asks Sales for a bigger plan (and a contract
with API rights), Sales decides from a queue, and the administrator is told."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onboarding.filters import UpgradeQueueFilter
from onboarding.models import Subscription, UpgradeRequest, has_api_contract
from onboarding.notifications import notify_upgrade_decision
from onboarding.tenancy import environment_required
from onboarding.views.sales import render_environment
from portal.errors import ChangeRefused
from portal.mail import portal_link
from portal.pagination import paginate
from portal.tenancy import staff_required
from portal.widgets import Textarea

PAID = [(value, label) for value, label in Subscription.choices
        if value != Subscription.INVOICE_PORTAL]


class UpgradeRequestForm(forms.Form):
    subscription = forms.ChoiceField(
        label=gettext_lazy("Subscription"), choices=PAID, widget=forms.RadioSelect,
        help_text=gettext_lazy("Basic: AFAS, Accept and other software through the API. "
                               "Professional: also 4PS, with a contract with API rights."),
    )
    api_contract = forms.BooleanField(
        label=gettext_lazy("Also a contract with API rights (needed for 4PS Construct and "
                           "4PS Business Central)"), required=False,
    )
    message = forms.CharField(
        label=gettext_lazy("Message to Sales"), required=False, max_length=2000,
        widget=Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Optional: what you want to connect, and who Sales may call."),
    )

    def __init__(self, *args, current, **kwargs):
        super().__init__(*args, **kwargs)
        # Only a bigger plan, or Professional again for a contract with API rights.
        ranks = [value for value, _label in Subscription.choices]
        self.fields["subscription"].choices = [
            (value, label) for value, label in PAID
            if ranks.index(value) > ranks.index(current) or value == Subscription.PROFESSIONAL]

    def clean(self):
        data = super().clean()
        if data.get("api_contract") and data.get("subscription") != Subscription.PROFESSIONAL:
            self.add_error("api_contract", _("A contract with API rights comes with the "
                                             "Professional subscription."))
        return data


class DecisionForm(forms.Form):
    contract_reference = forms.CharField(
        label=gettext_lazy("Contract reference"), max_length=100, required=False,
        help_text=gettext_lazy("Needed when the request includes a contract with API rights."),
    )
    answer = forms.CharField(
        label=gettext_lazy("Answer to the administrator"), max_length=2000, required=False,
        widget=Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when you decline; the administrator reads it."),
    )


def _form_error(form, refused):
    form.add_error(refused.field if refused.field in form.fields else None, refused.message)


@environment_required()
def upgrade_request(request):
    """Where every plan refusal links to: the environment's requests, and for its
    administrators the form to ask for more."""
    environment = request.environment
    is_admin = request.membership.is_administrator
    requests_made = UpgradeRequest.objects.visible_to(request.user, environment) \
        .select_related("requested_by", "decided_by", "contract")
    waiting = requests_made.pending().first()
    everything = waiting is None and not environment.entitlements.may_ask_for_more()
    form = None
    if is_admin and waiting is None and not everything:
        wanted = request.GET.get("subscription")
        form = UpgradeRequestForm(request.POST if request.method == "POST" else None, initial={
            "api_contract": request.GET.get("api_contract") == "1",
        }, current=environment.subscription)
        offered = dict(form.fields["subscription"].choices)
        form.fields["subscription"].initial = wanted if wanted in offered else next(iter(offered))
        if form.is_bound and form.is_valid():
            try:
                UpgradeRequest.submit(environment=environment, by=request.user,
                                      **form.cleaned_data)
            except ChangeRefused as refused:
                _form_error(form, refused)
            else:
                messages.success(request, _("Your request was sent to Sales. You get an email "
                                            "when they decide, and you see it here."))
                return redirect("onboarding:upgrade_request")
    return render(request, "onboarding/upgrade_request.html", {
        "form": form, "is_admin": is_admin, "waiting": waiting, "everything": everything,
        "history": list(requests_made[:10]), "has_api_contract": has_api_contract(environment),
        "administrators": environment.administrators() if not is_admin else [],
    }, status=400 if form is not None and form.is_bound else 200)


@staff_required("is_sales")
def upgrade_queue(request):
    found = UpgradeQueueFilter(request.GET, queryset=UpgradeRequest.objects.select_related(
        "environment", "requested_by", "decided_by"))
    return render(request, "onboarding/staff/upgrades.html", {
        "filter": found, "page": paginate(request, found.listed),
    })


def _render_decision(request, upgrade, form=None, status=200):
    return render(request, "onboarding/staff/upgrade.html", {
        "upgrade": upgrade, "environment": upgrade.environment,
        "form": form or DecisionForm(), "has_api_contract": has_api_contract(upgrade.environment),
        "organization_count": upgrade.environment.organizations.count(),
    }, status=status)


def _staff_upgrade(pk):
    return get_object_or_404(UpgradeRequest.objects.select_related("environment",
                                                                   "requested_by"), pk=pk)


@staff_required("is_sales")
def upgrade_detail(request, pk):
    return _render_decision(request, _staff_upgrade(pk))


def _decide(request, upgrade, approve: bool):
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_decision(request, upgrade, form, status=400)
    url = portal_link(
        reverse("onboarding:subscription" if approve else "onboarding:upgrade_request"))
    try:
        with transaction.atomic():
            if approve:
                decided = upgrade.approve(
                    request.user, contract_reference=form.cleaned_data["contract_reference"],
                    answer=form.cleaned_data["answer"])
            else:
                decided = upgrade.decline(request.user, form.cleaned_data["answer"])
            if decided:
                transaction.on_commit(lambda: notify_upgrade_decision(upgrade, url))
    except ChangeRefused as refused:
        _form_error(form, refused)
        return _render_decision(request, upgrade, form, status=400)
    name = upgrade.environment.name
    if not decided:
        messages.info(request, _("This request was decided already."))
    elif approve:
        messages.success(request, _("%(environment)s now has the %(subscription)s subscription. "
                                    "The administrator was told by email.")
                         % {"environment": name,
                            "subscription": upgrade.get_subscription_display()})
        if upgrade.issued_contract is not None:
            # The new contract's subscription key, shown this once for Sales to hand over.
            response = render_environment(request, upgrade.environment,
                                          issued=upgrade.issued_contract)
            add_never_cache_headers(response)
            return response
    else:
        messages.success(request, _("The request of %(environment)s was declined. The "
                                    "administrator was told by email.") % {"environment": name})
    return redirect("onboarding:staff_upgrades")


@staff_required("is_sales", post=True)
def upgrade_approve(request, pk):
    return _decide(request, _staff_upgrade(pk), approve=True)


@staff_required("is_sales", post=True)
def upgrade_decline(request, pk):
    return _decide(request, _staff_upgrade(pk), approve=False)


# How long the dashboard keeps reporting Sales' decision on an upgrade request.
DECISION_SHOWN_FOR = timedelta(days=30)


def latest_upgrade(user, membership):
    """The environment's latest upgrade request, for the dashboard of its administrators:
    while it waits, and for a while after Sales decided."""
    if not membership.is_administrator:
        return None
    return (UpgradeRequest.objects.visible_to(user, membership.environment)
            .filter(Q(status=UpgradeRequest.Status.PENDING)
                    | Q(decided_at__gte=timezone.now() - DECISION_SHOWN_FOR))
            .first())


