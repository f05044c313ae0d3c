"""Connection keys: list, create (the Secret shown once), rename, revoke and delete."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from onboarding.filters import ConnectionKeyFilter
from onboarding.forms.partners import ConnectionKeyForm, ConnectionKeyLabelForm
from onboarding.integrations.registry import apis_for, with_keys_for
from onboarding.integrations.values import addresses
from onboarding.models import ConnectionKey, Organization, Partnership, Software
from onboarding.models.connection_keys import PORT_443
from onboarding.tenancy import environment_required, organization_or_404, part_or_404
from portal.errors import ChangeRefused, add_refusal
from portal.pagination import creatable_menu, paginate


def visible_keys(request):
    return ConnectionKey.objects.visible_to(request.user, request.environment)


def visible_key(request, pk):
    return part_or_404(request, visible_keys(request).with_api_state(), pk)


def _configurable(request, key):
    return key.organization.configurable_by(request.user, request.environment)


@environment_required()
def connection_keys(request):
    organizations = Organization.objects.manageable_by(request.user, request.environment)
    keys = ConnectionKeyFilter(
        request.GET, queryset=visible_keys(request).with_api_state().select_related("created_by"),
        organizations=organizations.order_by("name").only("pk", "name", "company_id"))
    page = paginate(request, keys.qs)
    for key in page:
        key.blocked = key.blocked_for(request.environment)
    return render(request, "onboarding/connection_keys/list.html", {
        "page": page,
        "filter": keys,
        **creatable_menu(Organization.objects.configurable_by(request.user, request.environment)
                         .active()),
    })


@environment_required()
def connection_key_add(request, pk):
    organization = organization_or_404(
        request, Organization.objects.configurable_by(request.user, request.environment), pk)
    if not organization.is_active:
        # Said before the password is asked again for a key that cannot be made.
        messages.error(request, _("Connection keys are for active organizations. Activate the "
                                  "organization first."))
        return redirect("onboarding:connection_keys")
    return _add_key(request, organization)


@reauthentication_required
def _add_key(request, organization):
    # Through a partnership, the package the accountant asked the client about comes first.
    partnership = Partnership.through(organization, request.environment)
    asked = partnership.request.software if partnership and partnership.request else None
    form = ConnectionKeyForm(request.POST or None, organization=organization,
                             environment=request.environment,
                             initial={"software": asked} if asked else None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = ConnectionKey.issue(
                organization=organization, software=form.cleaned_data["software"],
                label=form.cleaned_data["label"], by=request.user,
                environment=request.environment)
        except ChangeRefused as refused:
            add_refusal(form, refused)
        else:
            # The Secret lives in this response only: nothing server-side keeps it.
            response = render(request, "onboarding/connection_keys/created.html", {
                "key": issued.key, "secret": issued.secret,
                "quick_connect": issued.quick_connect,
                "page_url": reverse("onboarding:connection_key_created", args=[issued.key.pk]),
                "port_443": PORT_443, "setup": with_keys_for(issued.key.software),
                **_addresses(request, issued.key),
            })
            add_never_cache_headers(response)
            return response
    return render(request, "onboarding/connection_keys/add.html", {
        "organization": organization, "form": form,
    }, status=400 if form.is_bound and form.errors else 200)


@never_cache
@environment_required()
def connection_key_created(request, pk):
    """Where the page that showed the Secret leads on reload: the Secret is gone by then,
    and once the key is revoked nothing is left to wait for, so its own page answers."""
    key = visible_key(request, pk)
    if key.is_revoked:
        return redirect("onboarding:connection_key_detail", key.pk)
    return render(request, "onboarding/connection_keys/created.html",
                  {"key": key, "port_443": PORT_443, "setup": with_keys_for(key.software),
                   "blocked": key.blocked_for(request.environment),
                   **_addresses(request, key)})


@environment_required()
def connection_key_detail(request, pk):
    key = visible_key(request, pk)
    return _detail(request, key, ConnectionKeyLabelForm(initial={"label": key.label}))


def _detail(request, key, label_form, status=200, focus_label=False):
    can_change = _configurable(request, key)
    return render(request, "onboarding/connection_keys/detail.html", {
        "key": key, "can_change": can_change, "label_form": label_form if can_change else None,
        "focus_label": focus_label or label_form.errors,
        "blocked": key.blocked_for(request.environment), **_addresses(request, key),
    }, status=status)


@environment_required()
def connection_key_rename(request, pk):
    key = visible_key(request, pk)
    if request.method != "POST":
        # The key's page, with the keyboard in its description field.
        return _detail(request, key, ConnectionKeyLabelForm(initial={"label": key.label}),
                       focus_label=True)
    form = ConnectionKeyLabelForm(request.POST)
    if form.is_valid():
        try:
            changed = key.rename(request.user, form.cleaned_data["label"],
                                 environment=request.environment)
        except ChangeRefused as refused:
            if refused.field is None:
                return _refuse(request, key, refused.message)
            add_refusal(form, refused)
        else:
            if changed:
                messages.success(request, _("The description of %(app_key)s was saved.")
                                 % {"app_key": key.app_key})
            return redirect("onboarding:connection_key_detail", key.pk)
    return _detail(request, key, form, status=400)


def _addresses(request, key) -> dict:
    """Where the key's software connects, for the addresses block: a known package knows the
    address itself, so its name goes with them (see _addresses.html)."""
    return {"addresses": addresses(request, apis_for(key.software)),
            "software": "" if key.software == Software.OTHER else key.get_software_display()}


def _when(moment):
    if moment is None:
        return None
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@never_cache
@environment_required()
def connection_key_status(request, pk):
    """What the key page polls, so a test connection shows up without a reload."""
    key = visible_key(request, pk)
    return JsonResponse({
        "last_used": _when(key.last_used_at),
        "last_tested": _when(key.last_tested_at),
        "revoked": _when(key.revoked_at),
    })


@environment_required()
def connection_key_revoke(request, pk):
    key = visible_key(request, pk)
    if not _configurable(request, key):
        return _refuse(request, key, _("Only administrators of the organization revoke keys."))
    if key.is_revoked:
        messages.info(request, _("The key %(app_key)s is revoked already.")
                      % {"app_key": key.app_key})
        return redirect("onboarding:connection_key_detail", key.pk)
    if request.method == "POST":
        key.revoke(request.user, environment=request.environment)
        messages.success(request, _("The key %(app_key)s was revoked. Software that still uses "
                                    "it is refused from now on.") % {"app_key": key.app_key})
        return redirect("onboarding:connection_key_detail", key.pk)
    return render(request, "onboarding/connection_keys/revoke.html", {"key": key})


@environment_required()
def connection_key_delete(request, pk):
    key = visible_key(request, pk)
    if not _configurable(request, key):
        return _refuse(request, key, _("Only administrators of the organization delete keys."))
    if request.method == "POST":
        try:
            key.delete_by(request.user, environment=request.environment)
        except ChangeRefused as refused:
            return _refuse(request, key, refused.message)
        messages.success(request, _("The key %(app_key)s was deleted.") % {
            "app_key": key.app_key})
        return redirect(reverse("onboarding:connection_keys"))
    if not key.is_revoked:
        return _refuse(request, key, _("Revoke the key before deleting it."))
    return render(request, "onboarding/connection_keys/delete.html", {"key": key})


def _refuse(request, key, message):
    messages.error(request, message)
    return redirect("onboarding:connection_key_detail", key.pk)

