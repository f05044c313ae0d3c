"""Sign-in answers that allauth leaves to the project: a blocked attempt is a 429."""

from __future__ import annotations

from allauth.account.views import LoginView as AllauthLoginView
from django.conf import settings
from django.shortcuts import render

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Retry-After of the portal's rate-limit page, when no longer window is known.
DEFAULT_RETRY_AFTER = 60


def longest_window(action: str) -> int:
    """Seconds of the longest window among allauth's rates for `action` ("10/m/ip,5/5m/key")."""
    longest = 0
    for rate in settings.ACCOUNT_RATE_LIMITS.get(action, "").split(","):
        parts = rate.strip().split("/")
        if len(parts) < 2 or not parts[1] or parts[1][-1] not in UNITS:
            continue
        count = parts[1][:-1]
        longest = max(longest, int(float(count or 1) * UNITS[parts[1][-1]]))
    return longest or DEFAULT_RETRY_AFTER


class LoginView(AllauthLoginView):
    def form_invalid(self, form):
        response = super().form_invalid(form)
        blocked = any(error.code == "too_many_login_attempts"
                      for error in form.non_field_errors().as_data())
        if blocked:
            # The form still says why, next to the fields; the status tells scripts and
            # monitoring that the attempt was refused by the limit, not by the password.
            response.status_code = 429
            response["Retry-After"] = str(longest_window("login_failed"))
        return response


login = LoginView.as_view()


def too_many_requests(request, exception=None):
    """allauth's page for a request over one of its limits (ACCOUNT_RATE_LIMITS)."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = str(DEFAULT_RETRY_AFTER)
    return response
