"""How the OpenAPI document describes the API's operations."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter


def response_header(name: str, description, *statuses: int, kind=str) -> OpenApiParameter:
    """A header the answers with `statuses` carry, for an operation's `parameters`."""
    return OpenApiParameter(name, kind, OpenApiParameter.HEADER, description=description,
                            response=list(statuses))


# Headers of the answers any operation may give; an operation without such an answer
# lists none of them.
ANSWER_HEADERS = [
    response_header("WWW-Authenticate", _("How to authenticate: HTTP Basic with a connection "
                                          "key, or an Entra ID bearer token."), 401),
    response_header("Retry-After", _("Seconds to wait before the next request."), 429,
                    kind=int),
]


class PortalAutoSchema(AutoSchema):
    """Each operation is described where it is declared (extend_schema's description); a
    view's docstring is written for the code's readers and stays out of the document."""

    def get_description(self) -> str:
        return ""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), *ANSWER_HEADERS]


def describe_limits(result, generator, request, public):
    """Adds the limits, as the settings give them, to the document's description."""
    result["info"]["description"] += "\n\n" + _(
        "Limits: requests are limited to %(rate)s per key, shared with the SOAP API; a "
        "document may be at most %(size)s MB. Received documents are kept %(days)s days, and "
        "at most %(after)s days after they are marked downloaded. A moment given without a "
        "time zone is read as Dutch time (Europe/Amsterdam); answers write moments with their "
        "offset.") % {"rate": settings.API_RATE_LIMIT, "size": settings.DOCUMENT_MAX_MB,
                      "days": settings.DOCUMENT_RETENTION_DAYS,
                      "after": settings.DOCUMENT_RETENTION_AFTER_DOWNLOAD_DAYS}
    return result
