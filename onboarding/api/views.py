"""Native API views: each answers for the one organization its connection key belongs to."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from onboarding.api.authentication import ConnectionKeyAuthentication
from onboarding.api.base import ConnectionKeyView
from onboarding.api.broker import EntraBearerAuthentication, PartyHeaderSchema, broker_caller
from onboarding.api.docs import KEY_CALL, problems
from onboarding.api.serializers import OrganizationSerializer, PingSerializer
from onboarding.models import Organization, Software

PROBLEMS = KEY_CALL


def documented(operation_id: str, serializer, summary, description, answers=PROBLEMS):
    """An operation of the key's API in the OpenAPI document, with the problems every
    operation may answer."""
    return extend_schema(operation_id=operation_id, summary=summary, description=description,
                         responses={200: serializer, **answers})


# Ping's problems: a connection key's, or a service-broker caller's.
PING_PROBLEMS = {
    **KEY_CALL,
    **problems({401: _("No credentials, an App Key and Secret that do not match, a revoked "
                       "key, or an Entra ID access token that is not valid or whose account "
                       "is not linked."),
                403: _("The organization is not active, or the Entra ID account has no "
                       "approved party link to the organization in X-Party-Id.")}),
}


class PingView(ConnectionKeyView):
    # The service broker's callers (Business Central's extension) test their connection
    # with the same Entra ID access token and X-Party-Id header as the documents API.
    authentication_classes = [ConnectionKeyAuthentication, EntraBearerAuthentication]
    schema = PartyHeaderSchema()

    @documented("ping", PingSerializer, _("Test the connection"),
                _("Checks the App Key and Secret and answers the organization they belong to. "
                  "The portal shows the successful test with the key. Through the service "
                  "broker, checks the Entra ID access token and the party link to the "
                  "organization in the X-Party-Id header, and answers that organization; "
                  "software is then 4PS Business Central and the test is not recorded."),
                answers=PING_PROBLEMS)
    def get(self, request):
        caller = broker_caller(request)
        if caller is not None:
            return Response(_broker_ping(caller))
        key = request.auth
        key.note_use(tested=True)
        self.use_noted = True
        organization = key.organization
        # Built by hand, not by PingSerializer (which documents it): this is the call ERP
        # software makes most, and the serializer would add more than half to its time.
        return Response({
            "result": "ok", "software": key.software,
            # In UTC: converting to local time costs more than the rest of this answer.
            "tested_at": key.last_tested_at.isoformat(),
            "organization": {
                "name": organization.name, "company_id": organization.company_id,
                "identifiers": [{"scheme": scheme, "value": value}
                                for scheme, value in request.user.identifiers],
            },
        })


def _broker_ping(caller) -> dict:
    organization = caller.organization
    return {
        "result": "ok", "software": Software.FOURPS_BUSINESS_CENTRAL.value,
        "tested_at": timezone.now().isoformat(),
        "organization": {
            "name": organization.name, "company_id": organization.company_id,
            "identifiers": [{"scheme": scheme, "value": value} for scheme, value in
                            organization.identifiers.order_by("created_at", "id")
                            .values_list("scheme", "value")],
        },
    }


class OrganizationView(ConnectionKeyView):
    @documented("organization", OrganizationSerializer, _("The key's organization"),
                _("The organization the connection key belongs to, with its Peppol identifiers "
                  "and whether each sends and receives."))
    def get(self, request):
        organization = Organization.objects.prefetch_related("identifiers").get(
            pk=request.auth.organization_id)
        return Response(OrganizationSerializer(organization).data)
