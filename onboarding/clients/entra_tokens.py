"""Access tokens that Microsoft Entra ID issues to a signed-in user for the service broker's
API (Business Central's extension sends them as `Authorization: Bearer`): RS256 JWTs checked
against the signing keys the broker's authority publishes (its JWKS), for this portal's app
registration as audience, naming the tenant and the user."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from onboarding.clients.entra import Broker, brokers, issuer_problem
from portal.errors import Explained

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"
# Signing keys roll over; a token with a key id not yet seen fetches the keys again, at most
# this often, so made-up key ids cannot make the portal hammer the authority.
KEYS_SECONDS = 3600
REFETCH_SECONDS = 60
# Clock difference allowed between Entra and this server.
LEEWAY_SECONDS = 120


class TokenRejected(Explained):
    """The token is not one this portal accepts; the message is for the caller."""


@dataclass(frozen=True)
class BrokerToken:
    broker: Broker
    tenant_id: str
    object_id: str
    username: str


def _discovery_url(broker: Broker) -> str:
    if broker.oidc_authority:
        return f"{broker.oidc_authority.rstrip('/')}/.well-known/openid-configuration"
    return f"{broker.authority.rstrip('/')}/v2.0/.well-known/openid-configuration"


def _get(broker: Broker, url: str) -> dict:
    answer = requests.get(url, timeout=settings.ENTRA_TIMEOUT, verify=broker.ca_bundle or True)
    answer.raise_for_status()
    return answer.json()


# Each process keeps the keys it read, and when it last fetched them anew, beside the shared
# cache: while the cache is unreachable (it then answers as empty), a token must not cost two
# requests to the authority, nor may unknown key ids fetch the keys on every call.
_held: dict[str, tuple[float, dict]] = {}
_refetched: dict[str, float] = {}
_held_lock = threading.Lock()


def forget_held_keys() -> None:
    """Drop what this process holds (its next token reads the cache or the authority)."""
    with _held_lock:
        _held.clear()
        _refetched.clear()


def _hold(url: str, keys: dict) -> dict:
    with _held_lock:
        _held[url] = (time.monotonic(), keys)
    return keys


def _signing_keys(broker: Broker, *, fresh: bool = False) -> dict:
    """{key id: JWK} of the broker's authority: those this process holds, else the shared
    cache's, else the authority's; only the authority's if `fresh`."""
    url = _discovery_url(broker)
    if not fresh:
        kept = _held.get(url)
        if kept is not None and time.monotonic() - kept[0] < KEYS_SECONDS:
            return kept[1]
        keys = cache.get(f"entra-jwks:{url}")
        if keys is not None:
            return _hold(url, keys)
    try:
        jwks_uri = _get(broker, url)["jwks_uri"]
        keys = {k["kid"]: k for k in _get(broker, jwks_uri).get("keys", [])
                if k.get("kid") and k.get("kty") == "RSA"}
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        logger.warning("Signing keys of %s not readable: %s", broker.issuer_authority, exc)
        raise TokenRejected(_("The signing keys of Microsoft Entra ID cannot be read right "
                              "now; try again in a minute.")) from exc
    cache.set(f"entra-jwks:{url}", keys, KEYS_SECONDS)
    return _hold(url, keys)


def _shared_keys(broker: Broker, held: dict) -> dict:
    """The keys in the shared cache, which another process may have fetched since this one
    did (a rollover); `held` if the cache has none."""
    url = _discovery_url(broker)
    keys = cache.get(f"entra-jwks:{url}")
    return held if keys is None else _hold(url, keys)


def _may_refetch(broker: Broker) -> bool:
    """At most once per REFETCH_SECONDS in this process, and across processes while the
    shared cache answers."""
    with _held_lock:
        last = _refetched.get(broker.key)
        if last is not None and time.monotonic() - last < REFETCH_SECONDS:
            return False
        _refetched[broker.key] = time.monotonic()
    return cache.add(f"entra-jwks-refetch:{broker.key}", 1, REFETCH_SECONDS)


def _key(broker: Broker, key_id: str):
    keys = _signing_keys(broker)
    if key_id not in keys:
        keys = _shared_keys(broker, keys)
    if key_id not in keys and _may_refetch(broker):
        keys = _signing_keys(broker, fresh=True)
    if key_id not in keys:
        return None
    return jwt.PyJWK(keys[key_id], algorithm=ALGORITHM).key


def verify(token: str) -> BrokerToken:
    """The broker, tenant and user a valid access token names; TokenRejected otherwise."""
    not_a_token = TokenRejected(_("The bearer token is not a Microsoft Entra ID access "
                                  "token."))
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise not_a_token from None
    if header.get("alg") != ALGORITHM or not isinstance(header.get("kid"), str):
        raise not_a_token
    audience = unverified.get("aud")
    audiences = set(audience if isinstance(audience, list) else [audience])
    candidates = [b for b in brokers()
                  if audiences & {b.client_id, f"api://{b.client_id}"}
                  and not issuer_problem({"tid": unverified.get("tid", ""), **unverified}, b)]
    if not candidates:
        raise TokenRejected(_("The access token is not for this portal's service broker: "
                              "its audience or issuer is another application's."))
    broker = candidates[0]
    key = _key(broker, header["kid"])
    if key is None:
        raise TokenRejected(_("The access token is not signed with a key of Microsoft Entra "
                              "ID."))
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM],
                            audience=[broker.client_id, f"api://{broker.client_id}"],
                            leeway=LEEWAY_SECONDS,
                            options={"require": ["exp", "aud", "iss", "tid", "oid"]})
    except jwt.ExpiredSignatureError:
        raise TokenRejected(_("The access token has expired; sign in again for a new "
                              "one.")) from None
    except jwt.PyJWTError:
        raise TokenRejected(_("The access token's signature or claims are not "
                              "valid.")) from None
    return BrokerToken(broker=broker, tenant_id=str(claims["tid"]),
                       object_id=str(claims["oid"]),
                       username=str(claims.get("preferred_username") or "")[:254])
