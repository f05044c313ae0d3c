"""A stand-in for another Peppol access point: an HTTP server on 127.0.0.1 that receives AS4
messages with the `as4` package's receiving side (verifying the signature against its trust,
decrypting, answering with a signed receipt or an ebMS error), records what arrived, and can
build messages of its own to send to the portal."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from as4 import ParticipantNotServicedError
from as4.peppol import (
    build_peppol_message,
    create_peppol_external_party,
    create_peppol_internal_party,
    parse_peppol_message,
    peppol_security_policy,
)

from tests.standins.pki import Identity
from tests.standins.serving import BackgroundServer

BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


@dataclass
class Arrival:
    message_id: str
    sender: str
    recipient: str
    document_type: str
    process: str
    sbd: bytes
    signer_subject: str


class As4AccessPoint(BackgroundServer):
    def __init__(self, identity: Identity, trusted_ca: Identity, host: str = "127.0.0.1"):
        from as4 import AS4LocalPrivateKey

        self.identity = identity
        self.host = host
        self.local_party = create_peppol_internal_party(
            party_id=identity.common_name, certificate=identity.certificate,
            private_key=AS4LocalPrivateKey(identity.key))
        self.policy = peppol_security_policy(trusted_ca.certificate)
        # Participants this access point serves; None serves everyone.
        self.serves: set[str] | None = None
        self.fail_with: int | None = None
        self.received: list[Arrival] = []
        self.refused: list[str] = []
        self.requests = 0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the AS4 stand-in is not running")
        return f"http://{self.host}:{self._server.server_address[1]}/as4"

    def _accept(self, participant: str) -> None:
        if self.serves is not None and participant not in self.serves:
            raise ParticipantNotServicedError(participant)

    def answer(self, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
        with self._lock:
            self.requests += 1
        if self.fail_with is not None:
            return self.fail_with, {"Content-Type": "text/plain"}, b"busy"
        exchange = parse_peppol_message(request_headers=headers, request_body=body,
                                        local_party=self.local_party,
                                        accept_participant=self._accept,
                                        security_policy=self.policy)
        message = exchange.message
        with self._lock:
            if exchange.successful:
                self.received.append(Arrival(
                    message_id=message.message_id, sender=message.sender,
                    recipient=message.recipient,
                    document_type=message.document_type_identifier_value,
                    process=message.process_identifier,
                    sbd=next(iter(message.decrypted_data.values())),
                    signer_subject=message.signer_certificate.subject.rfc4514_string()))
            else:
                self.refused.append(str(message.parse_error.detail))
        signal_headers, signal = exchange.build_signal()
        return 200, signal_headers, signal

    def build(self, ubl: bytes, *, to: Identity, sender: str, recipient: str,
              document_type: str, signer: Identity | None = None):
        """A Peppol AS4 message from this access point (or signed with `signer`'s key) to
        the access point `to`; returns (headers, body, message)."""
        from as4 import AS4LocalPrivateKey

        local = self.local_party if signer is None else create_peppol_internal_party(
            party_id=signer.common_name, certificate=signer.certificate,
            private_key=AS4LocalPrivateKey(signer.key))
        message = build_peppol_message(
            ubl, local_party=local,
            remote_party=create_peppol_external_party(party_id=to.common_name,
                                                      certificate=to.certificate),
            sender=sender, recipient=recipient, sender_country_id="NL",
            document_type_identifier_scheme="busdox-docid-qns",
            document_type_identifier_value=document_type.split("::", 1)[1],
            process_identifier=BILLING_PROCESS)
        body, boundary = message.get_request_data()
        return message.get_http_headers(boundary), body, message

    def _make_server(self) -> ThreadingHTTPServer:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, headers, answer = standin.answer(dict(self.headers.items()), body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer((self.host, 0), Handler)
        server.daemon_threads = True
        return server
