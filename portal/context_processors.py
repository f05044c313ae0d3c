from django.conf import settings


def portal(request):
    return {
        "current_environment": getattr(request, "environment", None),
        "current_membership": getattr(request, "membership", None),
        "user_memberships": getattr(request, "memberships", []),
        "portal_debug": settings.DEBUG,
    }
