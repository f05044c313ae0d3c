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
    # What the call says of the key's use beyond the use itself, for note_use: a view sets
    # it to {"fetched": True} once it listed or gave the inbox. A view that noted the use
    # itself, to answer with what it wrote (the ping's test time), sets use_noted.
    noted_use = None
    use_noted = False

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # A call the key authenticated is a use of it, whatever it answers (an error, or 429
        # for too many calls): software that only gets errors is connected all the same, and
        # the key's page shows when. A refused key authenticated nothing.
        if getattr(request, "_authenticator", None) is not None and not self.use_noted:
            request.auth.note_use(**(self.noted_use or {}))
        return response

    def permission_denied(self, request, message=None, code=None):
        if not request.successful_authenticator:
            raise CredentialsMissing()
        super().permission_denied(request, message, code)

    def throttled(self, request, wait):
        raise RateLimited(wait, entra=hasattr(request.auth, "rate_subject"))
