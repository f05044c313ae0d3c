"""Errors of the machine API as problem details (RFC 9457, application/problem+json).

ERP software reads `status` and `type` to decide what to do, and shows `detail` to the
person who set it up; `title` stays the same for every occurrence of one kind of problem.
"""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework.exceptions import NotAcceptable

from portal.errors import NotFoundExplained

PROBLEM_CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"

# Problem types of our own are tag URIs (RFC 4151): stable names that need not resolve.
TYPE_PREFIX = "tag:peppol-onboarding-portal,2026:problem:"


class ProblemKind:
    """Mixed into a DRF exception: a kind of problem of our own, with its type and title.

    Keep the DRF base class (AuthenticationFailed, Throttled, ...): DRF adds the
    WWW-Authenticate and Retry-After headers by it."""

    problem_code: str = ""
    problem_title = None


def problem_kind(name: str, base: type, code: str, title, module: str, **attributes) -> type:
    """A DRF exception class `name` of the kind `code` with `title`, on `base` (which keeps
    DRF's headers); `attributes` such as status_code or default_detail go with it."""
    return type(name, (ProblemKind, base), {"problem_code": code, "problem_title": title,
                                            "__module__": module, **attributes})


def problem_type(code: str | None) -> str:
    return f"{TYPE_PREFIX}{code}" if code else "about:blank"


# The titles of the statuses the API answers without a kind of problem of its own: the HTTP
# phrase, in the reader's language; any other status keeps its English phrase.
STATUS_TITLES = {
    400: gettext_lazy("Bad Request"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not Found"),
    405: gettext_lazy("Method Not Allowed"),
    406: gettext_lazy("Not Acceptable"),
    413: gettext_lazy("Request Entity Too Large"),
    415: gettext_lazy("Unsupported Media Type"),
    500: gettext_lazy("Internal Server Error"),
}


def problem(status: int, detail: str, *, code: str | None = None, title: str | None = None,
            **extra) -> dict:
    body = {"type": problem_type(code),
            "title": title or str(STATUS_TITLES.get(status, HTTPStatus(status).phrase)),
            "status": status, "detail": str(detail)}
    body.update(extra)
    return body


def exception_handler(exc, context):
    """DRF's handler (headers such as WWW-Authenticate and Retry-After, rollback), with
    the body rewritten as a problem."""
    # Imported here: DRF's views import the API settings, which import this module's users.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    extra = {}
    if isinstance(exc, NotAcceptable) and context.get("view") is not None:
        offered = [renderer.media_type for renderer in context["view"].get_renderers()]
        detail = _("This address answers in %(types)s, and errors in %(problem)s; the Accept "
                   "header asks for none of them.") % {
            "types": ", ".join(offered), "problem": PROBLEM_CONTENT_TYPE}
    elif isinstance(data, dict) and set(data) == {"detail"}:
        detail = data["detail"]
    else:
        detail = _("The request has invalid fields; see errors.")
        extra["errors"] = data
    code = getattr(exc, "problem_code", None)
    title = getattr(exc, "problem_title", None)
    response.data = problem(response.status_code, detail, code=code,
                            title=str(title) if title else None, **extra)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(status: int, detail: str, **kwargs) -> JsonResponse:
    """A problem outside DRF's views: URL resolver 404s and unhandled errors."""
    return JsonResponse(problem(status, detail, **kwargs), status=status,
                        content_type=PROBLEM_CONTENT_TYPE)


def is_api_request(request) -> bool:
    return request.path.startswith(API_PREFIX)


def page_not_found(request, exception=None):
    if is_api_request(request):
        return problem_response(404, _("There is no API resource at this address."))
    return defaults.page_not_found(request, exception)


class NotFoundExplainedMiddleware:
    """Renders the page of a NotFoundExplained a view raised, with DEBUG on too (where Django
    would show its own 404 page instead of the handler's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFoundExplained):
            return render(request, exception.template, exception.context, status=404)
        return None


def refused_before_view(exception) -> tuple[int, str]:
    """(status, what to say) for a request Django refuses before any view: a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE (413), a Host that is not allowed, too many fields (400)."""
    if isinstance(exception, RequestDataTooBig):
        return 413, _("The request body is larger than this address accepts.")
    return 400, _("The request cannot be read: its headers or body are not accepted here.")


def bad_request(request, exception=None):
    if is_api_request(request):
        return problem_response(*refused_before_view(exception))
    return defaults.bad_request(request, exception)


def server_error(request):
    if is_api_request(request):
        return problem_response(500, _("The server could not answer this request. It was "
                                        "logged; please try again later."))
    return defaults.server_error(request)
