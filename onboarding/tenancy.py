"""The current environment of a request, and the guard of pages inside one."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from onboarding.models import Membership, Partnership, Role
from portal.errors import NotFoundExplained
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


def organization_or_404(request, scoped, pk):
    """The organization `pk` among `scoped` (a scope of the user's reach), else a 404 (see
    not_found)."""
    found = scoped.filter(pk=pk).first()
    if found is None:
        not_found(request, pk)
    return found


def part_or_404(request, scoped, pk):
    """The object `pk` among `scoped`, a scope of the user's reach over a model that belongs
    to an organization (keys, webhooks, runs, cards, documents), else a 404 (see
    not_found)."""
    found = scoped.filter(pk=pk).first()
    if found is None:
        not_found(request, scoped.model.objects.filter(pk=pk)
                  .values_list("organization_id", flat=True).first())
    return found


def not_found(request, organization_id):
    """Raise the 404 for something of organization `organization_id` the user cannot reach.
    Where the user's environment worked on that organization through a partnership that has
    ended, its page says so, for the accountant who follows an old link or mail; anyone who
    never had such a partnership gets the plain 404, which tells nothing of it."""
    environment = request.environment
    # Only Advanced users and administrators ever reached a client's organization.
    if organization_id is not None and environment is not None \
            and environment.has_role(request.user, Role.ADVANCED):
        ended = Partnership.objects.ended_for(environment, organization_id)
        if ended is not None:
            raise NotFoundExplained("onboarding/partnerships/ended.html",
                                    {"partnership": ended, "ended_by": ended.ended_by_side})
    raise Http404


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
