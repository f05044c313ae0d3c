from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onboarding.filters import MembershipFilter
from onboarding.forms.members import InvitationForm, RoleForm
from onboarding.models import Invitation, Membership, Role
from onboarding.notifications import send_invitation
from onboarding.tenancy import environment_required
from portal.errors import ChangeRefused, add_refusal, refusal
from portal.pagination import paginate
from portal.tenancy import SESSION_KEY as ENVIRONMENT_SESSION_KEY
from portal.tenancy import switch_environment


@environment_required()
def members(request):
    env = request.environment
    memberships = MembershipFilter(
        request.GET, queryset=Membership.objects.visible_to(request.user, env)
        .select_related("user"))
    is_admin = request.membership.is_administrator
    return render(request, "onboarding/members.html", {
        "page": paginate(request, memberships.qs),
        "filter": memberships,
        "is_admin": is_admin,
        "invitations": paginate(request, Invitation.objects.visible_to(request.user, env)
                                .pending().select_related("invited_by"),
                                param="invitations_page") if is_admin else None,
        "form": InvitationForm() if is_admin else None,
        "admin_count": env.admin_count(),
    })


@environment_required(Role.ADMINISTRATOR)
def invite(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                invitation = Invitation.send(
                    environment=request.environment, email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"], by=request.user,
                )
                send_invitation(invitation)
        except ChangeRefused as refused:
            add_refusal(form, refused)
        else:
            messages.success(request, _sent(invitation))
            return redirect("onboarding:members")
    return render(request, "onboarding/invite.html", {"form": form})


def _sent(invitation) -> str:
    """What the inviter is told; an open invitation to the address was replaced silently
    before, and its link stops working now."""
    if invitation.replaces is None:
        return _("Invitation sent to %(email)s.") % {"email": invitation.email}
    return _("Invitation sent to %(email)s. It replaces the invitation of %(date)s, whose link "
             "no longer works.") % {
        "email": invitation.email,
        "date": date_format(timezone.localtime(invitation.replaces.created_at),
                            "DATETIME_FORMAT")}


@environment_required(Role.ADMINISTRATOR)
def invitation_resend(request, pk):
    invitation = get_object_or_404(Invitation.objects.visible_to(request.user,
                                                                 request.environment), pk=pk)
    if not invitation.may_be_sent_again:
        messages.error(request, _("This invitation is %(status)s; it cannot be sent again.")
                       % {"status": invitation.get_status_display().lower()})
        return redirect("onboarding:members")
    if request.method != "POST":
        return render(request, "onboarding/invitation_resend.html", {
            "invitation": invitation,
            "days": settings.INVITATION_MAX_AGE_DAYS})
    try:
        with transaction.atomic():
            sent = invitation.send_again(request.user)
            send_invitation(sent)
    except ChangeRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The invitation was sent again to %(email)s. The link in "
                                    "the earlier mail no longer works; the new one works until "
                                    "%(date)s.") % {
            "email": sent.email,
            "date": date_format(timezone.localtime(sent.expires_at), "DATETIME_FORMAT")})
    return redirect("onboarding:members")


@environment_required(Role.ADMINISTRATOR)
def invitation_revoke(request, pk):
    invitation = get_object_or_404(Invitation.objects.visible_to(request.user,
                                                                 request.environment), pk=pk)
    if request.method == "POST":
        invitation.revoke(request.user)
        messages.success(request, _("The invitation to %(email)s was revoked.") % {
            "email": invitation.email})
        return redirect("onboarding:members")
    return render(request, "onboarding/invitation_revoke.html", {"invitation": invitation})


def _visible_membership(request, pk):
    return get_object_or_404(
        Membership.objects.visible_to(request.user, request.environment).select_related("user"),
        pk=pk,
    )


@environment_required(Role.ADMINISTRATOR)
def member_role(request, pk):
    # Look the member up before asking for the password, so a foreign id is a plain 404.
    return _change_role(request, _visible_membership(request, pk))


@reauthentication_required
def _change_role(request, membership):
    form = RoleForm(request.POST or None, initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        try:
            membership.change_role(request.user, form.cleaned_data["role"])
        except ChangeRefused as refused:
            form.add_error("role", refused.message)
        else:
            messages.success(request, _("%(user)s is now %(role)s.") % {
                "user": membership.user.email, "role": membership.get_role_display()})
            return redirect("onboarding:members")
    return render(request, "onboarding/member_role.html", {
        "membership": membership, "form": form})


@environment_required(Role.ADMINISTRATOR)
def member_remove(request, pk):
    return _remove_member(request, _visible_membership(request, pk))


@reauthentication_required
def _remove_member(request, membership):
    error = None
    if request.method == "POST":
        error = refusal(membership.remove, request.user)
        if error is None:
            messages.success(request, _("%(user)s was removed from the environment.") % {
                "user": membership.user.email})
            if membership.user_id == request.user.pk:
                return redirect("onboarding:no_environment")
            return redirect("onboarding:members")
    return render(request, "onboarding/member_remove.html", {
        "membership": membership, "error": error}, status=400 if error else 200)


def invitation_accept(request, token):
    invitation = Invitation.from_token(token)
    if invitation is None:
        return render(request, "onboarding/invitation_invalid.html", status=404)
    error = None
    if request.method == "POST" and request.user.is_authenticated:
        error = refusal(invitation.accept, request.user)
        if error is None:
            request.session.pop(Invitation.SESSION_KEY, None)
            request.session[ENVIRONMENT_SESSION_KEY] = invitation.environment_id
            messages.success(request, _("Welcome to %(environment)s.") % {
                "environment": invitation.environment.name})
            return redirect("onboarding:dashboard")
    welcome = (request.user.is_authenticated and invitation.accepted_by_id == request.user.pk
               and invitation.status == Invitation.Status.ACCEPTED)
    if welcome:
        # Accepted along the way (at sign-up): this is the newcomer's first page there.
        request.session[ENVIRONMENT_SESSION_KEY] = invitation.environment_id
    if not request.user.is_authenticated and invitation.status == Invitation.Status.PENDING:
        # The link reached this inbox, so signing up with the address needs no second mail.
        request.session[Invitation.SESSION_KEY] = token
        get_adapter(request).stash_verified_email(request, invitation.email)
    # Signed in with an account that cannot accept (Invitation.accept asks for the invited
    # address, confirmed): say so before offering a button that would only refuse.
    other_account = (
        request.user.is_authenticated and invitation.status == Invitation.Status.PENDING
        and not EmailAddress.objects.filter(user=request.user, email__iexact=invitation.email,
                                            verified=True).exists())
    return render(request, "onboarding/invitation_accept.html", {
        "invitation": invitation, "error": error, "token": token, "welcome": welcome,
        "other_account": other_account,
        "membership": invitation.environment.membership_for(request.user) if welcome else None,
    }, status=400 if error else 200)


@require_POST
def environment_switch(request):
    if not request.user.is_authenticated:
        return redirect("account_login")
    try:
        environment_id = int(request.POST.get("environment", ""))
    except ValueError:
        environment_id = None
    if environment_id is None or not switch_environment(request, environment_id):
        messages.error(request, _("You are not a member of that environment."))
    return redirect("onboarding:dashboard")
