"""Signing in with Microsoft Entra ID, linking a Microsoft account to a portal account, and
the preparation checklist of the service-broker guide."""

from __future__ import annotations

import time
from functools import wraps

from allauth.account.decorators import reauthentication_required
from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onboarding.clients import entra
from onboarding.forms.party_links import BrokerForm, PreparationForm
from onboarding.models import EntraIdentity, PartyLinkRequest, PreparationChecklist
from portal.errors import ChangeRefused

# The Entra sign-in of this browser session: which identity, in which broker environment.
SIGN_IN_SESSION_KEY = "entra_sign_in"
# A signed-in user's verified sign-in with an unlinked Microsoft account, offered for linking.
PENDING_LINK_SESSION_KEY = "entra_pending_link"
# How long, in seconds, that offer stands.
PENDING_LINK_MAX_AGE = 600

ERROR_STATUS = {
    entra.SignInError.CONSENT: 403,
    entra.SignInError.DENIED: 403,
    entra.SignInError.CANCELLED: 200,
    entra.SignInError.STATE: 400,
    entra.SignInError.UNAVAILABLE: 503,
    entra.SignInError.FAILED: 502,
}


def entra_enabled(view):
    """Pages that exist only while an Entra app registration is configured; without one
    they answer 404 with a page that says so."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not entra.is_enabled():
            return not_configured(request)
        return view(request, *args, **kwargs)

    return wrapper


def not_configured(request):
    return render(request, "onboarding/entra/not_configured.html", status=404)


def current_sign_in(request):
    """(identity, broker key, session data) of this session's Entra sign-in, or None."""
    data = request.session.get(SIGN_IN_SESSION_KEY)
    if not isinstance(data, dict) or not request.user.is_authenticated:
        return None
    identity = (EntraIdentity.objects.visible_to(request.user, request.environment)
                .filter(pk=data.get("identity")).first())
    if identity is None or entra.broker(data.get("broker", "")) is None:
        return None
    return identity, data["broker"], data


def _callback_url(request) -> str:
    return request.build_absolute_uri(reverse("onboarding:entra_callback"))


def _error_page(request, error: entra.SignInError):
    chosen = error.broker or next(iter(entra.brokers()), None)
    return render(request, "onboarding/entra/error.html", {
        "error": error,
        "admin_consent_url": chosen.admin_consent_url(_callback_url(request))
        if chosen is not None and error.kind == error.CONSENT else "",
    }, status=ERROR_STATUS[error.kind])


@entra_enabled
def entra_signin(request):
    """Step 2 of the guide: choose the broker environment, then sign in with Microsoft."""
    form = BrokerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            url = entra.begin(request.session, form.chosen(),
                              redirect_uri=_callback_url(request), purpose="signin")
        except entra.SignInError as error:
            return _error_page(request, error)
        return redirect(url)
    linked = (request.user.is_authenticated
              and EntraIdentity.objects.filter(user=request.user).exists())
    return render(request, "onboarding/entra/signin.html", {"form": form, "linked": linked},
                  status=400 if form.is_bound else 200)


@entra_enabled
def entra_callback(request):
    if request.GET.get("admin_consent"):
        # Back from the admin-consent page: the tenant may now sign in.
        return render(request, "onboarding/entra/consent_granted.html", {
            "granted": request.GET.get("admin_consent", "").lower() == "true"})
    try:
        signed_in = entra.finish(request.session, request.GET.dict())
    except entra.SignInError as error:
        return _error_page(request, error)
    if signed_in.purpose == "link":
        return _link(request, signed_in)
    return _sign_in(request, signed_in)


def _link(request, signed_in):
    if not request.user.is_authenticated or request.user.pk != signed_in.user_id:
        # Started by another portal user (or before signing out): not this session's to finish.
        return _error_page(request, entra.SignInError(entra.SignInError.STATE))
    try:
        identity = EntraIdentity.link(user=request.user, environment=request.environment,
                                      tenant_id=signed_in.tenant_id,
                                      object_id=signed_in.object_id,
                                      username=signed_in.username, display_name=signed_in.name)
    except ChangeRefused as refused:
        messages.error(request, refused.message)
    else:
        # Linking signed in with Microsoft: the party link needs no second sign-in.
        identity.signed_in(username=signed_in.username, display_name=signed_in.name)
        _remember(request, identity, signed_in)
        messages.success(request, _("Your Microsoft account %(username)s is linked. You can "
                                    "now sign in with Microsoft.")
                         % {"username": signed_in.username})
    return redirect("onboarding:entra_account")


def _remember(request, identity, signed_in):
    """This browser session's Entra sign-in (see current_sign_in)."""
    request.session[SIGN_IN_SESSION_KEY] = {
        "identity": identity.pk, "broker": signed_in.broker.key,
        "username": signed_in.username, "name": signed_in.name,
    }


def _keep_for_linking(request, signed_in):
    """The verified sign-in of an unlinked Microsoft account by a signed-in user, kept in the
    (server-side) session so that a later POST can link it without a second Microsoft
    sign-in; only the user it was kept for may use it, and only for a few minutes."""
    request.session[PENDING_LINK_SESSION_KEY] = {
        "user": request.user.pk, "broker": signed_in.broker.key,
        "tenant_id": signed_in.tenant_id, "object_id": signed_in.object_id,
        "username": signed_in.username, "name": signed_in.name, "at": time.time(),
    }


def _pending_link(request):
    """The kept sign-in (see _keep_for_linking) as a SignedIn, taken out of the session; None
    when there is none, it was kept for another user, or it is too old."""
    data = request.session.pop(PENDING_LINK_SESSION_KEY, None)
    if not isinstance(data, dict) or data.get("user") != request.user.pk:
        return None
    broker = entra.broker(data.get("broker", ""))
    if broker is None or time.time() - float(data.get("at", 0)) > PENDING_LINK_MAX_AGE:
        return None
    return entra.SignedIn(broker=broker, purpose="link", user_id=request.user.pk,
                          tenant_id=data["tenant_id"], object_id=data["object_id"],
                          username=data.get("username", ""), name=data.get("name", ""))


def _sign_in(request, signed_in):
    identity = EntraIdentity.find(signed_in.tenant_id, signed_in.object_id)
    if identity is None:
        request.session.pop(SIGN_IN_SESSION_KEY, None)
        if request.user.is_authenticated:
            # Offered at once: linking it takes this sign-in, kept on the server.
            _keep_for_linking(request, signed_in)
        return render(request, "onboarding/entra/unknown.html", {"signed_in": signed_in})
    identity.signed_in(username=signed_in.username, display_name=signed_in.name)
    if request.user.is_authenticated and request.user.pk != identity.user_id:
        logout(request)
    _remember(request, identity, signed_in)
    target = reverse("onboarding:party_link_connect")
    if request.user.is_authenticated:
        return redirect(target)
    # allauth's own login, so its stages (two-factor authentication among them) still apply.
    return perform_login(request, identity.user, redirect_url=target)


@login_required
def entra_account(request):
    return render(request, "onboarding/entra/account.html", {
        "identities": request.user.entra_identities.all(),
        "broker_form": BrokerForm() if entra.is_enabled() else None,
        "sign_in": current_sign_in(request),
        "checklist": PreparationChecklist.for_user(request.user),
        "link_requests": PartyLinkRequest.objects.visible_to(request.user, request.environment)[:5],
    })


@login_required
@entra_enabled
@require_POST
@reauthentication_required
def entra_link(request):
    if request.POST.get("pending"):
        # "Link this Microsoft account": the sign-in that just happened, as the server kept
        # it; nothing of the account comes from the form.
        signed_in = _pending_link(request)
        if signed_in is None:
            messages.error(request, _("That Microsoft sign-in has expired. Link the account "
                                      "again; you sign in with Microsoft once more."))
            return redirect("onboarding:entra_account")
        return _link(request, signed_in)
    form = BrokerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a service broker environment."))
        return redirect("onboarding:entra_account")
    try:
        url = entra.begin(request.session, form.chosen(), redirect_uri=_callback_url(request),
                          purpose="link", user_id=request.user.pk)
    except entra.SignInError as error:
        return _error_page(request, error)
    return redirect(url)


@login_required
def entra_unlink(request, pk):
    identity = get_object_or_404(request.user.entra_identities, pk=pk)
    if request.method == "POST":
        identity.unlink(request.user, request.environment)
        data = request.session.get(SIGN_IN_SESSION_KEY)
        if isinstance(data, dict) and data.get("identity") == pk:
            request.session.pop(SIGN_IN_SESSION_KEY, None)
        messages.success(request, _("The Microsoft account %(username)s is no longer linked.")
                         % {"username": identity})
        return redirect("onboarding:entra_account")
    return render(request, "onboarding/entra/unlink.html", {"identity": identity})


@login_required
def entra_preparation(request):
    checklist = PreparationChecklist.for_user(request.user)
    initial = {name: getattr(checklist, name) for name, _label in PreparationChecklist.ITEMS}
    form = PreparationForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        checklist = PreparationChecklist.tick(request.user, form.cleaned_data)
        if checklist.is_complete:
            messages.success(request, _("Everything is ready. Sign in with Microsoft to "
                                        "connect."))
        else:
            messages.success(request, _("Saved. %(done)d of %(total)d ready.")
                             % {"done": checklist.done_count,
                                "total": len(PreparationChecklist.ITEMS)})
        return redirect("onboarding:entra_preparation")
    broker = next(iter(entra.brokers()), None)
    return render(request, "onboarding/entra/preparation.html", {
        "form": form, "checklist": checklist,
        "admin_consent_url": broker.admin_consent_url(_callback_url(request)) if broker else "",
    })
