"""Webhook pages: list, add (the secret shown once), the hook with every try, change, pause
and resume, a test event, a new secret, delete."""

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onboarding.models import Organization, Role
from onboarding.tenancy import environment_required, organization_or_404, part_or_404
from portal.errors import ChangeRefused, add_refusal
from portal.pagination import creatable_menu, paginate
from webhooks.filters import WebhookFilter
from webhooks.forms import WebhookForm
from webhooks.models import Attempt, Delivery, Webhook


def _visible(request, pk):
    return part_or_404(request, Webhook.objects.visible_to(request.user, request.environment)
                       .select_related("organization", "environment").with_delivery_state(),
                       pk)


def _manageable(request, pk):
    return part_or_404(request, Webhook.objects.manageable_by(request.user, request.environment)
                       .select_related("organization", "environment"), pk)


def _answer_seconds() -> int:
    return round(settings.WEBHOOKS_TIMEOUT)


def _environment_admin(request) -> bool:
    return request.environment.has_role(request.user, Role.ADMINISTRATOR)


@environment_required()
def webhook_list(request):
    organizations = Organization.objects.manageable_by(request.user, request.environment)
    hooks = WebhookFilter(
        request.GET, queryset=Webhook.objects.visible_to(request.user, request.environment)
        .select_related("organization", "environment").with_delivery_state(),
        organizations=organizations.order_by("name").only("pk", "name", "company_id"))
    return render(request, "webhooks/list.html", {
        "page": paginate(request, hooks.qs),
        "filter": hooks,
        **creatable_menu(Organization.objects.configurable_by(request.user,
                                                              request.environment)),
        "environment_admin": _environment_admin(request),
    })


@environment_required()
def add(request, pk):
    organization = organization_or_404(
        request, Organization.objects.configurable_by(request.user, request.environment), pk)
    return _add(request, organization)


@environment_required()
def add_for_environment(request):
    if not _environment_admin(request):
        raise Http404
    return _add(request, None)


@reauthentication_required
def _add(request, organization):
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            hook, secret = Webhook.create(by=request.user, environment=request.environment,
                                          organization=organization, **form.cleaned_data)
        except ChangeRefused as refused:
            add_refusal(form, refused)
        else:
            return _show_secret(request, hook, secret, created=True)
    return render(request, "webhooks/form.html", {
        "form": form, "organization": organization, "environment": request.environment,
    }, status=400 if form.is_bound and form.errors else 200)


def _show_secret(request, hook, secret, *, created):
    # The secret lives in this response only; reloading leads to the hook's page.
    response = render(request, "webhooks/secret.html",
                      {"hook": hook, "secret": secret, "created": created,
                       "answer_seconds": _answer_seconds()})
    add_never_cache_headers(response)
    return response


@environment_required()
def detail(request, pk):
    hook = _visible(request, pk)
    attempts = (Attempt.objects.filter(webhook=hook).select_related("delivery", "webhook")
                .order_by("-at", "-id"))
    return render(request, "webhooks/detail.html", {
        "hook": hook,
        "waiting": 0 if hook.is_active else hook.deliveries.filter(
            status=Delivery.Status.RETRYING).count(),
        "answer_seconds": _answer_seconds(),
        "page": paginate(request, attempts),
        "can_change": Webhook.objects.manageable_by(request.user, request.environment)
        .filter(pk=hook.pk).exists(),
    })


@environment_required()
def edit(request, pk):
    return _edit(request, _manageable(request, pk))


@reauthentication_required
def _edit(request, hook):
    # Where the signed events go is asked with a fresh password, as adding a hook is.
    form = WebhookForm(request.POST or None, initial={
        "url": hook.url, "description": hook.description, "topics": hook.topics})
    if request.method == "POST" and form.is_valid():
        if hook.change(request.user, request.environment, **form.cleaned_data):
            messages.success(request, _("The webhook was saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("webhooks:detail", hook.pk)
    return render(request, "webhooks/form.html", {
        "form": form, "hook": hook, "organization": hook.organization,
        "environment": hook.environment,
    }, status=400 if form.is_bound and form.errors else 200)


# What each confirmed action says: (title, question, button, button style).
ACTIONS = {
    "pause": (gettext_lazy("Pause webhook"),
              gettext_lazy("Pause this webhook? Events that happen meanwhile wait and are "
                           "sent when you resume it."),
              gettext_lazy("Pause"), "btn-warning"),
    "resume": (gettext_lazy("Resume webhook"),
               gettext_lazy("Resume this webhook? Events that waited are sent right away."),
               gettext_lazy("Resume"), "btn-primary"),
    "test": (gettext_lazy("Send a test event"),
             gettext_lazy("Send a test event (topic HookTest) to this webhook now? It is "
                          "signed like every other event and tried once."),
             gettext_lazy("Send a test event"), "btn-primary"),
    "rotate": (gettext_lazy("New secret"),
               gettext_lazy("Make a new secret? Events are signed with the new one at once, "
                            "so update your receiver straight away."),
               gettext_lazy("Make a new secret"), "btn-warning"),
    "delete": (gettext_lazy("Delete webhook"),
               gettext_lazy("Delete this webhook and every try recorded for it? Nothing is "
                            "sent to it any more."),
               gettext_lazy("Delete webhook"), "btn-danger"),
}


def _confirm(request, hook, action, replacing=""):
    title, question, button, style = ACTIONS[action]
    return render(request, "webhooks/confirm.html", {
        "hook": hook, "title": title, "question": question, "button": button, "style": style,
        "replacing": replacing,
    })


def _act(request, pk, action, change, message, unchanged=""):
    """Confirm on GET; on POST run `change(hook)` and report `message` when it changed, or
    `unchanged` when it already was so (another window did it first)."""
    hook = _manageable(request, pk)
    if request.method != "POST":
        return _confirm(request, hook, action)
    if change(hook):
        messages.success(request, message)
    elif unchanged:
        messages.info(request, unchanged)
    return redirect("webhooks:detail", hook.pk)


@environment_required()
def pause(request, pk):
    return _act(request, pk, "pause", lambda hook: hook.pause(request.user, request.environment),
                _("The webhook is paused."), _("The webhook was paused already."))


@environment_required()
def resume(request, pk):
    return _act(request, pk, "resume",
                lambda hook: hook.resume(request.user, request.environment),
                _("The webhook is active again."), _("The webhook was active already."))


@environment_required()
def send_test(request, pk):
    return _act(request, pk, "test", lambda hook: hook.send_test(request.user),
                _("A test event is on its way; its try shows below."))


@environment_required()
def rotate_secret(request, pk):
    return _rotate(request, _manageable(request, pk))


@reauthentication_required
def _rotate(request, hook):
    if request.method != "POST":
        return _confirm(request, hook, "rotate", replacing=hook.secret_version)
    try:
        secret = hook.rotate_secret(request.user, request.environment,
                                    replacing=request.POST.get("replacing", ""))
    except ChangeRefused as refused:
        messages.error(request, refused.message)
        return redirect("webhooks:detail", hook.pk)
    return _show_secret(request, hook, secret, created=False)


@environment_required()
def delete(request, pk):
    hook = _manageable(request, pk)
    if request.method != "POST":
        return _confirm(request, hook, "delete")
    hook.delete_by(request.user, request.environment)
    messages.success(request, _("The webhook was deleted."))
    return redirect("webhooks:list")
