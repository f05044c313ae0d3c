"""Native API views: each answers for the one organization its connection key belongs to."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from onboarding.api.base import ConnectionKeyView
from onboarding.api.docs import KEY_CALL
from onboarding.api.serializers import OrganizationSerializer, PingSerializer
from onboarding.models import Organization

PROBLEMS = KEY_CALL


def documented(operation_id: str, serializer, summary, description):
    """An operation of the key's API in the OpenAPI document, with the problems every
    operation may answer."""
    return extend_schema(operation_id=operation_id, summary=summary, description=description,
                         responses={200: serializer, **PROBLEMS})


class PingView(ConnectionKeyView):
    @documented("ping", PingSerializer, _("Test the connection"),
                _("Checks the App Key and Secret and answers the organization they belong to. "
                  "The portal shows the successful test with the key."))
    def get(self, request):
        key = request.auth
        key.note_use(tested=True)
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


class OrganizationView(ConnectionKeyView):
    @documented("organization", OrganizationSerializer, _("The key's organization"),
                _("The organization the connection key belongs to, with its Peppol identifiers "
                  "and whether each sends and receives."))
    def get(self, request):
        request.auth.note_use()
        organization = Organization.objects.prefetch_related("identifiers").get(
            pk=request.auth.organization_id)
        return Response(OrganizationSerializer(organization).data)
