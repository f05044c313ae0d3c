"""Authorisation requests: the accountant sends and follows them, the client answers them."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from onboarding import client_lists
from onboarding.filters import AuthorisationRequestFilter
from onboarding.forms.partners import AcceptForm, AuthorisationRequestForm, ClientListForm
from onboarding.models import AuthorisationRequest, Partnership, Role
from onboarding.notifications import (
    notify_authorisation_answer,
    notify_partnership_ended,
    notify_partnership_stopped,
    send_authorisation_request,
)
from onboarding.tenancy import environment_required
from portal.errors import ChangeRefused, add_refusal
from portal.mail import portal_link
from portal.pagination import paginate


def _sent_requests(request):
    return AuthorisationRequest.objects.visible_to(request.user, request.environment)


def _sent_request(request, pk):
    return get_object_or_404(_sent_requests(request), pk=pk)


def _mail_request(authorisation_request):
    url = portal_link(
        reverse("onboarding:authorisation_answer", args=[authorisation_request.link_key]))
    send_authorisation_request(authorisation_request, url)


@environment_required(Role.ADVANCED)
def clients(request):
    """All of the accountant's clients: the requests sent and the partnerships they made."""
    found = AuthorisationRequestFilter(
        request.GET, queryset=_sent_requests(request)
        .select_related("organization", "requested_by", "partnership"))
    return render(request, "onboarding/partnerships/clients.html", {
        "page": paginate(request, found.qs),
        "filter": found,
        "can_send": request.environment.entitlements.may_send_authorisation_requests,
        "may_stop": request.environment.has_role(request.user, Role.ADMINISTRATOR),
    })


@environment_required(Role.ADVANCED)
def authorisation_request_add(request):
    form = AuthorisationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                sent = AuthorisationRequest.send(environment=request.environment,
                                                 by=request.user, **form.cleaned_data)
                _mail_request(sent)
        except ChangeRefused as refused:
            add_refusal(form, refused)
        else:
            messages.success(request, (
                _("The authorisation request was sent to %(email)s; it replaces the earlier "
                  "one, whose link no longer works.") if sent.replaced_earlier
                else _("The authorisation request was sent to %(email)s."))
                % {"email": sent.client_email})
            return redirect("onboarding:clients")
    return render(request, "onboarding/partnerships/request_add.html", {
        "form": form,
        "can_send": request.environment.entitlements.may_send_authorisation_requests,
    }, status=400 if form.is_bound and form.errors else 200)


@environment_required(Role.ADVANCED)
def authorisation_request_list(request):
    """Requests to many clients: the list is checked and shown row by row, and only the
    accountant's second step sends the ready rows."""
    form = ClientListForm(request.POST or None, request.FILES or None)
    context = {"form": form,
               "can_send": request.environment.entitlements.may_send_authorisation_requests}
    if request.method != "POST" or request.POST.get("action") == "edit" or not form.is_valid():
        return render(request, "onboarding/partnerships/request_list.html", context,
                      status=400 if form.is_bound and form.errors else 200)
    rows = client_lists.check(form.cleaned_data["clients"], request.environment)
    if request.POST.get("action") == "send" and not _take_check(request):
        # The checked page again, from the Back button or a second window: the list was
        # sent from it already. It is checked anew, and shows what is open now.
        messages.warning(request, _("This list was sent already. It is checked again below: "
                                    "send it again only if that is what you want."))
    elif request.POST.get("action") == "send":
        try:
            sent = client_lists.send(rows, environment=request.environment, by=request.user,
                                     message=form.cleaned_data["message"],
                                     deliver=lambda sent: _mail_request(sent))
        except ChangeRefused as refused:
            add_refusal(form, refused)
        else:
            messages.success(request, ngettext(
                "%(count)d authorisation request was sent.",
                "%(count)d authorisation requests were sent.", sent) % {"count": sent})
            return redirect("onboarding:clients")
    ready = sum(row.ready for row in rows)
    return render(request, "onboarding/partnerships/request_list.html", {
        **context, "rows": rows, "ready": ready, "check": _give_check(request),
        "over_day_limit": client_lists.over_day_limit(rows, request.environment),
        # The list goes back with the second step, as text, however it came.
        "text": form.cleaned_data["rows"],
    })


# How many checked lists a session keeps open for sending: a few windows' worth.
OPEN_CHECKS = 10


def _give_check(request) -> str:
    """A token for one checked list's send: the list is sent once from that page."""
    token = secrets.token_urlsafe(16)
    request.session["client_list_checks"] = [
        *request.session.get("client_list_checks", [])[-(OPEN_CHECKS - 1):], token]
    return token


def _take_check(request) -> bool:
    """Whether the posted list's token was open; it no longer is."""
    checks = request.session.get("client_list_checks", [])
    token = request.POST.get("check", "")
    if token not in checks:
        return False
    request.session["client_list_checks"] = [open_ for open_ in checks if open_ != token]
    return True


@environment_required(Role.ADVANCED)
def authorisation_request_resend(request, pk):
    old = _sent_request(request, pk)
    if not old.may_be_sent_again:
        messages.error(request, _("This request is %(status)s; it cannot be sent again.")
                       % {"status": old.get_current_status_display().lower()})
        return redirect("onboarding:clients")
    if request.method != "POST":
        return _confirm(request, old, "resend")
    try:
        with transaction.atomic():
            sent = AuthorisationRequest.send(
                environment=request.environment, by=request.user, client_name=old.client_name,
                client_email=old.client_email, software=old.software,
                registry_number=old.registry_number, message=old.message)
            _mail_request(sent)
    except ChangeRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The request was sent again to %(email)s; the earlier link "
                                    "no longer works.") % {"email": sent.client_email})
    return redirect("onboarding:clients")


@environment_required(Role.ADVANCED)
def authorisation_request_withdraw(request, pk):
    found = _sent_request(request, pk)
    if request.method != "POST":
        return _confirm(request, found, "withdraw")
    try:
        found.withdraw(request.user)
    except ChangeRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The request was withdrawn."))
    return redirect("onboarding:clients")


def _confirm(request, authorisation_request, action):
    return render(request, "onboarding/partnerships/request_confirm.html", {
        "authorisation": authorisation_request, "action": action,
    })


# The answer page a client left to add the organization first: (path, KvK number, the
# request's id).
ANSWER_AFTER_ADDING = "authorisation_answer_after_adding"


def answer_waiting_for(request, organization) -> str | None:
    """The answer page to go back to now that `organization` was added, if it was the one
    an authorisation request waited for and that request can still be answered: one
    declined, withdrawn or expired meanwhile has nothing left to answer."""
    waiting = request.session.get(ANSWER_AFTER_ADDING)
    if not waiting or waiting[1] != organization.registry_number:
        return None
    del request.session[ANSWER_AFTER_ADDING]
    # An entry without the request's id, from before it was kept, cannot be checked.
    pk = waiting[2] if len(waiting) > 2 else None
    found = AuthorisationRequest.objects.filter(pk=pk).first() if pk is not None else None
    return waiting[0] if found is not None and found.is_open else None


def _forget_waiting(request, authorisation_request) -> None:
    """The request is answered: adding its organization later leads no longer to it."""
    waiting = request.session.get(ANSWER_AFTER_ADDING)
    if waiting and len(waiting) > 2 and waiting[2] == authorisation_request.pk:
        del request.session[ANSWER_AFTER_ADDING]


def authorisation_answer(request, key):
    """The client's page, reached by the emailed link (the key is the capability). Signed
    out, it says who asks and whether the request is still open, before an account is made."""
    found = AuthorisationRequest.by_link_key(key)
    if found is None:
        return render(request, "onboarding/partnerships/answer_invalid.html", status=404)
    return _answer(request, found)


@login_required
def authorisation_answer_open(request, pk):
    """The same page reached from the dashboard, for whom the request was sent to."""
    return _answer(request, get_object_or_404(
        AuthorisationRequest.objects.addressed_to(request.user).select_related("environment"),
        pk=pk))


def _answer(request, found):
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        return render(request, "onboarding/partnerships/answer.html", {
            "authorisation": found, "signed_out": True})
    if not found.is_addressed_to(request.user):
        return render(request, "onboarding/partnerships/answer.html", {
            "authorisation": found, "not_addressed": True}, status=403)
    organizations = found.answerable_organizations(request.user)
    if found.is_open and not organizations.exists():
        request.session[ANSWER_AFTER_ADDING] = (request.path, found.registry_number, found.pk)
    form = AcceptForm(request.POST or None, organizations=organizations)
    if request.method == "GET" and "decline" in request.GET and found.is_open:
        # Declining cannot be undone by the client: the page asks first, as ending a
        # partnership does. Only its form posts the answer.
        return render(request, "onboarding/partnerships/decline.html",
                      {"authorisation": found})
    if request.method == "POST" and found.is_open:
        if "decline" in request.POST:
            with transaction.atomic():
                found.decline(request.user)
                notify_authorisation_answer(found, portal_link(
                    reverse("onboarding:clients")))
            _forget_waiting(request, found)
            messages.success(request, _("You declined the request of %(firm)s.")
                             % {"firm": found.environment.name})
            return redirect("onboarding:dashboard")
        if form.is_valid():
            try:
                with transaction.atomic():
                    found.accept(request.user, form.cleaned_data["organization"])
                    notify_authorisation_answer(found, portal_link(
                        reverse("onboarding:clients")))
            except ChangeRefused as refused:
                add_refusal(form, refused)
            else:
                _forget_waiting(request, found)
                messages.success(request, _("%(firm)s can now set up %(organization)s for you. "
                                            "You can end the partnership at any time on the "
                                            "organization's page.") % {
                    "firm": found.environment.name,
                    "organization": form.cleaned_data["organization"].name})
                return redirect("onboarding:organization_detail",
                                form.cleaned_data["organization"].pk)
    has_candidates = organizations.exists()
    return render(request, "onboarding/partnerships/answer.html", {
        "authorisation": found, "form": form, "has_candidates": has_candidates,
        **({} if has_candidates else _who_answers(request, found)),
    }, status=400 if form.is_bound and form.errors else 200)


@environment_required(Role.ADMINISTRATOR)
def partnership_stop(request, pk):
    """The accountancy's administrator stops working for a client: the accountancy's access
    ends as when the client ends it. The keys its users made stay with the client."""
    partnership = get_object_or_404(
        Partnership.objects.filter(accountant=request.environment)
        .select_related("organization", "accountant"), pk=pk)
    if not partnership.is_active:
        # The client ended it while this page was open.
        _say_ended_already(request, partnership)
        return redirect("onboarding:clients")
    keys = partnership.connection_keys.filter(revoked_at__isnull=True).count()
    if request.method == "POST":
        with transaction.atomic():
            hooks = partnership.webhooks.filter(is_active=True).count()
            ended = partnership.end(request.user)
            if ended:
                notify_partnership_stopped(
                    partnership, portal_link(reverse(
                        "onboarding:organization_detail", args=[partnership.organization_id])),
                    kept_keys=keys, paused_hooks=hooks)
        if not ended:
            _say_ended_already(request, partnership)
            return redirect("onboarding:clients")
        messages.success(request, _("You no longer work for %(organization)s; its "
                                    "administrators were told.")
                         % {"organization": partnership.organization.name})
        return redirect("onboarding:clients")
    return render(request, "onboarding/partnerships/stop.html",
                  {"partnership": partnership, "keys": keys})


def _say_ended_already(request, partnership) -> None:
    """For the second of two who end the same partnership: nobody is mailed again."""
    messages.info(request, _("The partnership of %(firm)s and %(organization)s had already "
                             "ended; nothing was changed.") % {
        "firm": partnership.accountant.name, "organization": partnership.organization.name})


def _who_answers(request, found) -> dict:
    """For a user who administers no organization with the asked KvK number: whether they
    may add it, or else the organization that has it and who administers it (or the
    environment's administrators, who add organizations)."""
    if request.environment is None or \
            request.environment.has_role(request.user, Role.ADMINISTRATOR):
        return {"may_add": True}
    existing = request.environment.organizations.filter(
        registry_number=found.registry_number).first()
    answerers = existing.administrators() if existing else request.environment.administrators()
    return {"may_add": False, "existing": existing,
            "answerers": list(answerers.order_by("email").values_list("email", flat=True))}


@environment_required()
def partnership_end(request, pk):
    """The client's administrator ends an accountant's access to an organization."""
    partnership = get_object_or_404(
        Partnership.objects.visible_to(request.user, request.environment)
        .select_related("organization", "accountant"), pk=pk)
    organization = partnership.organization
    if not partnership.is_active:
        # The accountancy stopped, or another window ended it, while this page was open.
        _say_ended_already(request, partnership)
        return redirect("onboarding:organization_detail", organization.pk)
    if not organization.administered_by(request.user):
        messages.error(request, _("Only administrators of the organization end partnerships."))
        return redirect("onboarding:organization_detail", organization.pk)
    keys = list(partnership.connection_keys.filter(revoked_at__isnull=True))
    if request.method == "POST":
        revoke_keys = bool(keys) and request.POST.get("revoke_keys") == "on"
        with transaction.atomic():
            # The hooks the accountant made through it, which its end pauses.
            hooks = partnership.webhooks.filter(is_active=True).count()
            ended = partnership.end(request.user, revoke_keys=revoke_keys)
            if ended:
                notify_partnership_ended(
                    partnership, portal_link(reverse("onboarding:clients")),
                    revoked_keys=len(keys) if revoke_keys else 0,
                    kept_keys=0 if revoke_keys else len(keys), paused_hooks=hooks)
        if not ended:
            _say_ended_already(request, partnership)
            return redirect("onboarding:organization_detail", organization.pk)
        messages.success(request, _("%(firm)s no longer has access to %(organization)s.") % {
            "firm": partnership.accountant.name, "organization": organization.name})
        if revoke_keys:
            messages.success(request, ngettext(
                "The connection key they made was revoked.",
                "The %(count)d connection keys they made were revoked.", len(keys))
                % {"count": len(keys)})
        return redirect("onboarding:organization_detail", organization.pk)
    return render(request, "onboarding/partnerships/end.html",
                  {"partnership": partnership, "keys": keys})
