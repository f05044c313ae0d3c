"""Subscriptions and contracts: Sales staff set them; an environment's administrators read them."""


from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from onboarding.filters import SubscriptionFilter
from onboarding.forms.staff import ContractForm, EndContractForm, SubscriptionForm
from onboarding.models import (
    Contract,
    Environment,
    Role,
    Software,
    Subscription,
    change_subscription,
)
from onboarding.models.entitlements import FREE_ORGANIZATION_LIMIT, losses
from onboarding.notifications import notify_subscription_changed
from onboarding.tenancy import environment_required
from portal.errors import ChangeRefused, add_refusal
from portal.mail import portal_link
from portal.pagination import paginate
from portal.tenancy import staff_required


@staff_required("is_sales")
def subscriptions(request):
    environments = SubscriptionFilter(
        request.GET, queryset=Environment.objects.with_current_contracts().order_by("name", "id"))
    return render(request, "onboarding/staff/subscriptions.html", {
        "page": paginate(request, environments.listed), "filter": environments,
    })


def render_environment(request, environment, *, subscription_form=None, contract_form=None,
                       issued=None, status=200):
    return render(request, "onboarding/staff/subscription.html", {
        "issued": issued,
        "environment": environment,
        "subscription_form": subscription_form
        or SubscriptionForm(initial={"subscription": environment.subscription}),
        "contract_form": contract_form or ContractForm(),
        "contracts": environment.contracts.select_related("created_by"),
        "has_api_contract": environment.entitlements.has_api_contract(),
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
            return render_environment(request, environment, subscription_form=form, status=400)
        wanted = Subscription(form.cleaned_data["subscription"])
        before = Subscription(environment.subscription)
        lost = losses(environment, wanted)
        if lost and request.POST.get("confirmed") != "1":
            return render(request, "onboarding/staff/subscription_confirm.html", {
                "environment": environment, "subscription": wanted, "losses": lost,
                "label": _("Change the subscription"),
                "cancel": reverse("onboarding:staff_subscription", args=[environment.pk])})
        with transaction.atomic():
            changed = change_subscription(environment, request.user, wanted)
            if changed:
                notify_subscription_changed(
                    environment, before, lost,
                    portal_link(reverse("onboarding:subscription")))
        if changed:
            messages.success(request, _("%(environment)s now has the %(subscription)s "
                                        "subscription. Its administrators were told by mail.")
                             % {"environment": environment.name,
                                "subscription": environment.get_subscription_display()})
            entitlements = environment.entitlements
            if entitlements.is_over_organization_limit():
                messages.warning(request, _("The environment has %(count)d organizations; the "
                                            "free subscription covers %(limit)d. It cannot add "
                                            "more until it upgrades.")
                                 % {"count": entitlements.organization_count(),
                                    "limit": entitlements.organization_limit})
        return redirect("onboarding:staff_subscription", pk=environment.pk)
    return render_environment(request, environment, subscription_form=form)


@staff_required("is_sales", post=True)
def contract_add(request, pk):
    environment = get_object_or_404(Environment, pk=pk)
    form = ContractForm(request.POST)
    if form.is_valid():
        try:
            contract = Contract.add(environment=environment, by=request.user, **form.cleaned_data)
        except ChangeRefused as refused:
            add_refusal(form, refused)
        else:
            # The key is in this response only, never in a message kept for the next page.
            response = render_environment(request, environment, issued=contract)
            add_never_cache_headers(response)
            return response
    return render_environment(request, environment, contract_form=form, status=400)


@staff_required("is_sales", post=True)
def contract_end(request, pk):
    contract = get_object_or_404(Contract.objects.select_related("environment"), pk=pk)
    form = EndContractForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the contract's last day as a date."))
    elif refused := contract.end_refusal(form.cleaned_data["ends_on"]):
        # Said before asking to confirm: confirming could only be refused.
        messages.error(request, refused)
    elif request.POST.get("confirmed") != "1":
        # Asks first: the environment's software loses its API rights after that day.
        return render(request, "onboarding/staff/end_contract.html", {
            "contract": contract, "ends_on": form.cleaned_data["ends_on"],
            "label": _("End the contract"),
            "cancel": reverse("onboarding:staff_subscription", args=[contract.environment_id])})
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
def contract_renew_key(request, pk):
    """Asks first: the customer's software stops working with the old key at once."""
    contract = get_object_or_404(Contract.objects.select_related("environment"), pk=pk)
    if request.method != "POST":
        return render(request, "onboarding/staff/new_key.html", {"contract": contract})
    try:
        renewed = contract.renew_key(request.user,
                                     replacing=request.POST.get("replacing", "")[:8] or None)
    except ChangeRefused as refused:
        messages.error(request, refused.message)
        return redirect("onboarding:staff_subscription", pk=contract.environment_id)
    response = render_environment(request, contract.environment, issued=renewed)
    add_never_cache_headers(response)
    return response


@environment_required(Role.ADMINISTRATOR)
def subscription(request):
    environment = request.environment
    return render(request, "onboarding/subscription.html", {
        "contracts": Contract.objects.visible_to(request.user, environment)
        .select_related("created_by"),
        # The plan rule itself, asked for each package: what may connect, and why not.
        "software_access": [(software.label, environment.api_access_refusal(software))
                            for software in Software],
        "organization_count": environment.organizations.count(),
        "free_limit": FREE_ORGANIZATION_LIMIT,
    })
