from django.conf import settings


def portal(request):
    return {
        "current_environment": getattr(request, "environment", None),
        "current_membership": getattr(request, "membership", None),
        "user_memberships": getattr(request, "memberships", []),
        "portal_debug": settings.DEBUG,
        # Called only where a template reads it: the staff link of the menu.
        "staff_waiting": lambda: _staff_waiting(request.user),
    }


def _staff_waiting(user) -> int:
    """How many items wait in the queues `user` works, all together."""
    from portal.staff_queues import for_user

    return sum(shown.count or 0 for shown in for_user(user))
