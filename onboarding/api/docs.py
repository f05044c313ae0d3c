"""The problems the OpenAPI document lists for the API's operations."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse

from onboarding.api.serializers import ProblemSerializer
from portal.problems import PROBLEM_CONTENT_TYPE


def problems(texts: dict) -> dict:
    """{status: description} as drf-spectacular's responses of type problem+json."""
    return {(status, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, text)
            for status, text in texts.items()}


# What any operation may answer, whatever it does.
ANY_CALL = problems({
    406: _("The Accept header asks for a type this address does not answer in."),
    429: _("Too many requests with this key; Retry-After says how many seconds to wait."),
})
# ... and an operation of a connection key's own.
KEY_CALL = {
    **problems({401: _("No credentials, an App Key and Secret that do not match, or a "
                       "revoked key."),
                403: _("The key's organization is not active.")}),
    **ANY_CALL,
}
# ... and one that reads a JSON body.
JSON_BODY = problems({
    400: _("The request is not valid; detail says why."),
    415: _("The body is not sent as application/json."),
})
