"""Deployment checks of the portal's own settings."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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


@register(Tags.security)
def mfa_encryption_keys_valid(app_configs, **kwargs):
    """A key that is not a Fernet key fails the first MFA sign-in, whatever DEBUG is."""
    from cryptography.fernet import Fernet

    errors = []
    for position, key in enumerate(settings.MFA_ENCRYPTION_KEYS, start=1):
        try:
            Fernet(key.strip().encode())
        except (ValueError, TypeError):
            errors.append(Error(
                f"Key {position} of MFA_ENCRYPTION_KEY is not a Fernet key (32 url-safe "
                "base64-encoded bytes): signing in with a second factor would fail.",
                hint="Make a key with `python manage.py rotate_mfa_keys --new-key`; separate "
                     "several keys with commas.",
                id="onboarding.E001",
            ))
    return errors


RATE_SETTINGS = ("API_RATE_LIMIT", "API_AUTH_FAILURE_LIMIT", "API_AUTH_FAILURE_ADDRESS_LIMIT",
                 "API31_RATE_LIMIT")


@register(Tags.security)
def api_rate_limits_valid(app_configs, **kwargs):
    """A rate the API cannot read fails every API call, whatever DEBUG is."""
    from django.core.exceptions import ImproperlyConfigured

    from onboarding.api.throttling import parse_rate

    errors = []
    for setting in RATE_SETTINGS:
        try:
            parse_rate(str(getattr(settings, setting)), setting)
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), id="onboarding.E002"))
    return errors
