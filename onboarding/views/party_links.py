"""After an Entra sign-in: the "no partyIds linked yet" screen and its request, choosing a
linked organization and checking "Sending via Peppol"; and the links of an organization,
which its administrator may revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from onboarding.forms.party_links import PartyLinkRequestForm, SendingForm
from onboarding.models import BrokerEnvironment, Organization, PartyLink, PartyLinkRequest
from onboarding.tenancy import environment_required
from onboarding.views.entra import current_sign_in, entra_enabled
from portal.errors import ChangeRefused, add_refusal, refusal
from portal.pagination import paginate


def _requestable_organizations(request):
    return Organization.objects.visible_to(request.user, request.environment).active()


@login_required
@entra_enabled
def party_link_connect(request):
    signed_in = current_sign_in(request)
    if signed_in is None:
        messages.info(request, _("Sign in with Microsoft to connect to the service broker."))
        return redirect("onboarding:entra_signin")
    identity, broker, data = signed_in
    links = list(PartyLink.objects.active().filter(identity=identity, broker=broker)
                 .select_related("organization"))
    asked = identity.link_requests.filter(broker=broker)
    pending = asked.filter(status=PartyLinkRequest.Status.PENDING).first()
    form = None
    if not links and pending is None:
        organizations = _requestable_organizations(request)
        form = PartyLinkRequestForm(
            request.POST if request.method == "POST" else None, organizations=organizations,
            initial={"entra_username": data.get("username", ""),
                     "organizations": list(organizations.values_list("pk", flat=True))})
        if request.method == "POST" and form.is_valid():
            try:
                link_request = PartyLinkRequest.submit(
                    identity=identity, by=request.user, environment=request.environment,
                    broker=broker, entra_username=form.cleaned_data["entra_username"],
                    note=form.cleaned_data["note"],
                    organizations=list(form.cleaned_data["organizations"]),
                    typed=form.cleaned_data["typed"])
            except ChangeRefused as refused:
                add_refusal(form, refused)
            else:
                messages.success(request, _(
                    "Your request went to TechSupport. You get an email when it is decided; "
                    "then sign in with Microsoft again, preferably in a private window."))
                return redirect("onboarding:party_link_request", pk=link_request.pk)
    elif request.method == "POST":
        return redirect("onboarding:party_link_connect")
    return render(request, "onboarding/entra/connect.html", {
        "identity": identity, "broker": BrokerEnvironment(broker),
        "links": links, "pending": pending, "latest": asked.first(), "form": form,
    }, status=400 if form is not None and form.is_bound else 200)


@login_required
def party_link_connection(request, pk):
    """The selected organization: review its settings, check "Sending via Peppol"."""
    link = get_object_or_404(
        PartyLink.objects.active().visible_to(request.user, request.environment)
        .select_related("organization__environment", "identity"), pk=pk)
    form = SendingForm(request.POST if request.method == "POST" else None,
                       initial={"sending_enabled": link.sending_enabled})
    if request.method == "POST" and form.is_valid():
        try:
            link.switch_sending(request.user, form.cleaned_data["sending_enabled"])
        except ChangeRefused as refused:
            add_refusal(form, refused)
        else:
            if link.sending_enabled:
                messages.success(request, _("The connection for %(name)s is active.")
                                 % {"name": link.organization.name})
            else:
                messages.info(request, _("Sending via Peppol is off for %(name)s.")
                              % {"name": link.organization.name})
            return redirect("onboarding:party_link_connection", pk=link.pk)
    return render(request, "onboarding/entra/connection.html", {
        "link": link, "organization": link.organization, "form": form,
        "identifiers": link.organization.identifiers.all(),
    }, status=400 if form.is_bound else 200)


@login_required
def party_link_requests(request):
    found = (PartyLinkRequest.objects.visible_to(request.user, request.environment)
             .select_related("identity").prefetch_related("items"))
    return render(request, "onboarding/entra/requests.html", {"page": paginate(request, found)})


def _own_request(request, pk):
    return get_object_or_404(
        PartyLinkRequest.objects.visible_to(request.user, request.environment)
        .select_related("identity"), pk=pk)


@login_required
def party_link_request(request, pk):
    link_request = _own_request(request, pk)
    return render(request, "onboarding/entra/request.html", {
        "link_request": link_request,
        "items": link_request.items.select_related("organization"),
    })


@login_required
def party_link_request_withdraw(request, pk):
    link_request = _own_request(request, pk)
    error = None
    if request.method == "POST":
        error = refusal(link_request.withdraw, request.user)
        if error is None:
            messages.success(request, _("Your request was withdrawn."))
            return redirect("onboarding:party_link_request", pk=link_request.pk)
    return render(request, "onboarding/entra/request_withdraw.html", {
        "link_request": link_request, "error": error,
    }, status=400 if error else 200)


def _revocable(request):
    return (PartyLink.objects.active().manageable_by(request.user, request.environment)
            .select_related("organization", "identity", "granted_by"))


@environment_required()
def party_links(request):
    """Microsoft accounts linked to the organizations this user administers."""
    return render(request, "onboarding/entra/party_links.html", {
        "page": paginate(request, _revocable(request).order_by("organization__name", "id")),
    })


@environment_required()
def party_link_revoke(request, pk):
    link = get_object_or_404(_revocable(request), pk=pk)
    if request.method == "POST":
        link.revoke(request.user)
        messages.success(request, _("%(identity)s can no longer use %(name)s.")
                         % {"identity": link.identity, "name": link.organization.name})
        return redirect("onboarding:party_links")
    return render(request, "onboarding/entra/party_link_revoke.html", {"link": link})
