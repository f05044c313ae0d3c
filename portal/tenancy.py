"""The current environment of a request, and the guards views declare."""

from __future__ import annotations

from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

SESSION_KEY = "current_environment_id"


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
            from onboarding.models import Membership

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


def switch_environment(request, environment_id: int) -> bool:
    if any(m.environment_id == environment_id for m in request.memberships):
        request.session[SESSION_KEY] = environment_id
        return True
    return False


def environment_required(role=None):
    """The view needs a signed-in member of the current environment with at least `role`."""
    from onboarding.models import Role

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


def staff_required(flag: str):
    """Platform staff pages: the user needs the staff flag and MFA switched on."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not getattr(request.user, flag, False):
                raise Http404
            if not is_mfa_enabled(request.user):
                messages.warning(
                    request,
                    _("Staff pages need two-factor authentication. Set it up to continue."),
                )
                return redirect("mfa_index")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
