"""The base of every view that software calls with a connection key."""

from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from onboarding.api.authentication import ConnectionKeyAuthentication, CredentialsMissing
from onboarding.api.throttling import ConnectionKeyRateThrottle, RateLimited


class ConnectionKeyView(APIView):
    """For software holding a connection key; no sessions, so no CSRF either."""

    authentication_classes = [ConnectionKeyAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [ConnectionKeyRateThrottle]

    def permission_denied(self, request, message=None, code=None):
        if not request.successful_authenticator:
            raise CredentialsMissing()
        super().permission_denied(request, message, code)

    def throttled(self, request, wait):
        raise RateLimited(wait, entra=hasattr(request.auth, "rate_subject"))
