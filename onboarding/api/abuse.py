"""Limits per client address for the machine endpoints: failed authentications (the native
API, the SOAP operations and API31 together), and all API31 requests.

Failed authentications count twice: per address and App Key, so that software set up with a
wrong Secret (or someone guessing one) is stopped for that key without stopping other keys'
software behind the same address, as a cloud ERP's customers share one; and per address
whatever the key, at a higher limit, against trying one key after another.

Counters live in the cache, one per address and fixed window, raised with the cache's incr:
with a shared cache (Redis) every server process counts together. While Redis cannot be
reached the cache counts nothing (portal.cache): each event is then its window's first, so
the limits let everything through rather than failing the calls. The address is the one
allauth's sign-in limits use, so ALLAUTH_TRUSTED_PROXY_COUNT decides for both which
X-Forwarded-For entry is the client's."""

from __future__ import annotations

import hashlib
import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from onboarding.api.throttling import parse_rate


def client_address(request) -> str:
    request = getattr(request, "_request", request)  # DRF's Request wraps Django's
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return request.META.get("REMOTE_ADDR") or "unknown"


class AddressLimit:
    """At most `rate` ("20/min") events per client address in each window."""

    timer = time.time

    def __init__(self, name: str, setting: str):
        self.name = name
        self.setting = setting

    def _window(self):
        limit, period = parse_rate(getattr(settings, self.setting))
        now = self.timer()
        window = int(now // period)
        return limit, period, window, (window + 1) * period - now

    def _counter(self, address: str, window: int) -> str:
        return f"abuse:{self.name}:{address}:{window}"

    def wait(self, address: str) -> float | None:
        """Seconds until `address` may try again, or None while it is under the limit."""
        limit, _period, window, left = self._window()
        count = cache.get(self._counter(address, window), 0)
        return left if count >= limit else None

    def count(self, address: str) -> float | None:
        """Count one event; seconds to wait when this one went over the limit, else None."""
        limit, period, window, left = self._window()
        counter = self._counter(address, window)
        try:
            count = cache.incr(counter)
        except ValueError:
            count = 1 if cache.add(counter, 1, period + 1) else cache.incr(counter)
        return left if count > limit else None


failed_for_key = AddressLimit("auth-failed", "API_AUTH_FAILURE_LIMIT")
failed_for_address = AddressLimit("auth-failed-address", "API_AUTH_FAILURE_ADDRESS_LIMIT")
api31_requests = AddressLimit("api31", "API31_RATE_LIMIT")


def _with_key(address: str, app_key: str) -> str:
    # The App Key as sent, of any length: a digest keeps the counter's name short.
    return f"{address}:{hashlib.sha256(app_key.encode()).hexdigest()[:24]}"


def failure_wait(address: str, app_key: str = "") -> tuple[float, bool] | None:
    """(seconds to wait, whether it is this App Key's limit) when `address` may not
    authenticate now, with `app_key` when one is given; None when it may."""
    wait = failed_for_address.wait(address)
    if wait is not None:
        return wait, False
    if app_key:
        wait = failed_for_key.wait(_with_key(address, app_key))
        if wait is not None:
            return wait, True
    return None


def count_failure(address: str, app_key: str = "") -> None:
    """One failed authentication from `address`, with `app_key` when it named one."""
    failed_for_address.count(address)
    if app_key:
        failed_for_key.count(_with_key(address, app_key))
