"""Deployment checks of the portal's own settings."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def mfa_encryption_key(app_configs, **kwargs):
    if settings.MFA_ENCRYPTION_KEYS:
        return []
    return [Warning(
        "MFA_ENCRYPTION_KEY is not set: second-factor secrets are encrypted under a key "
        "derived from SECRET_KEY, so changing SECRET_KEY would lock every MFA user out.",
        hint="Set MFA_ENCRYPTION_KEY to the output of `python manage.py rotate_mfa_keys "
             "--new-key`.",
        id="onboarding.W001",
    )]
