"""Platform staff's view of one environment: who is in it with which role and whether they
sign in with two factors, who was invited, its organizations, the accountants who work for
them or for whom it works, and its recent changes beside its documents. For the support
call that starts with a person rather than an organization; to read, not to change."""

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, render

from onboarding.models import AuditEvent, Environment, Partnership
from onboarding.views.staff_organizations import RECENT_EVENTS
from portal.pagination import paginate
from portal.tenancy import staff_required

# Second factors that count as two-factor sign-in; recovery codes alone do not.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# The page names this many; the staff organization list, filtered by the environment, has all.
ORGANIZATIONS_SHOWN = 50


@staff_required("is_platform_staff")
def staff_environment(request, pk):
    environment = get_object_or_404(Environment, pk=pk)
    two_factor = Authenticator.objects.filter(user=OuterRef("user"), type__in=SECOND_FACTORS)
    return render(request, "onboarding/staff/environment.html", {
        "environment": environment,
        # A page at a time: an environment may have hundreds of users and clients.
        "members": paginate(request, environment.memberships.select_related("user")
                            .annotate(two_factor=Exists(two_factor))
                            # Administrators first: the roles sort so by name.
                            .order_by("role", "user__email"), param="users_page"),
        "invitations": list(environment.invitations.pending().order_by("expires_at")),
        "organizations": list(environment.organizations.order_by("name")[:ORGANIZATIONS_SHOWN]),
        "organization_count": environment.organizations.count(),
        # Accountants who work for its organizations, and clients it works for.
        "accountants": paginate(request, Partnership.objects.active().serving(environment)
                                .select_related("accountant", "organization")
                                .order_by("accountant__name", "organization__name", "pk"),
                                param="accountants_page"),
        "clients": paginate(request, environment.partnerships.active()
                            .select_related("organization__environment")
                            .order_by("organization__name", "pk"), param="clients_page"),
        "events": list(AuditEvent.objects.beside_documents(environment)[:RECENT_EVENTS]),
    })
