"""The current environment of a request, and the guard of pages inside one."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from onboarding.models import Membership, Role
from portal.tenancy import SESSION_KEY


class CurrentEnvironmentMiddleware:
    """Sets request.environment and request.membership from the session's choice.

    Every page works in this one environment; a stale choice falls back to the user's first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.environment = None
        request.membership = None
        request.memberships = []
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.memberships = list(
                Membership.objects.filter(user=user).select_related("environment")
                .order_by("environment__name")
            )
            chosen = request.session.get(SESSION_KEY)
            current = next(
                (m for m in request.memberships if m.environment_id == chosen), None
            ) or (request.memberships[0] if request.memberships else None)
            if current is not None:
                request.membership = current
                request.environment = current.environment
                request.environment.remember_membership(current)
                if chosen != current.environment_id:
                    request.session[SESSION_KEY] = current.environment_id
        return self.get_response(request)


def environment_required(role=None):
    """The view needs a signed-in member of the current environment with at least `role`."""
    needed = role or Role.BASIC

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None:
                return redirect("onboarding:no_environment")
            if not request.membership.has_role(needed):
                raise PermissionDenied(
                    _("This page is for environment %(role)s users and above.")
                    % {"role": Role(needed).label}
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
