"""A rate limit per connection key, so that one busy or broken ERP cannot crowd out others."""

import math

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.throttling import SimpleRateThrottle

from onboarding.models import ConnectionKey
from portal.problems import ProblemKind


class RateLimited(ProblemKind, exceptions.APIException):
    # Not DRF's Throttled: it appends an English sentence to any detail. DRF's exception
    # handler sends Retry-After for any exception with a `wait`.
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"
    problem_code = "rate-limited"
    problem_title = _("Too many requests")

    def __init__(self, wait: float | None):
        self.wait = max(1, math.ceil(wait or 0))
        super().__init__(
            _("Too many requests with this connection key (the limit is %(rate)s). Try again "
              "in %(wait)d seconds.") % {"rate": settings.API_RATE_LIMIT, "wait": self.wait})


class ConnectionKeyRateThrottle(SimpleRateThrottle):
    """At most settings.API_RATE_LIMIT requests (such as "120/min") per App Key."""

    scope = "connection_key"

    def get_rate(self):
        # Read per request, so that a changed setting (and a test's override) applies at once.
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ConnectionKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.app_key}
