"""A rate limit per connection key, so that one busy or broken ERP cannot crowd out others."""

from __future__ import annotations

import math
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.throttling import BaseThrottle

from onboarding.api.keycache import CachedKey
from portal.problems import ProblemKind

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateLimited(ProblemKind, exceptions.APIException):
    # Not DRF's Throttled: it appends an English sentence to any detail. DRF's exception
    # handler sends Retry-After for any exception with a `wait`.
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"
    problem_code = "rate-limited"
    problem_title = _("Too many requests")

    def __init__(self, wait: float | None, *, entra: bool = False):
        self.wait = max(1, math.ceil(wait or 0))
        if entra:
            text = ngettext("Too many requests with this Entra ID account (the limit is "
                            "%(rate)s). Try again in %(wait)d second.",
                            "Too many requests with this Entra ID account (the limit is "
                            "%(rate)s). Try again in %(wait)d seconds.", self.wait)
        else:
            text = ngettext("Too many requests with this connection key (the limit is "
                            "%(rate)s). Try again in %(wait)d second.",
                            "Too many requests with this connection key (the limit is "
                            "%(rate)s). Try again in %(wait)d seconds.", self.wait)
        super().__init__(text % {"rate": settings.API_RATE_LIMIT, "wait": self.wait})


@lru_cache(maxsize=16)
def parse_rate(rate: str, setting: str = "API_RATE_LIMIT") -> tuple[int, int]:
    """("120/min") -> (120, 60): a count per second, minute, hour or day."""
    count, _slash, period = rate.partition("/")
    try:
        parsed = int(count), PERIODS[period.strip()[:1].lower()]
    except (ValueError, KeyError):
        parsed = None
    if parsed is None or parsed[0] < 0:
        raise ImproperlyConfigured(
            f"{setting} is {rate!r}; write it as a count per s, min, hour or day, "
            "such as 120/min.")
    return parsed


class ConnectionKeyRateThrottle(BaseThrottle):
    """At most settings.API_RATE_LIMIT requests per App Key in each period.

    A counter per key and period, raised with the cache's incr: with a shared cache
    (Redis, Memcached) all server processes count together, atomically, and the cost of a
    request does not grow with the limit as DRF's list of request times does. The price
    is that a key may make up to twice the limit across the turn of a period."""

    timer = time.time

    def allow_request(self, request, view):
        if isinstance(request.auth, CachedKey):
            subject = request.auth.app_key
        else:
            # A service-broker caller counts per Entra ID identity.
            subject = getattr(request.auth, "rate_subject", "")
        if not subject:
            return True
        limit, period = parse_rate(settings.API_RATE_LIMIT)
        now = self.timer()
        window = int(now // period)
        counter = f"api-rate:{subject}:{window}"
        self.seconds_left = (window + 1) * period - now
        # While Redis is unreachable the cache counts nothing (portal.cache): every request
        # is the period's first, and the limit lets calls through rather than failing them.
        try:
            count = cache.incr(counter)
        except ValueError:
            # The period's first request; add() loses to a concurrent first request.
            count = 1 if cache.add(counter, 1, period + 1) else cache.incr(counter)
        return count <= limit

    def wait(self):
        return self.seconds_left
