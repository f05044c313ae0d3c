"""Local stand-ins for the Peppol SML (a DNS server) and an SMP (an HTTP server).

Both speak the real protocols on 127.0.0.1, so the product's lookup runs unchanged against
them: the DNS stand-in answers real NAPTR records over UDP, the SMP stand-in serves real
ServiceGroup XML. The participant's DNS name is computed here without importing the product
code, so a hashing mistake on either side makes the tests fail instead of agreeing with itself.

Usage in a test module::

    @pytest.fixture
    def peppol():
        with PeppolNetwork() as network:
            yield network

    def test_it_...(peppol):
        peppol.register("0106", "12345678", [INVOICE])
        lookup("0106", "12345678", SmlConfig(**peppol.sml_settings(), timeout=1))
"""

from __future__ import annotations

import base64
import hashlib
import socketserver
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.IN.NAPTR
from lxml import etree

from tests.standins.serving import BackgroundServer

TEST_SML_ZONE = "acc.edelivery.tech.ec.europa.eu"
PARTICIPANT_SCHEME = "iso6523-actorid-upis"
SMP_NS = "http://busdox.org/serviceMetadata/publishing/1.0/"
IDS_NS = "http://busdox.org/transport/identifiers/1.0/"
WSA_NS = "http://www.w3.org/2005/08/addressing"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
AS4_PROFILE = "peppol-transport-as4-v2_0"

INVOICE = (
    "busdox-docid-qns::urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
CREDIT_NOTE = (
    "busdox-docid-qns::urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)

_BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _base32_without_padding(data: bytes) -> str:
    # RFC 4648 section 6 written out, deliberately not base64.b32encode: this is the second,
    # independent implementation the product's hashing is checked against.
    bits = "".join(f"{byte:08b}" for byte in data)
    bits += "0" * (-len(bits) % 5)
    return "".join(_BASE32_ALPHABET[int(bits[i : i + 5], 2)] for i in range(0, len(bits), 5))


def participant_dns_name(scheme: str, value: str, zone: str) -> str:
    identifier = f"{scheme}:{value}".lower().encode("utf-8")
    label = _base32_without_padding(hashlib.sha256(identifier).digest())
    return f"{label}.{PARTICIPANT_SCHEME}.{zone}".lower()


@dataclass(frozen=True)
class Naptr:
    order: int
    preference: int
    flags: str
    service: str
    regexp: str

    @classmethod
    def meta_smp(cls, smp_url: str) -> Naptr:
        return cls(100, 10, "U", "Meta:SMP", f"!^.*$!{smp_url}!")


class DnsStandIn(BackgroundServer):
    """An authoritative-looking DNS server for the SML zone, answering NAPTR over UDP."""

    def __init__(self, zone: str = TEST_SML_ZONE, host: str = "127.0.0.1") -> None:
        self.zone = zone.strip(".").lower()
        self.host = host
        self.records: dict[str, list[Naptr]] = {}
        # True makes the server swallow queries, which a client sees as a timeout.
        self.drop_queries = False
        self.queries: list[str] = []
        self._lock = threading.Lock()

    @property
    def participants(self) -> dict[str, str]:
        """``{dns_name: smp_url}`` for every name with a Meta:SMP record."""
        with self._lock:
            return {
                name: record.regexp.split("!")[2]
                for name, records in self.records.items()
                for record in records
                if record.service == "Meta:SMP"
            }

    def add_participant(self, scheme: str, value: str, smp_url: str) -> str:
        name = participant_dns_name(scheme, value, self.zone)
        self.add_record(name, Naptr.meta_smp(smp_url))
        return name

    def add_record(self, dns_name: str, record: Naptr) -> None:
        with self._lock:
            self.records.setdefault(dns_name.strip(".").lower(), []).append(record)

    def remove(self, dns_name: str) -> None:
        with self._lock:
            self.records.pop(dns_name.strip(".").lower(), None)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the DNS stand-in is not running")
        return self._server.server_address[1]

    def _make_server(self) -> socketserver.UDPServer:
        standin = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data, sock = self.request
                reply = standin._answer(data)
                if reply is not None:
                    sock.sendto(reply, self.client_address)

        server = socketserver.ThreadingUDPServer((self.host, 0), Handler)
        server.daemon_threads = True
        return server

    def _answer(self, data: bytes) -> bytes | None:
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return None
        if self.drop_queries or not query.question:
            return None
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        with self._lock:
            self.queries.append(name)
            records = list(self.records.get(name, ()))

        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if not records:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.NAPTR:
            rrset = response.find_rrset(
                response.answer,
                question.name,
                dns.rdataclass.IN,
                dns.rdatatype.NAPTR,
                create=True,
            )
            for record in records:
                rrset.add(
                    dns.rdtypes.IN.NAPTR.NAPTR(
                        dns.rdataclass.IN,
                        dns.rdatatype.NAPTR,
                        record.order,
                        record.preference,
                        record.flags.encode(),
                        record.service.encode(),
                        record.regexp.encode(),
                        dns.name.root,
                    ),
                    ttl=60,
                )
        # Any other type for a known name: NOERROR with an empty answer, as real DNS does.
        return response.to_wire()


class SmpStandIn(BackgroundServer):
    """An SMP answering ``GET /iso6523-actorid-upis::{scheme}:{value}`` with a ServiceGroup."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.document_types: dict[str, list[str]] = {}
        # Raw answers for a participant, to serve broken or hostile XML: (status, body).
        self.raw: dict[str, tuple[int, bytes]] = {}
        # (private key, certificate DER) that signs service metadata; None leaves it unsigned.
        self.signer = None
        # {participant key: {document type: (endpoint URL, certificate DER, process)}}
        self.endpoints: dict[str, dict[str, tuple[str, bytes, str]]] = {}
        self.fail_with: int | None = None
        self.delay = 0.0
        self.requests: list[str] = []
        self._lock = threading.Lock()

    @staticmethod
    def key(scheme: str, value: str) -> str:
        # Participant ids are case-insensitive, and so is this SMP's lookup of them.
        return f"{PARTICIPANT_SCHEME}::{scheme}:{value}".lower()

    def add_participant(self, scheme: str, value: str, document_types: Iterable[str]) -> None:
        with self._lock:
            self.document_types[self.key(scheme, value)] = list(document_types)

    def add_endpoint(self, scheme: str, value: str, document_type: str, url: str,
                     certificate_der: bytes, process: str = BILLING_PROCESS) -> None:
        """Where the participant receives `document_type`: an AS4 access point."""
        with self._lock:
            self.endpoints.setdefault(self.key(scheme, value), {})[document_type] = (
                url, certificate_der, process)

    def service_metadata_xml(self, participant: str, document_type: str,
                             endpoint: tuple[str, bytes, str]) -> bytes:
        url, certificate_der, process = endpoint
        nsmap = {None: SMP_NS, "ids": IDS_NS, "wsa": WSA_NS}
        signed = etree.Element(f"{{{SMP_NS}}}SignedServiceMetadata", nsmap=nsmap)
        metadata = etree.SubElement(signed, f"{{{SMP_NS}}}ServiceMetadata")
        information = etree.SubElement(metadata, f"{{{SMP_NS}}}ServiceInformation")
        identifier = etree.SubElement(information, f"{{{IDS_NS}}}ParticipantIdentifier",
                                      scheme=PARTICIPANT_SCHEME)
        identifier.text = participant.split("::", 1)[1]
        document = etree.SubElement(information, f"{{{IDS_NS}}}DocumentIdentifier",
                                    scheme="busdox-docid-qns")
        document.text = document_type.split("::", 1)[1]
        process_element = etree.SubElement(
            etree.SubElement(information, f"{{{SMP_NS}}}ProcessList"), f"{{{SMP_NS}}}Process")
        etree.SubElement(process_element, f"{{{IDS_NS}}}ProcessIdentifier",
                         scheme="cenbii-procid-ubl").text = process
        endpoint_element = etree.SubElement(
            etree.SubElement(process_element, f"{{{SMP_NS}}}ServiceEndpointList"),
            f"{{{SMP_NS}}}Endpoint", transportProfile=AS4_PROFILE)
        reference = etree.SubElement(endpoint_element, f"{{{WSA_NS}}}EndpointReference")
        etree.SubElement(reference, f"{{{WSA_NS}}}Address").text = url
        etree.SubElement(endpoint_element, f"{{{SMP_NS}}}RequireBusinessLevelSignature"
                         ).text = "false"
        etree.SubElement(endpoint_element, f"{{{SMP_NS}}}Certificate").text = \
            base64.b64encode(certificate_der).decode()
        etree.SubElement(endpoint_element, f"{{{SMP_NS}}}ServiceDescription").text = \
            "Test access point"
        etree.SubElement(endpoint_element, f"{{{SMP_NS}}}TechnicalContactUrl").text = \
            "https://example.test/"
        if self.signer is not None:
            self._sign(signed, *self.signer)
        return etree.tostring(signed, xml_declaration=True, encoding="UTF-8", standalone=True)

    @staticmethod
    def _sign(root, key, certificate_der: bytes) -> None:
        """An enveloped XML signature (inclusive C14N, RSA-SHA256), as SMPs sign."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        c14n = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
        digest = hashlib.sha256(etree.tostring(root, method="c14n")).digest()
        ds = f"{{{DSIG_NS}}}"
        signature = etree.SubElement(root, f"{ds}Signature", nsmap={"ds": DSIG_NS})
        info = etree.SubElement(signature, f"{ds}SignedInfo")
        etree.SubElement(info, f"{ds}CanonicalizationMethod", Algorithm=c14n)
        etree.SubElement(info, f"{ds}SignatureMethod",
                         Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
        reference = etree.SubElement(info, f"{ds}Reference", URI="")
        transforms = etree.SubElement(reference, f"{ds}Transforms")
        etree.SubElement(transforms, f"{ds}Transform",
                         Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature")
        etree.SubElement(reference, f"{ds}DigestMethod",
                         Algorithm="http://www.w3.org/2001/04/xmlenc#sha256")
        etree.SubElement(reference, f"{ds}DigestValue").text = \
            base64.b64encode(digest).decode()
        value = key.sign(etree.tostring(info, method="c14n"), padding.PKCS1v15(),
                         hashes.SHA256())
        etree.SubElement(signature, f"{ds}SignatureValue").text = base64.b64encode(value).decode()
        data = etree.SubElement(etree.SubElement(signature, f"{ds}KeyInfo"), f"{ds}X509Data")
        etree.SubElement(data, f"{ds}X509Certificate").text = \
            base64.b64encode(certificate_der).decode()

    def set_raw_answer(self, scheme: str, value: str, body: bytes, status: int = 200) -> None:
        with self._lock:
            self.raw[self.key(scheme, value)] = (status, body)

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the SMP stand-in is not running")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def service_group_xml(self, participant: str, document_types: Iterable[str]) -> bytes:
        nsmap = {None: SMP_NS, "ids": IDS_NS}
        root = etree.Element(f"{{{SMP_NS}}}ServiceGroup", nsmap=nsmap)
        identifier = etree.SubElement(root, f"{{{IDS_NS}}}ParticipantIdentifier")
        identifier.set("scheme", PARTICIPANT_SCHEME)
        identifier.text = participant.split("::", 1)[1]
        collection = etree.SubElement(root, f"{{{SMP_NS}}}ServiceMetadataReferenceCollection")
        for document_type in document_types:
            reference = etree.SubElement(collection, f"{{{SMP_NS}}}ServiceMetadataReference")
            reference.set(
                "href",
                f"{self.url}/{quote(participant, safe='')}/services/"
                f"{quote(document_type, safe='')}",
            )
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _make_server(self) -> ThreadingHTTPServer:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = standin._answer(self.path)
                if standin.delay:
                    time.sleep(standin.delay)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer((self.host, 0), Handler)
        server.daemon_threads = True
        # A delayed answer must not hold up stop() once the client has given up.
        server.block_on_close = False
        return server

    def _answer(self, raw_path: str) -> tuple[int, bytes]:
        with self._lock:
            self.requests.append(raw_path)
        if self.fail_with is not None:
            return self.fail_with, b"<error>stand-in failure</error>"
        path = raw_path.split("?", 1)[0].lstrip("/")
        encoded_participant, services, encoded_type = path.partition("/services/")
        participant = unquote(encoded_participant)
        key = participant.lower()
        with self._lock:
            raw = self.raw.get(key)
            document_types = self.document_types.get(key)
            endpoints = dict(self.endpoints.get(key, {}))
        if raw is not None and not services:
            return raw
        if services:
            document_type = unquote(encoded_type)
            endpoint = endpoints.get(document_type)
            if endpoint is None:
                return 404, b"<error>no metadata for this document type</error>"
            return 200, self.service_metadata_xml(participant, document_type, endpoint)
        if not key.startswith(f"{PARTICIPANT_SCHEME}::") or document_types is None:
            return 404, b"<error>participant not found</error>"
        return 200, self.service_group_xml(participant, document_types)


class PeppolNetwork:
    """Both stand-ins, wired together: a registered participant's NAPTR points at the SMP."""

    def __init__(self, zone: str = TEST_SML_ZONE) -> None:
        self.dns = DnsStandIn(zone)
        self.smp = SmpStandIn()

    def register(self, scheme: str, value: str, document_types: Iterable[str]) -> str:
        """Put a participant in DNS and in the SMP; returns its DNS name."""
        self.smp.add_participant(scheme, value, document_types)
        return self.dns.add_participant(scheme, value, self.smp.url)

    def sml_settings(self) -> dict[str, object]:
        """Keyword arguments for the product's SmlConfig, pointing at this DNS stand-in."""
        return {"zone": self.dns.zone, "nameservers": [self.dns.host], "port": self.dns.port}

    def start(self) -> PeppolNetwork:
        self.dns.start()
        try:
            self.smp.start()
        except BaseException:
            self.dns.stop()
            raise
        return self

    def stop(self) -> None:
        self.smp.stop()
        self.dns.stop()

    def __enter__(self) -> PeppolNetwork:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
