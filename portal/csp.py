"""The Content-Security-Policy, with the sign-in authorities added where forms may go.

A form that starts a Microsoft Entra sign-in posts to the portal, which redirects to the
authority; browsers check that redirect against form-action, so the configured authorities'
origins join 'self' there. They are read per response, because they are settings that the
deployment (and the tests) can change.
"""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


def sign_in_origins() -> list[str]:
    origins = []
    for config in getattr(settings, "ENTRA_BROKERS", {}).values():
        if not (config.get("CLIENT_ID") and config.get("CLIENT_SECRET")):
            continue
        for url in (config.get("OIDC_AUTHORITY"), config.get("AUTHORITY")):
            parts = urlsplit(url or "")
            if parts.scheme and parts.netloc:
                origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        origins = sign_in_origins()
        if origins:
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", []), *origins]
            parts.update = update
        return parts
