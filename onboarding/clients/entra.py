"""Microsoft Entra ID sign-in through msal: the authorization code flow with PKCE, kept in
the session between the redirect out and the redirect back.

One app registration per service-broker environment (acceptance, production), configured
in settings.ENTRA_BROKERS. Errors users meet in real tenants are turned into `SignInError`
kinds the views give a page of their own.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import msal
import requests
from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

FLOW_SESSION_KEY = "entra_flow"
# Where sessions used to keep msal's token cache (refresh token included); dropped at the
# next sign-in, since the portal only reads the ID token's claims once.
CACHE_SESSION_KEY = "entra_token_cache"
# msal adds openid and profile itself; signing in needs nothing more, and no refresh token.
SCOPES: list[str] = []

BROKER_LABELS = {
    "acceptance": _("Acceptance (for testing)"),
    "production": _("Production (live use)"),
}

# AADSTS codes in error descriptions, by what the user can do about them.
_CONSENT_CODES = ("AADSTS65001", "AADSTS90094", "AADSTS900941", "AADSTS90008")
_CANCEL_CODES = ("AADSTS65004",)
_DENIED_CODES = ("AADSTS50105", "AADSTS53003", "AADSTS50020", "AADSTS530032")


@dataclass(frozen=True)
class Broker:
    key: str
    client_id: str
    client_secret: str
    authority: str
    oidc_authority: str = ""
    ca_bundle: str = ""

    @property
    def label(self):
        return BROKER_LABELS.get(self.key, self.key)

    @property
    def issuer_authority(self) -> str:
        return self.oidc_authority or self.authority

    def admin_consent_url(self, redirect_uri: str) -> str:
        """Where an Entra ID administrator grants the portal permission for their tenant."""
        query = urlencode({"client_id": self.client_id, "redirect_uri": redirect_uri})
        return f"{self.issuer_authority.rstrip('/')}/adminconsent?{query}"


def brokers() -> list[Broker]:
    """The configured broker environments, acceptance first as in the extension's list."""
    found = []
    for key in ("acceptance", "production"):
        config = settings.ENTRA_BROKERS.get(key) or {}
        if config.get("CLIENT_ID") and config.get("CLIENT_SECRET"):
            found.append(Broker(
                key=key, client_id=config["CLIENT_ID"], client_secret=config["CLIENT_SECRET"],
                authority=config.get("AUTHORITY") or settings.ENTRA_DEFAULT_AUTHORITY,
                oidc_authority=config.get("OIDC_AUTHORITY", ""),
                ca_bundle=config.get("CA_BUNDLE", ""),
            ))
    return found


def broker(key: str) -> Broker | None:
    return next((b for b in brokers() if b.key == key), None)


def is_enabled() -> bool:
    return bool(brokers())


class SignInError(Exception):
    """A sign-in that did not end in an identity; `kind` picks the page the user sees."""

    CONSENT = "consent"
    DENIED = "denied"
    CANCELLED = "cancelled"
    STATE = "state"
    UNAVAILABLE = "unavailable"
    FAILED = "failed"

    def __init__(self, kind: str, error: str = "", description: str = "",
                 broker: Broker | None = None):
        super().__init__(f"{kind}: {error} {description}".strip())
        self.kind = kind
        self.error = error
        self.description = description
        self.broker = broker

    @property
    def code(self) -> str:
        """The AADSTS code, for the user to quote to support."""
        for word in self.description.replace(":", " ").split():
            if word.startswith("AADSTS"):
                return word
        return self.error

    @classmethod
    def from_response(cls, answer: dict, broker: Broker | None) -> SignInError:
        error = str(answer.get("error", ""))
        description = str(answer.get("error_description", ""))
        subcode = str(answer.get("error_subcode", ""))
        if error == "consent_required" or any(c in description for c in _CONSENT_CODES):
            kind = cls.CONSENT
        elif subcode == "cancel" or any(c in description for c in _CANCEL_CODES):
            kind = cls.CANCELLED
        elif error in ("access_denied", "unauthorized_client") or any(
                c in description for c in _DENIED_CODES):
            kind = cls.DENIED
        else:
            kind = cls.FAILED
        return cls(kind, error, description, broker)


class _Session(requests.Session):
    """msal's HTTP client: the broker's CA bundle and a timeout on every request.

    Both are passed per request: requests has no session-wide timeout, and it lets
    REQUESTS_CA_BUNDLE in the environment override a session's own `verify`.
    """

    def __init__(self, ca_bundle: str, timeout: float):
        super().__init__()
        self.verify = ca_bundle or True
        self.timeout = timeout

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, **kwargs)


def _application(broker: Broker):
    options = {
        "client_id": broker.client_id,
        "client_credential": broker.client_secret,
        "http_client": _Session(broker.ca_bundle, settings.ENTRA_TIMEOUT),
        # Tokens stay in this object's own memory and go with it: nothing is stored.
        "exclude_scopes": ["offline_access"],
    }
    if broker.oidc_authority:
        options["oidc_authority"] = broker.oidc_authority
    else:
        options["authority"] = broker.authority
    try:
        # msal reads the authority's OpenID configuration here, over the network.
        return msal.ConfidentialClientApplication(**options)
    except (requests.RequestException, ValueError) as exc:
        logger.warning("Entra ID authority %s not usable: %s", broker.issuer_authority, exc)
        raise SignInError(SignInError.UNAVAILABLE, broker=broker) from exc


def begin(session, broker: Broker, *, redirect_uri: str, purpose: str, user_id=None) -> str:
    """Start a sign-in; the URL to send the browser to. `purpose` is "signin" or "link"."""
    # The answer comes back in the query (msal recommends form_post): a cross-site POST would
    # arrive without the SameSite=Lax session cookie that holds the flow. PKCE, state and
    # nonce guard the code in the query.
    flow = _application(broker).initiate_auth_code_flow(
        SCOPES, redirect_uri=redirect_uri, prompt="select_account", response_mode="query")
    session[FLOW_SESSION_KEY] = {
        "flow": flow, "broker": broker.key, "purpose": purpose, "user": user_id,
        "started": time.time(),
    }
    return flow["auth_uri"]


@dataclass
class SignedIn:
    broker: Broker
    purpose: str
    user_id: int | None
    tenant_id: str
    object_id: str
    username: str
    name: str


def _pending_flow(session, answer: dict) -> dict:
    pending = session.get(FLOW_SESSION_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("flow"), dict):
        raise SignInError(SignInError.STATE)
    # Some providers leave the state out of an error answer; an error changes nothing, so
    # it may end the pending sign-in. Any other answer must carry this browser's state.
    stateless_error = bool(answer.get("error")) and "state" not in answer
    if not stateless_error and (not answer.get("state")
                                or answer.get("state") != pending["flow"].get("state")):
        # Not this browser's sign-in: leave its own pending flow for its own answer.
        raise SignInError(SignInError.STATE)
    session.pop(FLOW_SESSION_KEY, None)
    if time.time() - float(pending.get("started", 0)) > settings.ENTRA_FLOW_MAX_AGE:
        raise SignInError(SignInError.STATE)
    return pending


def finish(session, answer: dict) -> SignedIn:
    """Complete the sign-in from the query of the redirect back; raises SignInError."""
    pending = _pending_flow(session, answer)
    chosen = broker(pending.get("broker", ""))
    if chosen is None:
        raise SignInError(SignInError.STATE)
    if answer.get("error"):
        raise SignInError.from_response(answer, chosen)
    session.pop(CACHE_SESSION_KEY, None)
    application = _application(chosen)
    try:
        result = application.acquire_token_by_auth_code_flow(pending["flow"], answer)
    except (ValueError, RuntimeError) as exc:
        # msal's checks of state and nonce.
        raise SignInError(SignInError.STATE, broker=chosen) from exc
    except requests.RequestException as exc:
        logger.warning("Entra ID token endpoint not reachable: %s", exc)
        raise SignInError(SignInError.UNAVAILABLE, broker=chosen) from exc
    if "error" in result:
        raise SignInError.from_response(result, chosen)
    claims = result.get("id_token_claims") or {}
    _check_claims(claims, chosen)
    return SignedIn(
        broker=chosen, purpose=pending.get("purpose", "signin"), user_id=pending.get("user"),
        tenant_id=str(claims["tid"]), object_id=str(claims["oid"]),
        username=str(claims.get("preferred_username") or claims.get("email") or "")[:254],
        name=str(claims.get("name") or "")[:200],
    )


def _check_claims(claims: dict, broker: Broker) -> None:
    """The checks msal leaves to the application (it checked state and nonce): the token is
    for this app, still valid, from the configured authority, and names tenant and object."""
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if broker.client_id not in audiences:
        raise SignInError(SignInError.FAILED, "invalid_token", "audience", broker)
    if float(claims.get("exp") or 0) < time.time() - 120:
        raise SignInError(SignInError.FAILED, "invalid_token", "expired", broker)
    if not claims.get("tid") or not claims.get("oid"):
        # Personal Microsoft accounts and tokens of other providers lack them.
        raise SignInError(SignInError.FAILED, "invalid_token", "no tenant or object id", broker)
    problem = issuer_problem(claims, broker)
    if problem:
        raise SignInError(SignInError.FAILED, "invalid_token", problem, broker)


def issuer_problem(claims: dict, broker: Broker) -> str:
    """Why a token's issuer is not the broker's authority; empty when it is."""
    issuer = urlsplit(str(claims.get("iss", "")))
    expected = urlsplit(broker.issuer_authority)
    if (issuer.scheme, issuer.netloc) != (expected.scheme, expected.netloc):
        return "issuer"
    if not broker.oidc_authority and f"/{claims['tid']}/" not in f"{issuer.path}/":
        # Entra's issuer is https://login.microsoftonline.com/<tenant id>/v2.0.
        return "issuer tenant"
    return ""
