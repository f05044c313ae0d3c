"""The service broker's callers: Business Central's extension, authenticated as the linked
Entra ID user with `Authorization: Bearer <access token>`, for the organization it names in
the path of the broker's own calls (`{partyId}/salesInvoice/send`) or else in the X-Party-Id
header (its company ID, XCNL…). The identity must have an approved party link to that
organization, with the right the call needs: send, receive, remove documents, change their
status, or manage webhooks."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from onboarding.api.authentication import security_scheme
from onboarding.clients import entra_tokens
from onboarding.models import EntraIdentity, PartyLink, Software
from portal.api_schema import PortalAutoSchema
from portal.problems import problem_kind

PARTY_HEADER = "X-Party-Id"
SEND, RECEIVE, REMOVE, STATUS, HOOKS = "send", "receive", "remove", "status", "hooks"
# Each right a call may need: the party link's field, and what a refusal says.
RIGHTS = {
    SEND: ("can_send", _("The party link to %(name)s has no right to send.")),
    RECEIVE: ("can_receive", _("The party link to %(name)s has no right to receive.")),
    REMOVE: ("can_remove", _("The party link to %(name)s has no right to remove documents.")),
    STATUS: ("can_change_status",
             _("The party link to %(name)s has no right to change the status of documents.")),
    HOOKS: ("can_manage_hooks", _("The party link to %(name)s has no right to manage "
                                  "webhooks.")),
}


TokenInvalid = problem_kind("TokenInvalid", exceptions.AuthenticationFailed,
                            "access-token-invalid", _("Access token not valid"), __name__)
IdentityNotLinked = problem_kind("IdentityNotLinked", exceptions.AuthenticationFailed,
                                 "identity-not-linked", _("Entra ID account not linked"), __name__)
PartyNotLinked = problem_kind("PartyNotLinked", exceptions.PermissionDenied, "party-not-linked",
                              _("No party link for this organization"), __name__)
RightMissing = problem_kind("RightMissing", exceptions.PermissionDenied, "party-right-missing",
                            _("Party link without this right"), __name__)


class BrokerCaller:
    """Who called through the service broker: the identity, for one linked organization."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None

    def __init__(self, identity: EntraIdentity, link: PartyLink):
        self.identity = identity
        self.link = link
        self.organization = link.organization

    @property
    def organization_id(self) -> int:
        return self.organization.pk

    @property
    def actor_label(self) -> str:
        return f"Entra ID {self.identity.username or self.identity.object_id} (service broker)"

    def __str__(self):
        return self.actor_label

    @property
    def rate_subject(self) -> str:
        return f"entra:{self.identity.pk}"

    def note_use(self, **kwargs) -> None:
        """Connection keys record their last use; a party link has nothing to record."""

    def refusal(self, right: str) -> str:
        """Why this caller may not make a call that needs `right`; empty when it may."""
        name = self.organization.name
        field, refused = RIGHTS[right]
        if not getattr(self.link, field):
            return str(refused % {"name": name})
        if right == SEND and not self.link.sending_enabled:
            return str(_('"Sending via Peppol" is not checked for %(name)s in Business '
                         "Central yet.") % {"name": name})
        return ""


class EntraBearerAuthentication(BaseAuthentication):
    www_authenticate_realm = "api"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise TokenInvalid(_("The Authorization header is Bearer followed by one access "
                                 "token."))
        try:
            token = entra_tokens.verify(parts[1].decode("ascii", "replace"))
        except entra_tokens.TokenRejected as rejected:
            raise TokenInvalid(str(rejected.message)) from None
        identity = EntraIdentity.find(token.tenant_id, token.object_id)
        if identity is None:
            raise IdentityNotLinked(_("The Entra ID account %(name)s is not linked to a user "
                                      "of the portal. Link it in the portal under your "
                                      "account's Entra ID page.")
                                    % {"name": token.username or token.object_id})
        caller = BrokerCaller(identity, self._link(request, identity, token))
        return caller, caller

    @staticmethod
    def _link(request, identity, token) -> PartyLink:
        # The service broker's own paths name it in the path; the others in the header.
        party_id = (request.parser_context or {}).get("kwargs", {}).get("party_id") \
            or request.headers.get(PARTY_HEADER, "").strip()
        if not party_id:
            raise PartyNotLinked(_("Name the organization in the X-Party-Id header: its "
                                   "company ID, such as XCNL00000001."))
        link = (PartyLink.objects.active()
                .select_related("organization__environment")
                .filter(identity=identity, broker=token.broker.key,
                        organization__company_id__iexact=party_id[:40]).first())
        if link is None:
            # The same answer whether the organization exists or not.
            raise PartyNotLinked(_("The Entra ID account %(name)s has no approved party link "
                                   "to %(party)s in the %(broker)s environment. Send a "
                                   "party-link request; TechSupport approves it.")
                                 % {"name": identity.username or identity.object_id,
                                    "party": party_id[:40], "broker": token.broker.label})
        organization = link.organization
        if not organization.is_active:
            raise PartyNotLinked(_("The organization %(name)s (%(company_id)s) is not active; "
                                   "it can use the API once it is activated.")
                                 % {"name": organization.name,
                                    "company_id": organization.company_id})
        refusal = organization.environment.api_access_refusal(
            Software.FOURPS_BUSINESS_CENTRAL)
        if refusal:
            raise PartyNotLinked(refusal)
        return link

    def authenticate_header(self, request):
        return f'Bearer realm="{self.www_authenticate_realm}"'


class HasPartyRight(BasePermission):
    """A service-broker caller needs the right its view names in `party_right`, or for the
    request's method in `party_rights`; a connection key answers for its whole
    organization."""

    def has_permission(self, request, view):
        if not isinstance(request.user, BrokerCaller):
            return True
        right = getattr(view, "party_rights", {}).get(
            request.method, getattr(view, "party_right", SEND))
        refusal = request.user.refusal(right)
        if refusal:
            raise RightMissing(refusal)
        return True


def broker_caller(request) -> BrokerCaller | None:
    return request.user if isinstance(request.user, BrokerCaller) else None


EntraBearerScheme = security_scheme(EntraBearerAuthentication, "entraBearer", {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "A Microsoft Entra ID access token (RS256) of a user whose Entra ID account "
                   "is linked in the portal, for the service broker's app registration. Name "
                   "the organization in the path of the service broker's own calls, or else "
                   "in the X-Party-Id header; the account needs an approved party link to it "
                   "with the right the call needs: to send, receive, remove documents, change "
                   "document status or manage webhooks.",
})


class PartyHeaderSchema(PortalAutoSchema):
    """A call open to the service broker takes its X-Party-Id header."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), OpenApiParameter(
            PARTY_HEADER, str, OpenApiParameter.HEADER,
            description=_("With an Entra ID access token: the company ID (XCNL…) of the "
                          "organization the call is for. Not used with a connection key."))]
