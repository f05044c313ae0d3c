"""Can this participant receive Peppol BIS Billing 3.0 invoices? The real Peppol discovery.

Two steps, as OpenPEPPOL specifies them (Policy for use of Identifiers 4.x, SML 2.0, SMP 1.x):

1. SML, by DNS: the participant's DNS name is
   ``base32(sha256(lower("{scheme}:{value}"))).iso6523-actorid-upis.{sml_zone}`` (RFC 4648
   Base32 without "=" padding). Its U-NAPTR record with service ``Meta:SMP`` carries, in its
   regexp, the base URL of the participant's SMP. No such name, or no such record, means the
   participant is not on Peppol.
2. SMP, by HTTP: ``GET {smp}/iso6523-actorid-upis%3A%3A{scheme}%3A{value}`` answers a
   ServiceGroup listing one ServiceMetadataReference per document type the participant
   accepts; the document type id is the URL-encoded part after ``/services/``.

A clear "no" (NXDOMAIN, no Meta:SMP record, SMP 404) is a result; anything that stops us from
getting an answer raises :class:`LookupFailed`, so callers never mistake an outage for
"this customer is not on Peppol". No Django import here: this module is plain Peppol.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, unquote

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
import requests
from cryptography import x509

from invoices.peppol import xmldsig
from invoices.peppol.text import gettext_noop
from invoices.peppol.xmlsafe import XmlRejected, parse_xml

PARTICIPANT_ID_SCHEME = "iso6523-actorid-upis"
DOCUMENT_ID_SCHEME = "busdox-docid-qns"
SMP_NAMESPACE = "http://busdox.org/serviceMetadata/publishing/1.0/"
NAPTR_SERVICE = "Meta:SMP"
NAPTR_FLAGS = "U"

PRODUCTION_ZONE = "edelivery.tech.ec.europa.eu"
TEST_ZONE = "acc.edelivery.tech.ec.europa.eu"

BIS_BILLING_INVOICE = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
BIS_BILLING_CREDIT_NOTE = (
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
INVOICE_DOCUMENT_TYPE = f"{DOCUMENT_ID_SCHEME}::{BIS_BILLING_INVOICE}"
CREDIT_NOTE_DOCUMENT_TYPE = f"{DOCUMENT_ID_SCHEME}::{BIS_BILLING_CREDIT_NOTE}"

# A service group is a list of links; even a participant with hundreds of document types
# stays far below this. Anything bigger is not an SMP answer we want to hold in memory.
MAX_SERVICE_GROUP_BYTES = 2 * 1024 * 1024

# Marked for the catalogue only; the caller translates ``LookupFailed.message`` when it
# shows it.
DNS_UNAVAILABLE = gettext_noop(
    "The Peppol directory could not be reached, so we could not check whether this "
    "customer can receive Peppol invoices. Please try again later."
)
DNS_BAD_ANSWER = gettext_noop(
    "The Peppol directory gave an answer we could not use, so we could not check whether "
    "this customer can receive Peppol invoices. Please try again later."
)
SMP_UNREACHABLE = gettext_noop(
    "The customer's Peppol service provider could not be reached, so we could not check "
    "which documents it accepts. Please try again later."
)
SMP_ERROR = gettext_noop(
    "The customer's Peppol service provider reported an error, so we could not check "
    "which documents it accepts. Please try again later."
)
SMP_BAD_ANSWER = gettext_noop(
    "The customer's Peppol service provider gave an answer we could not read, so we could "
    "not check which documents it accepts."
)


class LookupFailed(Exception):
    """The lookup could not be completed; we do not know whether the participant is on Peppol.

    ``message`` is one of the module's user-facing constants; ``detail`` is technical and
    meant for logs only.
    """

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else self.message


@dataclass(frozen=True)
class SmlConfig:
    zone: str
    # None means the system resolver; tests point this at a local stand-in.
    nameservers: list[str] | None = None
    port: int = 53
    # Applies to each network step: the whole DNS query, and the connect and the body of
    # the SMP request.
    timeout: float = 5.0


SML_PRODUCTION = SmlConfig(zone=PRODUCTION_ZONE)
SML_TEST = SmlConfig(zone=TEST_ZONE)


@dataclass(frozen=True)
class Reachability:
    registered: bool
    smp_url: str = ""
    accepts_invoice: bool = False
    accepts_credit_note: bool = False
    document_types: tuple[str, ...] = ()
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    error: str = ""

    @classmethod
    def from_failure(cls, failure: LookupFailed) -> Reachability:
        # Lets a caller store "we tried and could not tell" in the same shape as a result.
        return cls(registered=False, error=failure.message)


def participant_id(scheme: str, value: str) -> str:
    return f"{PARTICIPANT_ID_SCHEME}::{_clean(scheme)}:{_clean(value)}"


def sml_dns_name(scheme: str, value: str, zone: str) -> str:
    # Participant identifier values are case-insensitive in Peppol, hence the lower-casing
    # before hashing; the Base32 label is lower-cased only for readability (DNS ignores case).
    identifier = f"{_clean(scheme)}:{_clean(value)}".lower()
    digest = hashlib.sha256(identifier.encode("utf-8")).digest()
    label = base64.b32encode(digest).decode("ascii").rstrip("=").lower()
    return f"{label}.{PARTICIPANT_ID_SCHEME}.{zone.strip().strip('.')}"


def lookup(
    scheme: str,
    value: str,
    config: SmlConfig,
    http: requests.Session | None = None,
) -> Reachability:
    """Ask the SML and then the participant's SMP whether it accepts BIS Billing 3.0.

    Raises :class:`LookupFailed` when either could not give an answer.
    """
    dns_name = sml_dns_name(scheme, value, config.zone)
    smp_url = _resolve_smp_url(dns_name, config)
    if smp_url is None:
        return Reachability(registered=False)

    body = _fetch_service_group(smp_url, participant_id(scheme, value), config, http)
    if body is None:
        # The SML still lists the participant but its SMP no longer knows it: it cannot
        # receive anything, which is the answer that matters to the sender.
        return Reachability(registered=False, smp_url=smp_url)

    document_types = _document_types(body)
    accepted = {_normalise_document_type(d) for d in document_types}
    return Reachability(
        registered=True,
        smp_url=smp_url,
        accepts_invoice=_normalise_document_type(INVOICE_DOCUMENT_TYPE) in accepted,
        accepts_credit_note=_normalise_document_type(CREDIT_NOTE_DOCUMENT_TYPE) in accepted,
        document_types=document_types,
    )


def _clean(part: str) -> str:
    part = part.strip()
    if not part:
        raise ValueError("A Peppol participant identifier needs a scheme and a value.")
    return part


# --- SML (DNS) -----------------------------------------------------------------------


def _resolver(config: SmlConfig) -> dns.resolver.Resolver:
    try:
        resolver = dns.resolver.Resolver(configure=not config.nameservers)
    except dns.exception.DNSException as exc:
        raise LookupFailed(DNS_UNAVAILABLE, f"no usable system resolver: {exc}") from exc
    if config.nameservers:
        resolver.nameservers = list(config.nameservers)
        resolver.port = config.port
    resolver.timeout = config.timeout
    resolver.lifetime = config.timeout
    # Reachability changes when a customer joins Peppol; a stale cached "no" would hide it.
    resolver.cache = None
    return resolver


def _resolve_smp_url(dns_name: str, config: SmlConfig) -> str | None:
    # Absolute name, so the system resolver's search domains are never appended.
    qname = dns.name.from_text(dns_name)
    try:
        answer = _resolver(config).resolve(qname, dns.rdatatype.NAPTR)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    except dns.exception.DNSException as exc:
        # Timeouts, SERVFAIL from every server, malformed answers: no answer either way.
        raise LookupFailed(DNS_UNAVAILABLE, f"NAPTR {dns_name}: {exc}") from exc

    candidates = [
        rdata
        for rdata in answer
        if _text(rdata.flags).upper() == NAPTR_FLAGS
        and _text(rdata.service).lower() == NAPTR_SERVICE.lower()
    ]
    if not candidates:
        return None
    candidates.sort(key=lambda rdata: (rdata.order, rdata.preference))

    application_string = dns_name.rstrip(".")
    for rdata in candidates:
        url = _apply_naptr_regexp(_text(rdata.regexp), application_string)
        if url and url.lower().startswith(("http://", "https://")):
            return url
    raise LookupFailed(
        DNS_BAD_ANSWER,
        f"NAPTR {dns_name}: no Meta:SMP record yields an http(s) URL: "
        + "; ".join(_text(r.regexp) for r in candidates),
    )


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _apply_naptr_regexp(regexp: str, application_string: str) -> str | None:
    """Apply an RFC 3402 substitution expression such as ``!^.*$!https://smp.example!``."""
    if len(regexp) < 3:
        return None
    delimiter = regexp[0]
    if delimiter == "\\" or delimiter.isdigit():
        return None
    parts = _split_unescaped(regexp[1:], delimiter)
    if len(parts) != 3 or parts[2] not in ("", "i"):
        return None
    pattern, replacement, flags = parts
    try:
        compiled = re.compile(pattern, re.IGNORECASE if flags == "i" else 0)
    except re.error:
        return None
    match = compiled.search(application_string)
    if match is None:
        return None
    expanded = _expand_backrefs(replacement, match)
    if expanded is None:
        return None
    return application_string[: match.start()] + expanded + application_string[match.end() :]


def _split_unescaped(text: str, delimiter: str) -> list[str]:
    # An escaped delimiter belongs to the field; other escapes are kept for the ERE and the
    # back-reference expansion to interpret.
    parts, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            current.append(following if following == delimiter else char + following)
            index += 2
            continue
        if char == delimiter:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def _expand_backrefs(replacement: str, match: re.Match[str]) -> str | None:
    # Done by hand rather than with match.expand(), which would also read Python's own
    # escapes and \g<name> syntax in a string that comes from DNS.
    out, index = [], 0
    while index < len(replacement):
        char = replacement[index]
        if char == "\\" and index + 1 < len(replacement):
            following = replacement[index + 1]
            if following.isdigit():
                group = int(following)
                if group > (match.re.groups or 0):
                    return None
                out.append(match.group(group) or "")
            else:
                out.append(following)
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


# --- SMP (HTTP) ----------------------------------------------------------------------


def _fetch_service_group(
    smp_url: str, participant: str, config: SmlConfig, http: requests.Session | None
) -> bytes | None:
    return _fetch_url(f"{smp_url.rstrip('/')}/{quote(participant, safe='')}", config, http)


def _read_limited(response: requests.Response, url: str, deadline: float) -> bytes:
    # The read timeout only bounds the wait for each chunk; the deadline stops an SMP that
    # trickles bytes forever, the size cap one that sends too many.
    chunks, total = [], 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        total += len(chunk)
        if total > MAX_SERVICE_GROUP_BYTES:
            raise LookupFailed(SMP_BAD_ANSWER, f"GET {url}: answer larger than the limit")
        if time.monotonic() > deadline:
            raise LookupFailed(SMP_UNREACHABLE, f"GET {url}: answer took too long")
        chunks.append(chunk)
    return b"".join(chunks)


def _document_types(body: bytes) -> tuple[str, ...]:
    try:
        root = parse_xml(body, max_bytes=MAX_SERVICE_GROUP_BYTES)
    except XmlRejected as exc:
        raise LookupFailed(SMP_BAD_ANSWER, str(exc)) from exc
    if root.tag != f"{{{SMP_NAMESPACE}}}ServiceGroup":
        raise LookupFailed(SMP_BAD_ANSWER, f"root element is {root.tag!r}, not ServiceGroup")

    found: dict[str, None] = {}
    references = root.iterfind(
        f"{{{SMP_NAMESPACE}}}ServiceMetadataReferenceCollection"
        f"/{{{SMP_NAMESPACE}}}ServiceMetadataReference"
    )
    for reference in references:
        document_type = _document_type_from_href(reference.get("href") or "")
        if document_type:
            found.setdefault(document_type, None)
    return tuple(found)


def _document_type_from_href(href: str) -> str:
    # Cut the raw href, before decoding: an SMP that leaves "#" unencoded would otherwise
    # lose half the id to a URL fragment. The last "/services/" wins because the SMP's own
    # base path may contain that word; the encoded id itself cannot contain a "/".
    _, separator, encoded = href.strip().rpartition("/services/")
    if not separator or not encoded:
        return ""
    document_type = unquote(encoded)
    # Some SMPs encode twice; a Peppol id always has "::" once properly decoded.
    if "::" not in document_type and "%3a%3a" in document_type.lower():
        document_type = unquote(document_type)
    return document_type


def _normalise_document_type(document_type: str) -> str:
    # The identifier scheme is case-insensitive; the busdox-docid-qns value is not.
    scheme, separator, value = document_type.partition("::")
    if not separator:
        return document_type
    return f"{scheme.lower()}::{value}"


# --- Service metadata: where a participant receives one document type ----------------

BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
AS4_TRANSPORT_PROFILE = "peppol-transport-as4-v2_0"
WSA_NAMESPACE = "http://www.w3.org/2005/08/addressing"

NOT_ON_PEPPOL = gettext_noop("The receiver is not on the Peppol network.")
TYPE_NOT_ACCEPTED = gettext_noop(
    "The receiver is on the Peppol network but does not accept this document type.")
SMP_UNTRUSTED = gettext_noop(
    "The receiver's Peppol service provider answered with service metadata that is not "
    "signed by a trusted SMP certificate.")
NO_AS4_ENDPOINT = gettext_noop(
    "The receiver's Peppol service provider names no AS4 access point for this document type "
    "and process.")
ENDPOINT_NOT_HTTPS = gettext_noop(
    "The receiver's Peppol access point cannot be used: its address, as the receiver's Peppol "
    "service provider publishes it, uses %(scheme)s, and Peppol requires https.")


@dataclass(frozen=True)
class Endpoint:
    """The access point that receives a document type for a participant."""

    url: str
    certificate_der: bytes
    document_type: str
    process: str


class NotReceivable(Exception):
    """A clear "no": the participant cannot receive this document; ``message`` says why."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class UnusableEndpoint(Exception):
    """The participant is on Peppol, but the access point its SMP names cannot be sent to,
    and asking again will not change that until the receiver's provider corrects it.
    ``message`` is a user-facing constant with ``params``; ``detail`` is for staff."""

    def __init__(self, message: str, *, params: dict | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.params = params or {}
        self.detail = detail


def service_endpoint(
    scheme: str,
    value: str,
    document_type: str,
    config: SmlConfig,
    process: str = BILLING_PROCESS,
    http: requests.Session | None = None,
    smp_trust: tuple[x509.Certificate, ...] = (),
    allow_http: bool = False,
) -> Endpoint:
    """The AS4 endpoint of the participant for `document_type` and `process`. With
    `smp_trust`, the service metadata must be signed by a certificate it issued. Peppol AS4
    endpoints are https; `allow_http` also accepts plain http, for local stand-ins.

    Raises :class:`NotReceivable` for a clear no, :class:`UnusableEndpoint` for an endpoint
    that cannot be used, :class:`LookupFailed` when no answer could be had."""
    smp_url = _resolve_smp_url(sml_dns_name(scheme, value, config.zone), config)
    if smp_url is None:
        raise NotReceivable(NOT_ON_PEPPOL, "no Meta:SMP record")
    participant = participant_id(scheme, value)
    body = _fetch_service_group(smp_url, participant, config, http)
    if body is None:
        raise NotReceivable(NOT_ON_PEPPOL, "the SMP does not know the participant")
    wanted = _normalise_document_type(document_type)
    if wanted not in {_normalise_document_type(d) for d in _document_types(body)}:
        raise NotReceivable(TYPE_NOT_ACCEPTED, document_type)
    metadata_url = (f"{smp_url.rstrip('/')}/{quote(participant, safe='')}/services/"
                    f"{quote(document_type, safe='')}")
    metadata = _fetch_url(metadata_url, config, http)
    if metadata is None:
        raise NotReceivable(TYPE_NOT_ACCEPTED, f"GET {metadata_url}: 404")
    endpoint = _endpoint_from_metadata(metadata, document_type, process, smp_trust)
    scheme = endpoint.url.partition("://")[0].lower()
    if scheme != "https" and not allow_http:
        raise UnusableEndpoint(ENDPOINT_NOT_HTTPS, params={"scheme": scheme},
                               detail=f"AS4 endpoint {endpoint.url[:300]}")
    return endpoint


def _fetch_url(url: str, config: SmlConfig, http: requests.Session | None) -> bytes | None:
    session = http or requests.Session()
    deadline = time.monotonic() + config.timeout
    try:
        with session.get(url, timeout=(config.timeout, config.timeout), stream=True,
                         headers={"Accept": "application/xml, text/xml;q=0.9"}) as response:
            if response.status_code == 404:
                return None
            if response.status_code >= 500:
                raise LookupFailed(SMP_ERROR, f"GET {url}: HTTP {response.status_code}")
            if response.status_code != 200:
                raise LookupFailed(SMP_BAD_ANSWER, f"GET {url}: HTTP {response.status_code}")
            return _read_limited(response, url, deadline)
    except requests.Timeout as exc:
        raise LookupFailed(SMP_UNREACHABLE, f"GET {url}: timed out") from exc
    except requests.RequestException as exc:
        raise LookupFailed(SMP_UNREACHABLE, f"GET {url}: {exc}") from exc
    finally:
        if http is None:
            session.close()


def _endpoint_from_metadata(body: bytes, document_type: str, process: str,
                            smp_trust: tuple[x509.Certificate, ...]) -> Endpoint:
    try:
        root = parse_xml(body, max_bytes=MAX_SERVICE_GROUP_BYTES)
    except XmlRejected as exc:
        raise LookupFailed(SMP_BAD_ANSWER, str(exc)) from exc
    if smp_trust:
        try:
            xmldsig.verify_enveloped(root, smp_trust)
        except xmldsig.SignatureInvalid as exc:
            raise NotReceivable(SMP_UNTRUSTED, str(exc)) from exc
    ns = {"smp": SMP_NAMESPACE, "ids": "http://busdox.org/transport/identifiers/1.0/",
          "wsa": WSA_NAMESPACE}
    information = root.find(".//smp:ServiceInformation", ns)
    if information is None:
        raise LookupFailed(SMP_BAD_ANSWER, "no ServiceInformation in the service metadata")
    for process_element in information.iterfind("smp:ProcessList/smp:Process", ns):
        if (process_element.findtext("ids:ProcessIdentifier", "", ns) or "").strip() != process:
            continue
        for endpoint in process_element.iterfind("smp:ServiceEndpointList/smp:Endpoint", ns):
            if endpoint.get("transportProfile") != AS4_TRANSPORT_PROFILE:
                continue
            url = (endpoint.findtext("wsa:EndpointReference/wsa:Address", "", ns)
                   or endpoint.findtext("smp:EndpointURI", "", ns)).strip()
            certificate = "".join((endpoint.findtext("smp:Certificate", "", ns)).split())
            try:
                der = base64.b64decode(certificate, validate=True)
                x509.load_der_x509_certificate(der)
            except ValueError as exc:
                raise LookupFailed(SMP_BAD_ANSWER, "the endpoint's certificate is not "
                                                   "readable") from exc
            if not url.lower().startswith(("http://", "https://")) or not der:
                raise LookupFailed(SMP_BAD_ANSWER, "the AS4 endpoint lacks a URL or a "
                                                   "certificate")
            return Endpoint(url=url, certificate_der=der, document_type=document_type,
                            process=process)
    raise NotReceivable(NO_AS4_ENDPOINT, f"{document_type} / {process}")
