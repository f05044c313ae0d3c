"""Guards views declare that need no app's models, and the session key of the current
environment (the middleware that reads it lives in onboarding.tenancy)."""

from __future__ import annotations

from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

SESSION_KEY = "current_environment_id"


def switch_environment(request, environment_id: int) -> bool:
    if any(m.environment_id == environment_id for m in request.memberships):
        request.session[SESSION_KEY] = environment_id
        return True
    return False


# What a member of staff without the page's role reads.
STAFF_PAGE_FOR = {
    "is_techsupport": gettext_lazy("This page is for TechSupport."),
    "is_sales": gettext_lazy("This page is for Sales."),
}


def staff_required(flag: str, *, post: bool = False):
    """Platform staff pages: the user needs the staff flag and MFA switched on. An action
    (`post`) answers POST only, to staff only."""

    def decorator(view):
        if post:
            view = require_POST(view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not getattr(request.user, flag, False):
                if getattr(request.user, "is_platform_staff", False):
                    # Staff of the other role: no secret that the page exists.
                    raise PermissionDenied(STAFF_PAGE_FOR.get(flag, ""))
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
