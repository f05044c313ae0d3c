"""Subscriptions and contracts: Sales staff set them; an environment's administrators read them."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onboarding.models import (
    Contract,
    Environment,
    Role,
    Subscription,
    change_subscription,
    has_api_contract,
)
from onboarding.models.environments import ChangeRefused
from onboarding.models.organizations import FREE_ORGANIZATION_LIMIT
from portal.pagination import paginate
from portal.tenancy import environment_required, staff_required


class SubscriptionForm(forms.Form):
    subscription = forms.ChoiceField(label=gettext_lazy("Subscription"),
                                     choices=Subscription.choices)


class ContractForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Contract reference"), max_length=100)
    api_rights = forms.BooleanField(
        label=gettext_lazy("API rights"), required=False, initial=True,
        help_text=gettext_lazy("The environment's software may use the API (with Professional)."),
    )
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), initial=timezone.localdate,
                                widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=gettext_lazy("Last day"), required=False,
                              help_text=gettext_lazy("Leave empty while the contract runs on."),
                              widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("A contract cannot end before it starts."))
        return data


class EndContractForm(forms.Form):
    ends_on = forms.DateField(label=gettext_lazy("Last day"), initial=timezone.localdate,
                              widget=forms.DateInput(attrs={"type": "date"}))


def _current_contracts():
    today = timezone.localdate()
    return Q(contracts__starts_on__lte=today) & (
        Q(contracts__ends_on__isnull=True) | Q(contracts__ends_on__gte=today))


@staff_required("is_sales")
def subscriptions(request):
    query = request.GET.get("q", "").strip()
    chosen = request.GET.get("subscription", "")
    environments = Environment.objects.annotate(
        current_contracts=Count("contracts", filter=_current_contracts()))
    if query:
        environments = environments.filter(Q(name__icontains=query) | Q(domain__icontains=query))
    if chosen in Subscription.values:
        environments = environments.filter(subscription=chosen)
    filters = {key: value for key, value in (("q", query), ("subscription", chosen)) if value}
    return render(request, "onboarding/staff/subscriptions.html", {
        "page": paginate(request, environments.order_by("name", "id")),
        "query": query, "chosen": chosen, "subscriptions": Subscription.choices,
        "filter_query": urlencode(filters),
    })


def _render_environment(request, environment, *, subscription_form=None, contract_form=None,
                        issued=None, status=200):
    return render(request, "onboarding/staff/subscription.html", {
        "issued": issued,
        "environment": environment,
        "subscription_form": subscription_form
        or SubscriptionForm(initial={"subscription": environment.subscription}),
        "contract_form": contract_form or ContractForm(),
        "contracts": environment.contracts.select_related("created_by"),
        "has_api_contract": has_api_contract(environment),
        "organization_count": environment.organizations.count(),
        "today": timezone.localdate(),
    }, status=status)


@staff_required("is_sales")
def subscription_detail(request, pk):
    environment = get_object_or_404(Environment, pk=pk)
    form = SubscriptionForm(request.POST or None,
                            initial={"subscription": environment.subscription})
    if request.method == "POST":
        if not form.is_valid():
            return _render_environment(request, environment, subscription_form=form, status=400)
        if change_subscription(environment, request.user, form.cleaned_data["subscription"]):
            messages.success(request, _("%(environment)s now has the %(subscription)s "
                                        "subscription.")
                             % {"environment": environment.name,
                                "subscription": environment.get_subscription_display()})
            count = environment.organizations.count()
            if environment.subscription == Subscription.INVOICE_PORTAL and \
                    count > FREE_ORGANIZATION_LIMIT:
                messages.warning(request, _("The environment has %(count)d organizations; the "
                                            "free subscription covers %(limit)d. It cannot add "
                                            "more until it upgrades.")
                                 % {"count": count, "limit": FREE_ORGANIZATION_LIMIT})
        return redirect("onboarding:staff_subscription", pk=environment.pk)
    return _render_environment(request, environment, subscription_form=form)


@staff_required("is_sales")
@require_POST
def contract_add(request, pk):
    environment = get_object_or_404(Environment, pk=pk)
    form = ContractForm(request.POST)
    if form.is_valid():
        try:
            contract = Contract.add(environment=environment, by=request.user, **form.cleaned_data)
        except ChangeRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            # The key is in this response only, never in a message kept for the next page.
            response = _render_environment(request, environment, issued=contract)
            add_never_cache_headers(response)
            return response
    return _render_environment(request, environment, contract_form=form, status=400)


@staff_required("is_sales")
@require_POST
def contract_end(request, pk):
    contract = get_object_or_404(Contract.objects.select_related("environment"), pk=pk)
    form = EndContractForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the contract's last day as a date."))
    else:
        try:
            contract.end(request.user, form.cleaned_data["ends_on"])
        except ChangeRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Contract %(reference)s ends on %(date)s.") % {
                "reference": contract.reference, "date": date_format(contract.ends_on)})
    return redirect("onboarding:staff_subscription", pk=contract.environment_id)


@staff_required("is_sales")
@require_POST
def contract_renew_key(request, pk):
    contract = get_object_or_404(Contract.objects.select_related("environment"), pk=pk)
    renewed = contract.renew_key(request.user)
    response = _render_environment(request, contract.environment, issued=renewed)
    add_never_cache_headers(response)
    return response


@environment_required(Role.ADMINISTRATOR)
def subscription(request):
    environment = request.environment
    return render(request, "onboarding/subscription.html", {
        "contracts": Contract.objects.visible_to(request.user, environment)
        .select_related("created_by"),
        "has_api_contract": has_api_contract(environment),
        "organization_count": environment.organizations.count(),
        "free_limit": FREE_ORGANIZATION_LIMIT,
    })
