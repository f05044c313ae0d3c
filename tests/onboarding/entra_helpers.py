"""Pointing the portal at the local Entra stand-in, and walking a sign-in through it."""

from __future__ import annotations

import itertools

from onboarding.models import EntraIdentity
from tests.standins.oidc import OidcStandIn, callback_path

TENANT = "6f1c2d3e-0000-4000-8000-00000000acme"
OTHER_TENANT = "6f1c2d3e-0000-4000-8000-0000000other"
CLIENT_ID = "portal-production-app"
ACCEPTANCE_CLIENT_ID = "portal-acceptance-app"

_numbers = itertools.count(1)


def configure(settings, provider: OidcStandIn, *, acceptance: bool = False) -> None:
    production = {"CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": "production-secret",
                  "AUTHORITY": "", "OIDC_AUTHORITY": provider.authority,
                  "CA_BUNDLE": provider.ca_bundle}
    brokers = {"production": production, "acceptance": {}}
    if acceptance:
        brokers["acceptance"] = {**production, "CLIENT_ID": ACCEPTANCE_CLIENT_ID,
                                 "CLIENT_SECRET": "acceptance-secret"}
    settings.ENTRA_BROKERS = brokers
    settings.ENTRA_TIMEOUT = 5.0


def entra_user(provider: OidcStandIn, username: str, *, tenant_id: str = TENANT,
               object_id: str = "", name: str = "") -> dict:
    """A user of the stand-in's tenant; the claims the portal will see."""
    number = next(_numbers)
    sub = f"{username}-{number}"
    object_id = object_id or f"00000000-0000-4000-9000-{number:012d}"
    provider.add_user(sub, tenant_id=tenant_id, object_id=object_id, username=username,
                      name=name)
    return {"sub": sub, "tenant_id": tenant_id, "object_id": object_id, "username": username}


def link_identity(user, claims: dict) -> EntraIdentity:
    return EntraIdentity.objects.create(user=user, tenant_id=claims["tenant_id"],
                                        object_id=claims["object_id"],
                                        username=claims["username"])


def start(client, url="/entra/sign-in/", broker="production"):
    response = client.post(url, {"broker": broker})
    assert response.status_code == 302, response.content[:800]
    return response["Location"]


def entra_sign_in(client, provider: OidcStandIn, claims: dict, *, url="/entra/sign-in/",
                  broker="production"):
    """Start at the portal, sign in at the provider, and follow the redirect back."""
    location = provider.sign_in(start(client, url, broker), claims["sub"])
    return client.get(callback_path(location))
