from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from onboarding.adapters import staff_start_url
from onboarding.models import (
    AuthorisationRequest,
    Invitation,
    Organization,
    OrganizationIdentifier,
    Role,
    Subscription,
)
from onboarding.tenancy import environment_required
from onboarding.views.activations import recent_decisions
from onboarding.views.receiving import receive_prompt
from onboarding.views.upgrades import latest_upgrade


@environment_required()
def dashboard(request):
    env = request.environment
    admin_count = env.admin_count()
    is_admin = request.membership.is_administrator
    can_partner = request.membership.has_role(Role.ADVANCED)
    organization_count = Organization.objects.visible_to(request.user, env).count()
    context = {
        "member_count": env.memberships.count(),
        "admin_count": admin_count,
        "pending_invitations": Invitation.objects.visible_to(request.user, env).pending().count()
        if is_admin else 0,
        "recommend_second_admin": is_admin and admin_count < 2,
        "is_admin": is_admin,
        "can_partner": can_partner,
        "client_count": env.partnerships.active().count() if can_partner else 0,
        "mfa_enabled": is_mfa_enabled(request.user),
        "organization_count": organization_count,
        # Guided setups are started by whoever administers an organization.
        "can_set_up": is_admin or Organization.objects.configurable_by(request.user,
                                                                      env).exists(),
        # Whom a user who works for no organization yet asks to be added.
        "administrators": env.administrators().order_by("email")
        if not is_admin and not organization_count else [],
        "recent_decisions": recent_decisions(request.user, request.membership),
        "receive_prompt": receive_prompt(request),
        "registered_elsewhere": OrganizationIdentifier.objects.configurable_by(
            request.user, env).exclude(registered_elsewhere="").select_related("organization"),
        "upgrade": latest_upgrade(request.user, request.membership),
        # Accountants' requests for access that wait for this user's answer.
        "authorisation_requests": list(AuthorisationRequest.objects.pending()
                                       .addressed_to(request.user)
                                       .select_related("environment")
                                       .order_by("-created_at")[:10]),
    }
    # An accountant's clients connect on their own subscriptions.
    context["software_needs_plan"] = (env.subscription == Subscription.INVOICE_PORTAL
                                      and not context["client_count"])
    return render(request, "onboarding/dashboard.html", context)


@login_required
def no_environment(request):
    if request.membership is not None:
        return redirect("onboarding:dashboard")
    start = staff_start_url(request.user)
    if start is not None:
        return redirect(start)
    return render(request, "onboarding/no_environment.html")
