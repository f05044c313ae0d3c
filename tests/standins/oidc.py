"""A stand-in for Microsoft Entra ID: an OpenID Connect provider over HTTPS on 127.0.0.1.

The provider is oidc-provider-mock (authorization code flow, PKCE, nonce, discovery, JWKS),
mounted under a path because msal refuses authorities without one, and served over TLS with
a certificate from a throwaway test CA (trustme) because msal refuses plain http. The ID
tokens carry the claims Entra puts in them (``tid``, ``oid``, ``preferred_username``,
``name``) for the users registered with ``add_user``:

    with OidcStandIn() as entra:
        entra.add_user("anna", tenant_id=TENANT, object_id=OID, username="anna@acme.nl")
        # settings: OIDC_AUTHORITY=entra.authority, CA_BUNDLE=entra.ca_bundle
        location = entra.sign_in(auth_uri, "anna")   # the redirect back to the portal

Entra answers some sign-ins with an error redirect (missing admin consent, a cancelled
sign-in); ``answer_next_with_error`` makes the next authorization request do the same.

Entra also issues access tokens for an API: RS256 JWTs naming the tenant (``tid``), the
user (``oid``) and the API as audience, signed with a key its JWKS publishes.
``access_token(...)`` issues one, signed with a key the stand-in adds to the provider's JWKS:

    token = entra.access_token(tenant_id=TENANT, object_id=OID, audience=CLIENT_ID)

For a demo, serve it until Ctrl-C; it prints the settings to start the portal with:

    python -m tests.standins.oidc --port 8766
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import ssl
import tempfile
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import oidc_provider_mock
import requests
import trustme
import werkzeug.serving
import werkzeug.test
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from tests.standins.serving import BackgroundServer

# Shaped like an Entra tenant's authority, https://login.microsoftonline.com/<tenant>/v2.0.
DEFAULT_PREFIX = "/entra-test-tenant/v2.0"


class _TrustingSession(requests.Session):
    """Trusts the test CA. Given per request, because requests lets REQUESTS_CA_BUNDLE in
    the environment override a session's own `verify`."""

    def __init__(self, ca_bundle: str):
        super().__init__()
        self.verify = ca_bundle

    def request(self, method, url, **kwargs):
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, **kwargs)


class OidcStandIn(BackgroundServer):
    def __init__(self, prefix: str = DEFAULT_PREFIX, port: int = 0):
        self.prefix = prefix
        self._port = port
        self._ca = trustme.CA()
        self._certificate = self._ca.issue_cert("127.0.0.1", "localhost")
        handle, self.ca_bundle = tempfile.mkstemp(prefix="entra-test-ca-", suffix=".pem")
        with os.fdopen(handle, "wb") as bundle:
            bundle.write(self._ca.cert_pem.bytes())
        self._provider = oidc_provider_mock.app(require_nonce=True)
        self._wsgi = DispatcherMiddleware(NotFound(), {prefix: self._provider})
        self._lock = threading.Lock()
        self._next_error: dict[str, str] | None = None
        # How often the signing keys were asked for.
        self.jwks_served = 0
        # Signs the access tokens of access_token(); published beside the provider's own key.
        self._token_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.token_key_id = f"standin-{secrets.token_hex(4)}"
        # The mock logs every request; the test output is about the portal.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        logging.getLogger("oidc_provider_mock").setLevel(logging.ERROR)

    def _make_server(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._certificate.configure_cert(context)
        return werkzeug.serving.make_server(
            "127.0.0.1", self._port, self._app, threaded=True,
            ssl_context=context,
        )

    def start(self):
        super().start()
        # Restarting after stop() comes back on the same port, so a configured authority
        # points at it again (used to make the provider unreachable for a moment).
        self._port = self._server.server_address[1]
        return self

    def close(self) -> None:
        self.stop()
        if os.path.exists(self.ca_bundle):
            os.unlink(self.ca_bundle)

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def authority(self) -> str:
        return f"https://127.0.0.1:{self._port}{self.prefix}"

    def _app(self, environ, start_response):
        if environ.get("PATH_INFO") == f"{self.prefix}/jwks":
            return self._jwks(start_response)
        if environ.get("PATH_INFO") == f"{self.prefix}/oauth2/authorize":
            with self._lock:
                error, self._next_error = self._next_error, None
            if error is not None:
                return self._error_redirect(environ, start_response, error)
        return self._wsgi(environ, start_response)

    def _jwks(self, start_response):
        with self._lock:
            self.jwks_served += 1
        keys = json.loads(werkzeug.test.Client(self._wsgi).get(f"{self.prefix}/jwks").data)
        keys["keys"].append(self.public_jwk(self._token_key, self.token_key_id))
        body = json.dumps(keys).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    @staticmethod
    def public_jwk(key, key_id: str) -> dict:
        return {**jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True),
                "kid": key_id, "use": "sig", "alg": "RS256"}

    def access_token(self, *, tenant_id: str, object_id: str, audience: str,
                     username: str = "", lifetime: int = 3600, issuer: str = "",
                     signing_key=None, **claims) -> str:
        """An access token for the API `audience`, as Entra issues it to a signed-in user
        (Business Central's extension calling the service broker, for example). Another
        `signing_key` makes one the JWKS does not vouch for."""
        now = int(time.time())
        payload = {"iss": issuer or self.authority, "aud": audience, "tid": tenant_id,
                   "oid": object_id, "sub": object_id, "preferred_username": username,
                   "scp": "access_as_user", "iat": now, "nbf": now, "exp": now + lifetime,
                   **claims}
        return jwt.encode(payload, signing_key or self._token_key, algorithm="RS256",
                          headers={"kid": self.token_key_id})

    @staticmethod
    def _error_redirect(environ, start_response, error):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        answer = dict(error)
        if "state" in query:
            answer["state"] = query["state"][0]
        location = f"{query['redirect_uri'][0]}?{urlencode(answer)}"
        start_response("302 Found", [("Location", location), ("Content-Length", "0")])
        return [b""]

    def answer_next_with_error(self, error: str, description: str = "",
                               subcode: str = "") -> None:
        """The next authorization request redirects back with this OAuth error, as Entra
        does for e.g. ``consent_required`` with ``AADSTS65001`` in the description."""
        answer = {"error": error}
        if description:
            answer["error_description"] = description
        if subcode:
            answer["error_subcode"] = subcode
        with self._lock:
            self._next_error = answer

    def _session(self) -> requests.Session:
        return _TrustingSession(self.ca_bundle)

    def add_user(self, sub: str, *, tenant_id: str, object_id: str, username: str,
                 name: str = "") -> None:
        claims = {"tid": tenant_id, "oid": object_id, "preferred_username": username,
                  "name": name or username}
        response = self._session().put(f"{self.authority}/users/{sub}", json=claims, timeout=5)
        response.raise_for_status()

    def sign_in(self, auth_uri: str, sub: str) -> str:
        """Sign `sub` in on the provider's page; the redirect back to the portal."""
        return self._answer(auth_uri, {"sub": sub})

    def deny(self, auth_uri: str) -> str:
        return self._answer(auth_uri, {"action": "deny"})

    def follow(self, auth_uri: str) -> str:
        """The redirect back when the provider answers without asking the user, as it does
        with an error set by `answer_next_with_error`."""
        return self._expect_redirect(
            self._session().get(auth_uri, allow_redirects=False, timeout=5))

    def _answer(self, auth_uri: str, form: dict[str, str]) -> str:
        return self._expect_redirect(
            self._session().post(auth_uri, data=form, allow_redirects=False, timeout=5))

    @staticmethod
    def _expect_redirect(response: requests.Response) -> str:
        if response.status_code != 302:
            raise AssertionError(f"the provider answered {response.status_code}: "
                                 f"{response.text[:500]}")
        return response.headers["Location"]


def callback_path(location: str) -> str:
    """The portal's part of a redirect back: its path and query, for the test client."""
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    standin = OidcStandIn(port=args.port).start()
    standin.add_user("demo-admin", tenant_id="00000000-0000-4000-8000-00000000de70",
                     object_id="00000000-0000-4000-9000-000000000001",
                     username="admin@demo-bakery.onmicrosoft.com", name="Demo Admin")
    print(f"ENTRA_OIDC_AUTHORITY={standin.authority}\nENTRA_CA_BUNDLE={standin.ca_bundle}\n"
          "ENTRA_CLIENT_ID=demo-portal\nENTRA_CLIENT_SECRET=demo-secret\n"
          "On its sign-in page, type the user demo-admin.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        standin.close()


if __name__ == "__main__":
    main()
