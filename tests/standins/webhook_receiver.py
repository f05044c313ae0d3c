"""A stand-in for a webhook receiver, as its documentation tells an integrator to write one:
it recomputes the HMAC-SHA256 of the raw body under the hook's secret, compares it with
``X-Signature`` in constant time, and refuses a ``sentOn`` more than five minutes from its
clock. It answers 204 to what it accepts and 401 to the rest, or whatever `answer` says.

    with WebhookReceiver(secret) as receiver:
        ... receiver.url ... receiver.received  # [Received(...)]
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.standins.serving import BackgroundServer

TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict
    body: bytes
    signature_ok: bool
    fresh: bool

    @property
    def accepted(self) -> bool:
        return self.signature_ok and self.fresh

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def verify(secret: str, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header or "")


def fresh(body: bytes, now: datetime | None = None) -> bool:
    try:
        sent = datetime.fromisoformat(json.loads(body)["sentOn"].replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError):
        return False
    return abs((now or datetime.now(UTC)) - sent) <= TOLERANCE


class WebhookReceiver(BackgroundServer):
    def __init__(self, secret: str = "", *, status: int | None = None,
                 redirect_to: str = "", tls=None):
        # Each hook that posts here has its own secret; a body signed with any of them passes.
        self.secrets = [secret] if secret else []
        self.status = status
        self.redirect_to = redirect_to
        # An ssl.SSLContext to answer over https (its certificate names the host to use).
        self.tls = tls
        self.server_names: list[str] = []
        self.received: list[Received] = []
        self._lock = threading.Lock()

    url = ""

    @property
    def secret(self) -> str:
        return self.secrets[-1] if self.secrets else ""

    @secret.setter
    def secret(self, value: str) -> None:
        self.secrets.append(value)

    def start(self):
        super().start()
        host, port = self._server.server_address[:2]
        scheme = "https" if self.tls else "http"
        self.url = f"{scheme}://{host}:{port}/hooks/portal"
        return self

    def _make_server(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.redirect_to:
                    self.send_response(307)
                    self.send_header("Location", receiver.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                entry = Received(self.path, dict(self.headers), body,
                                 any(verify(secret, body, self.headers.get("X-Signature"))
                                     for secret in receiver.secrets),
                                 fresh(body))
                with receiver._lock:
                    receiver.received.append(entry)
                status = receiver.status or (204 if entry.accepted else 401)
                answer = b"" if status == 204 else f"answer {status}".encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            self.tls.sni_callback = lambda sock, name, context: self.server_names.append(name)
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        return server
