"""Peppol AS4, both sides, on the `as4` package: the platform's access point (its key,
certificate, seat id and whom it trusts), sending one business document to another access
point and checking its signed receipt, and reading the business document out of a received
Standard Business Document. No Django import here: this module is plain Peppol.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from as4 import (
    AS4References,
    ExchangeState,
    ReceiptVerificationError,
    SecurityPolicy,
    pinned_certificates,
)
from as4.peppol import (
    BusdoxDocidQnsDocumentIdentifier,
    PeppolAS4MessageBuilderArgs,
    PeppolAS4Profile,
    PeppolSendingExchange,
    create_peppol_external_party,
    create_peppol_internal_party,
    peppol_security_policy,
)
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from lxml import etree

from invoices.peppol.smp import DOCUMENT_ID_SCHEME, Endpoint
from invoices.peppol.text import gettext_noop
from invoices.peppol.xmlsafe import XmlRejected, parse_xml

SBDH_NAMESPACE = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
UBL_VERSION = "2.1"

ACCESS_POINT_UNREACHABLE = gettext_noop(
    "The receiver's Peppol access point could not be reached.")
ACCESS_POINT_ERROR = gettext_noop(
    "The receiver's Peppol access point answered with a temporary error.")
RECEIPT_UNVERIFIED = gettext_noop(
    "The receiver's Peppol access point answered with a receipt that could not be verified, "
    "so delivery is not proven.")
REFUSED_BY_ACCESS_POINT = gettext_noop(
    "The receiver's Peppol access point refused the document: %(reason)s")
NOT_AN_AS4_ANSWER = gettext_noop(
    "The receiver's Peppol access point answered HTTP %(status)s, not an AS4 message.")
NOT_AN_AS4_ANSWER_TEMPORARY = gettext_noop(
    "The receiver's Peppol access point answered with a temporary error: HTTP %(status)s, "
    "not an AS4 message.")
# HTTP statuses that say "not now" rather than "no": the try is repeated later.
TEMPORARY_STATUSES = frozenset({408, 425, 429})
EBMS_NAMESPACE = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
# What of a technical detail is kept: enough for staff to diagnose, bounded.
DETAIL_LENGTH = 1000


@dataclass(frozen=True)
class AccessPoint:
    """The platform's own access point: who it is and whom it trusts."""

    party_id: str
    certificate: x509.Certificate
    private_key: object
    trust: SecurityPolicy

    @classmethod
    def from_pem(cls, *, party_id: str, key_pem: bytes, certificate_pem: bytes,
                 trust_pem: bytes, pinned: bool = False,
                 key_password: bytes | None = None) -> AccessPoint:
        from as4 import AS4LocalPrivateKey

        key = serialization.load_pem_private_key(key_pem, password=key_password)
        trusted = x509.load_pem_x509_certificates(trust_pem)
        policy = (SecurityPolicy(signer_resolver=pinned_certificates(*trusted)) if pinned
                  else peppol_security_policy(*trusted))
        return cls(party_id=party_id, certificate=x509.load_pem_x509_certificate(certificate_pem),
                   private_key=AS4LocalPrivateKey(key), trust=policy)

    def local_party(self):
        return create_peppol_internal_party(party_id=self.party_id,
                                            certificate=self.certificate,
                                            private_key=self.private_key)

    def policy(self, maximum_size: int) -> SecurityPolicy:
        return self.trust.model_copy(update={"maximum_decompressed_size": maximum_size})


@dataclass(frozen=True)
class Sent:
    message_id: str
    receipt: bytes
    access_point_url: str
    access_point_subject: str


class SendFailed(Exception):
    """The document did not arrive. ``passing`` says whether a later try may succeed;
    ``message`` is a user-facing constant, ``reason`` what the other side said, ``params``
    the constant's other parameters; ``detail`` is technical, for logs and staff only.
    ``refused``: the other side's access point said no, or answered with a signal that
    does not prove delivery, which the sender must hear of."""

    def __init__(self, message: str, *, passing: bool, reason: str = "",
                 detail: str = "", params: dict | None = None, refused: bool = False) -> None:
        super().__init__(f"{message} {reason} {detail}".strip())
        self.message = message
        self.passing = passing
        self.reason = reason
        self.detail = detail
        self.params = {**(params or {}), **({"reason": reason} if reason else {})}
        self.refused = refused


def subject_of(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string()


def common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


class UnknownDocumentType(ValueError):
    """The UBL does not say what Peppol document type it is."""


def document_type_of(ubl: bytes, max_bytes: int) -> tuple[str, str]:
    """The Peppol document type id and process id of a UBL invoice or credit note."""
    root = parse_xml(ubl, max_bytes)
    namespace, _, name = root.tag[1:].partition("}")
    cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
    customization = (root.findtext(f"{{{cbc}}}CustomizationID") or "").strip()
    process = (root.findtext(f"{{{cbc}}}ProfileID") or "").strip()
    if not (namespace and name and customization):
        raise UnknownDocumentType(root.tag)
    return (f"{DOCUMENT_ID_SCHEME}::{namespace}::{name}##{customization}::{UBL_VERSION}",
            process)


def new_message_id() -> str:
    """A fresh Peppol (ebMS) message id, in the `as4` package's own form."""
    return AS4References().message_id


def endpoint_subject(endpoint: Endpoint) -> str:
    """The subject of the certificate the SMP names for the receiving access point."""
    return subject_of(x509.load_der_x509_certificate(endpoint.certificate_der))


def send(access_point: AccessPoint, endpoint: Endpoint, ubl: bytes, *, sender: str,
         receiver: str, country: str, instance_id: str, timeout: float,
         http: requests.Session | None = None, message_id: str = "") -> Sent:
    """Send `ubl` in an SBDH envelope to `endpoint`; raises SendFailed unless a verified
    receipt came back. `sender` and `receiver` are "scheme:value" participant ids.
    `message_id`: the ebMS message id to send under; every try of one document gives the
    same, so that the receiving access point knows a repeat for what it is."""
    remote_certificate = x509.load_der_x509_certificate(endpoint.certificate_der)
    exchange = PeppolSendingExchange(
        profile=PeppolAS4Profile, local_party=access_point.local_party(),
        remote_party=create_peppol_external_party(party_id=common_name(remote_certificate),
                                                  certificate=remote_certificate),
        identifiers=AS4References(message_id=message_id) if message_id
        else AS4References())
    scheme, _, value = endpoint.document_type.partition("::")
    headers, body = exchange.build(ubl, PeppolAS4MessageBuilderArgs(
        sender=sender, recipient=receiver,
        document_type_identifier=BusdoxDocidQnsDocumentIdentifier.from_identifier_value(value),
        document_identification_instance_identifier=instance_id,
        process_identifier=endpoint.process, c1_country_id=country))
    answer = _post(endpoint.url, headers, body, timeout, http)
    exchange.mark_sent()
    status = answer.status_code
    if not _is_signal(answer.content):
        passing = status in TEMPORARY_STATUSES or status >= 500
        raise SendFailed(NOT_AN_AS4_ANSWER_TEMPORARY if passing else NOT_AN_AS4_ANSWER,
                         passing=passing, params={"status": status},
                         detail=_bounded(f"HTTP {status} "
                                         f"{answer.headers.get('Content-Type', '')}: "
                                         f"{_printable(answer.content[:300])}"))
    try:
        exchange.receive_signal(answer.content)
    except ReceiptVerificationError as exc:
        raise SendFailed(RECEIPT_UNVERIFIED, passing=False, refused=True,
                         detail=_bounded(f"HTTP {status}: {exc}")) from exc
    if exchange.state is ExchangeState.REJECTED:
        error = exchange.error
        description = (error.description.value if error.description else "") or \
            (error.short_description or "")
        details = error.error_detail.value if error.error_detail else ""
        reason = " — ".join(part for part in (f"{error.error_code} {description}".strip(),
                                              details) if part)
        raise SendFailed(REFUSED_BY_ACCESS_POINT, passing=False, reason=reason, refused=True,
                         detail=_bounded(f"HTTP {status}: {reason}"))
    return Sent(message_id=exchange.message_id, receipt=answer.content,
                access_point_url=endpoint.url,
                access_point_subject=subject_of(remote_certificate))


def _is_signal(content: bytes) -> bool:
    """Whether an answer is an ebMS signal (a receipt or an error) at all, rather than, say,
    a proxy's HTML page or an empty 404."""
    try:
        root = parse_xml(content, 4 * 1024 * 1024)
    except (XmlRejected, ValueError):
        return False
    return root.find(f".//{{{EBMS_NAMESPACE}}}SignalMessage") is not None


def _printable(content: bytes) -> str:
    return " ".join(content.decode("utf-8", "replace").split())


def _bounded(text: str) -> str:
    return text if len(text) <= DETAIL_LENGTH else text[:DETAIL_LENGTH - 1] + "…"


def _post(url, headers, body, timeout, http) -> requests.Response:
    session = http or requests.Session()
    try:
        return session.post(url, data=body, headers=headers, timeout=(timeout, timeout))
    except requests.RequestException as exc:
        raise SendFailed(ACCESS_POINT_UNREACHABLE, passing=True,
                         detail=_bounded(f"{type(exc).__name__}: {exc}")) from exc
    finally:
        if http is None:
            session.close()


def business_document(sbd: bytes, max_bytes: int) -> bytes:
    """The business document (the UBL) inside a Standard Business Document."""
    try:
        root = parse_xml(sbd, max_bytes)
    except XmlRejected as exc:
        raise ValueError("the Standard Business Document is not readable XML") from exc
    for child in root:
        if isinstance(child.tag, str) and not child.tag.startswith(f"{{{SBDH_NAMESPACE}}}"):
            return etree.tostring(child, xml_declaration=True, encoding="UTF-8")
    raise ValueError("the Standard Business Document carries no business document")

