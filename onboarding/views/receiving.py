"""The receive prompt: receiving costs money, so each active organization starts with it off
and its administrators are asked at login until they decide."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onboarding.models import Organization
from onboarding.signals import ASK_RECEIVING_SESSION_KEY
from onboarding.tenancy import environment_required
from portal.errors import ChangeRefused
from portal.fields import row_id


def organizations_to_decide(user, membership):
    """Active organizations whose receiving this user decides: all of them for environment
    administrators, those they administer for anyone else."""
    return Organization.objects.administrable_by(user, membership.environment).active()


def receive_prompt(request) -> list:
    """The organizations to ask about now; reading the login flag uses it up, so closing the
    pop-up leaves things undecided until the next login."""
    if request.membership is None or not request.session.pop(ASK_RECEIVING_SESSION_KEY, False):
        return []
    return list(organizations_to_decide(request.user, request.membership).filter(
        receive_decision=Organization.ReceiveDecision.UNDECIDED))


@environment_required()
@require_POST
def receive_decide(request):
    pk = request.POST.get("organization", "")
    organization = get_object_or_404(organizations_to_decide(request.user, request.membership),
                                     pk=row_id(pk))
    choice = request.POST.get("receiving")
    if choice in ("enable", "decline"):
        try:
            organization.decide_receiving(request.user, choice == "enable")
        except ChangeRefused as refused:
            messages.error(request, refused.message)
        else:
            if choice == "enable" and organization.receives:
                messages.success(request, _("Receiving is on for %(name)s. Its verified "
                                            "identifiers receive invoices from now on.")
                                 % {"name": organization.name})
            elif choice == "enable":
                messages.success(request, _("Receiving is on for %(name)s. It takes effect once "
                                            "it has a verified Peppol identifier.")
                                 % {"name": organization.name})
            else:
                messages.info(request, _("Receiving stays off for %(name)s; we will not ask "
                                         "again.") % {"name": organization.name})
    if request.POST.get("from_prompt"):
        # Keep asking about the organizations still undecided in this same pop-up.
        request.session[ASK_RECEIVING_SESSION_KEY] = True
    return redirect("onboarding:dashboard")
