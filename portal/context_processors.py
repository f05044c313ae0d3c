from django.conf import settings

from portal import staff_queues


def portal(request):
    return {
        "current_environment": getattr(request, "environment", None),
        "current_membership": getattr(request, "membership", None),
        "user_memberships": getattr(request, "memberships", []),
        "portal_debug": settings.DEBUG,
        "support_email": settings.SUPPORT_EMAIL,
        # Called only where a template reads it: the staff link of the menu.
        "staff_waiting": lambda: staff_queues.waiting_in_all(request),
    }
