"""Connection-key authentication: HTTP Basic with the App Key as user name, the Secret as
password. Shared by the native API and the API31 SOAP endpoint."""

from __future__ import annotations

import base64
import binascii
import hmac
import math
from enum import Enum

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from onboarding.api import abuse, keycache
from onboarding.api.keycache import CachedKey
from onboarding.models import ConnectionKey, Environment
from onboarding.models.connection_keys import call_refused, secret_digest
from portal.problems import ProblemKind, problem_kind

# Compared against when the App Key is unknown, so that an unknown key and a wrong secret
# cost the same HMAC and answer alike.
_NO_SUCH_DIGEST = "0" * 64
_APP_KEY_MAX_LENGTH = ConnectionKey._meta.get_field("app_key").max_length


class Refusal(Enum):
    INVALID = "invalid-credentials"
    REVOKED = "key-revoked"
    INACTIVE = "organization-inactive"
    PLAN = "plan-without-api-access"


class KeyRefused(Exception):
    def __init__(self, refusal: Refusal, key: CachedKey | None = None):
        super().__init__(refusal.value)
        self.refusal = refusal
        self.key = key


def refusal_message(refusal: Refusal, key: CachedKey | None = None) -> str:
    if refusal is Refusal.REVOKED:
        return str(_("This connection key was revoked. Create a new key in the portal and "
                     "enter its App Key and Secret in your software."))
    if refusal is Refusal.INACTIVE:
        return str(_("The organization %(name)s (%(company_id)s) is not active; it can use "
                     "the API once it is activated.")
                   % {"name": key.organization.name, "company_id": key.organization.company_id})
    if refusal is Refusal.PLAN:
        environment = Environment.objects.get(pk=key.organization.environment_id)
        reason = environment.api_access_refusal(key.software) or ""
        return str(_("%(reason)s An environment administrator can ask Sales for an upgrade "
                     "in the portal, under Subscription.") % {"reason": reason})
    return str(_("The App Key and Secret do not match a connection key. Check both, or create "
                 "a new key in the portal."))


class KeyHolder:
    """Who called: the software holding a connection key (request.user in API views), with
    the key's organization and that organization's Peppol identifiers as (scheme, value)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None

    def __init__(self, key: CachedKey, identifiers: list[tuple[str, str]]):
        self.key = key
        self.organization = key.organization
        self.identifiers = identifiers

    def __str__(self):
        return f"connection key {self.key.app_key}"


def check_credentials(app_key: str, secret: str) -> KeyHolder:
    """The key with its organization, or KeyRefused.

    Whether a key exists is only told to whoever knows its Secret: revocation and an
    inactive organization are checked after the Secret matched."""
    key = None
    if app_key and len(app_key) <= _APP_KEY_MAX_LENGTH:
        key = keycache.lookup(app_key)
    if key is None:
        hmac.compare_digest(_NO_SUCH_DIGEST, secret_digest(secret))
        raise KeyRefused(Refusal.INVALID)
    if not key.matches(secret):
        raise KeyRefused(Refusal.INVALID)
    refusal = refusal_now(key)
    if refusal is not None:
        raise KeyRefused(refusal, key)
    return KeyHolder(key, list(key.identifiers))


def refusal_now(key) -> Refusal | None:
    """Why a key that proved itself (its Secret, or a token issued for it) may not be used at
    this moment: revoked, its organization inactive, or a plan without API access."""
    if key.is_revoked:
        return Refusal.REVOKED
    if not key.organization.is_active:
        return Refusal.INACTIVE
    if key.plan_refused:
        return Refusal.PLAN
    return None


class CredentialsMissing(ProblemKind, exceptions.NotAuthenticated):
    problem_code = "credentials-missing"
    problem_title = _("Connection key needed")
    default_detail = _("Authenticate with HTTP Basic: the App Key as user name and the Secret "
                       "as password.")


def _refusal_problem(refusal: Refusal, base: type, title) -> type:
    return problem_kind(f"Refused{refusal.name.title()}", base, refusal.value, title, __name__)


# What answers each refusal: 401 where the credentials fail, 403 where the key may not be used.
_REFUSAL_EXCEPTIONS = {refusal: _refusal_problem(refusal, base, title) for refusal, base, title in (
    (Refusal.INVALID, exceptions.AuthenticationFailed, _("Invalid connection key")),
    (Refusal.REVOKED, exceptions.AuthenticationFailed, _("Connection key revoked")),
    (Refusal.INACTIVE, exceptions.PermissionDenied, _("Organization not active")),
    (Refusal.PLAN, exceptions.PermissionDenied, _("Subscription without API access")),
)}
InvalidCredentials = _REFUSAL_EXCEPTIONS[Refusal.INVALID]


def basic_credentials(request) -> tuple[str, str] | None:
    """(App Key, Secret) from an HTTP Basic Authorization header; None without one."""
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() != b"basic":
        return None
    try:
        if len(parts) != 2:
            raise ValueError
        decoded = base64.b64decode(parts[1], validate=True).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCredentials(_("The Authorization header is not valid HTTP Basic: send "
                                   "base64 of App Key, a colon and the Secret.")) from None
    app_key, _colon, secret = decoded.partition(":")
    return app_key, secret


class TooManyFailures(ProblemKind, exceptions.APIException):
    # DRF's exception handler sends Retry-After for any exception with a `wait`.
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"
    problem_code = "too-many-failed-authentications"
    problem_title = _("Too many failed authentications")

    def __init__(self, wait: float, for_key: bool):
        self.wait = max(1, math.ceil(wait))
        super().__init__(failures_message(self.wait, for_key))


def failures_message(wait: float, for_key: bool) -> str:
    """What a caller stopped by abuse.failure_wait reads."""
    wait = max(1, math.ceil(wait))
    if for_key:
        return str(_("Too many failed authentications with this App Key from your address "
                     "(the limit is %(rate)s). Check the App Key and Secret in your software, "
                     "and try again in %(wait)d seconds.")
                   % {"rate": settings.API_AUTH_FAILURE_LIMIT, "wait": wait})
    return str(_("Too many failed authentications from your address (the limit is %(rate)s). "
                 "Check the App Key and Secret in your software, and try again in %(wait)d "
                 "seconds.") % {"rate": settings.API_AUTH_FAILURE_ADDRESS_LIMIT, "wait": wait})


class ConnectionKeyAuthentication(BaseAuthentication):
    www_authenticate_realm = "api"

    def authenticate(self, request):
        address = abuse.client_address(request)
        try:
            credentials = basic_credentials(request)
        except InvalidCredentials:
            abuse.count_failure(address)
            raise
        if credentials is None:
            return None
        if stopped := abuse.failure_wait(address, credentials[0]):
            # Refused before the Secret is looked at: a guess that would have been right
            # teaches nothing either.
            raise TooManyFailures(*stopped)
        try:
            holder = check_credentials(*credentials)
        except KeyRefused as refused:
            if refused.refusal is Refusal.INVALID:
                abuse.count_failure(address, credentials[0])
            call_refused.send(sender=ConnectionKey, app_key=credentials[0],
                              reason=refused.refusal.value, payload=b"")
            raise _REFUSAL_EXCEPTIONS[refused.refusal](
                refusal_message(refused.refusal, refused.key)) from None
        return holder, holder.key

    def authenticate_header(self, request):
        return f'Basic realm="{self.www_authenticate_realm}"'


def security_scheme(target_class: type, name: str, definition: dict) -> type:
    """Tells drf-spectacular how `target_class` authenticates: `definition` is the schema's
    securitySchemes entry `name`."""
    return type(f"{target_class.__name__}Scheme", (OpenApiAuthenticationExtension,), {
        "target_class": target_class, "name": name, "__module__": target_class.__module__,
        "get_security_definition": lambda self, auto_schema: definition,
    })


ConnectionKeyAuthenticationScheme = security_scheme(ConnectionKeyAuthentication, "connectionKey", {
    "type": "http",
    "scheme": "basic",
    "description": "HTTP Basic with the connection key's App Key as user name and its Secret as "
                   "password.",
})
