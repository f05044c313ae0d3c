"""The Peppol reachability lookup, run against local DNS and SMP stand-ins over real sockets."""

import base64
import hashlib
import re
import socket
import time
from datetime import UTC

import pytest
import requests

from invoices.peppol import smp
from invoices.peppol.smp import LookupFailed, Reachability, SmlConfig, lookup, sml_dns_name
from invoices.peppol.xmlsafe import (
    XmlForbiddenDoctype,
    XmlMalformed,
    XmlRejected,
    XmlTooLarge,
    parse_xml,
)
from tests.standins.dns_smp import (
    CREDIT_NOTE,
    INVOICE,
    TEST_SML_ZONE,
    Naptr,
    PeppolNetwork,
    participant_dns_name,
)

ORDER = (
    "busdox-docid-qns::urn:oasis:names:specification:ubl:schema:xsd:Order-2::Order"
    "##urn:fdc:peppol.eu:poacc:trns:order:3::2.1"
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ServiceGroup xmlns="http://busdox.org/serviceMetadata/publishing/1.0/">&lol9;</ServiceGroup>
"""


@pytest.fixture
def peppol():
    with PeppolNetwork() as network:
        yield network


def config_for(network: PeppolNetwork, timeout: float = 2.0) -> SmlConfig:
    return SmlConfig(**network.sml_settings(), timeout=timeout)


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_builds_the_sml_dns_name_from_the_lowercased_identifier():
    # Worked out once by hand: sha256 of the lower-cased "scheme:value", RFC 4648 Base32.
    digest = hashlib.sha256(b"0106:12345678").digest()
    label = base64.b32encode(digest).decode().rstrip("=")
    assert label.lower() == "ke4w67iqg2gnwnfgnshca7gmurfsabuojiefuewx3vnocmdpnifq"

    name = sml_dns_name("0106", "12345678", TEST_SML_ZONE)

    assert name.lower() == f"{label}.iso6523-actorid-upis.{TEST_SML_ZONE}".lower()
    assert re.fullmatch(
        r"[a-z2-7]{52}\.iso6523-actorid-upis\.acc\.edelivery\.tech\.ec\.europa\.eu", name
    )
    assert sml_dns_name("9944", "NL123456789B01", smp.PRODUCTION_ZONE) == sml_dns_name(
        "9944", "nl123456789b01", smp.PRODUCTION_ZONE
    )
    assert sml_dns_name("9944", "NL123456789B01", smp.PRODUCTION_ZONE).endswith(
        ".iso6523-actorid-upis.edelivery.tech.ec.europa.eu"
    )
    # The stand-in hashes on its own; both must agree or the DNS tests prove nothing.
    assert participant_dns_name("9944", "NL123456789B01", TEST_SML_ZONE) == sml_dns_name(
        "9944", "NL123456789B01", TEST_SML_ZONE
    )


def test_it_has_presets_for_the_production_and_test_sml():
    assert smp.SML_PRODUCTION.zone == "edelivery.tech.ec.europa.eu"
    assert smp.SML_TEST.zone == "acc.edelivery.tech.ec.europa.eu"
    assert smp.SML_PRODUCTION.nameservers is None


def test_it_finds_a_participant_that_accepts_invoices_and_credit_notes(peppol):
    peppol.register("0106", "12345678", [INVOICE, CREDIT_NOTE, ORDER])

    result = lookup("0106", "12345678", config_for(peppol))

    assert result.registered
    assert result.accepts_invoice
    assert result.accepts_credit_note
    assert result.smp_url == peppol.smp.url
    assert result.document_types == (INVOICE, CREDIT_NOTE, ORDER)
    assert result.error == ""
    assert result.checked_at.tzinfo is UTC
    assert peppol.smp.requests == ["/iso6523-actorid-upis%3A%3A0106%3A12345678"]


def test_it_finds_a_participant_that_accepts_only_invoices(peppol):
    peppol.register("0190", "00000001234567890000", [INVOICE])

    result = lookup("0190", "00000001234567890000", config_for(peppol))

    assert result.registered
    assert result.accepts_invoice
    assert not result.accepts_credit_note
    assert result.document_types == (INVOICE,)


def test_it_matches_the_identifier_whatever_its_case(peppol):
    peppol.register("9944", "nl123456789b01", [INVOICE, CREDIT_NOTE])

    result = lookup("9944", "NL123456789B01", config_for(peppol))

    assert result.registered
    assert result.accepts_invoice


def test_it_compares_the_document_type_scheme_case_insensitively(peppol):
    shouting = INVOICE.replace("busdox-docid-qns::", "BUSDOX-DOCID-QNS::")
    wrong_value_case = CREDIT_NOTE.replace("CreditNote-2", "creditnote-2")
    peppol.register("0106", "12345678", [shouting, wrong_value_case])

    result = lookup("0106", "12345678", config_for(peppol))

    assert result.accepts_invoice
    # The document type value itself is case-sensitive in Peppol.
    assert not result.accepts_credit_note


def test_it_reports_a_participant_missing_from_the_sml_as_not_on_peppol(peppol):
    result = lookup("0106", "87654321", config_for(peppol))

    assert result == Reachability(registered=False, checked_at=result.checked_at)
    assert result.error == ""
    assert peppol.dns.queries == [sml_dns_name("0106", "87654321", TEST_SML_ZONE).lower()]
    assert peppol.smp.requests == []


def test_it_ignores_naptr_records_for_other_services(peppol):
    name = participant_dns_name("0106", "12345678", peppol.dns.zone)
    peppol.dns.add_record(name, Naptr(100, 10, "U", "Meta:SMP-other", "!^.*$!http://x!"))

    result = lookup("0106", "12345678", config_for(peppol))

    assert not result.registered
    assert result.error == ""
    assert peppol.smp.requests == []


def test_it_prefers_the_meta_smp_record_with_the_lowest_order(peppol):
    peppol.register("0106", "12345678", [INVOICE])
    name = participant_dns_name("0106", "12345678", peppol.dns.zone)
    peppol.dns.add_record(name, Naptr(200, 10, "U", "Meta:SMP", "!^.*$!http://127.0.0.1:9!"))

    result = lookup("0106", "12345678", config_for(peppol))

    assert result.smp_url == peppol.smp.url


def test_it_treats_an_smp_404_as_not_registered(peppol):
    peppol.dns.add_participant("0106", "12345678", peppol.smp.url)

    result = lookup("0106", "12345678", config_for(peppol))

    assert not result.registered
    assert not result.accepts_invoice
    assert result.smp_url == peppol.smp.url
    assert result.error == ""


def test_it_raises_lookup_failed_when_the_smp_answers_500(peppol):
    peppol.register("0106", "12345678", [INVOICE])
    peppol.smp.fail_with = 500

    with pytest.raises(LookupFailed) as failure:
        lookup("0106", "12345678", config_for(peppol))

    assert failure.value.message == smp.SMP_ERROR
    assert "500" in failure.value.detail
    stored = Reachability.from_failure(failure.value)
    assert not stored.registered
    assert stored.error == smp.SMP_ERROR


def test_it_raises_lookup_failed_quickly_when_dns_does_not_answer(peppol):
    peppol.register("0106", "12345678", [INVOICE])
    peppol.dns.drop_queries = True

    started = time.monotonic()
    with pytest.raises(LookupFailed) as failure:
        lookup("0106", "12345678", config_for(peppol, timeout=0.3))

    assert failure.value.message == smp.DNS_UNAVAILABLE
    assert time.monotonic() - started < 2


def test_it_raises_lookup_failed_when_the_smp_is_unreachable(peppol):
    peppol.dns.add_participant("0106", "12345678", f"http://127.0.0.1:{free_tcp_port()}")

    with pytest.raises(LookupFailed) as failure:
        lookup("0106", "12345678", config_for(peppol))

    assert failure.value.message == smp.SMP_UNREACHABLE


def test_it_raises_lookup_failed_when_the_smp_is_too_slow(peppol):
    peppol.register("0106", "12345678", [INVOICE])
    peppol.smp.delay = 1.5

    started = time.monotonic()
    with pytest.raises(LookupFailed) as failure:
        lookup("0106", "12345678", config_for(peppol, timeout=0.3))

    assert failure.value.message == smp.SMP_UNREACHABLE
    assert time.monotonic() - started < 1.5


def test_it_uses_the_callers_http_session(peppol):
    peppol.register("0106", "12345678", [INVOICE])
    with requests.Session() as session:
        session.headers["User-Agent"] = "portal-test"
        result = lookup("0106", "12345678", config_for(peppol), http=session)

    assert result.accepts_invoice


def test_it_raises_lookup_failed_on_an_answer_that_is_not_a_service_group(peppol):
    peppol.dns.add_participant("0106", "12345678", peppol.smp.url)
    peppol.smp.set_raw_answer("0106", "12345678", b"<html><body>Welcome</body></html>")

    with pytest.raises(LookupFailed) as failure:
        lookup("0106", "12345678", config_for(peppol))

    assert failure.value.message == smp.SMP_BAD_ANSWER


def test_it_raises_lookup_failed_on_broken_xml(peppol):
    peppol.dns.add_participant("0106", "12345678", peppol.smp.url)
    peppol.smp.set_raw_answer("0106", "12345678", b"<ServiceGroup><unclosed>")

    with pytest.raises(LookupFailed) as failure:
        lookup("0106", "12345678", config_for(peppol))

    assert failure.value.message == smp.SMP_BAD_ANSWER


def test_it_refuses_an_smp_answer_with_entity_declarations(peppol):
    peppol.dns.add_participant("0106", "12345678", peppol.smp.url)
    peppol.smp.set_raw_answer("0106", "12345678", BILLION_LAUGHS)

    with pytest.raises(LookupFailed) as failure:
        lookup("0106", "12345678", config_for(peppol))

    assert failure.value.message == smp.SMP_BAD_ANSWER


def test_it_refuses_xml_with_an_entity_declaration():
    with pytest.raises(XmlForbiddenDoctype, match="DOCTYPE"):
        parse_xml(BILLION_LAUGHS)


def test_it_refuses_xml_with_an_external_entity(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    document = (f'<!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]><r>&x;</r>').encode()

    with pytest.raises(XmlRejected) as refused:
        parse_xml(document)

    assert "TOP-SECRET" not in str(refused.value)


def test_it_refuses_oversize_xml():
    document = b"<a>" + b"x" * 2000 + b"</a>"

    with pytest.raises(XmlTooLarge, match="2,007 bytes, more than the limit of 1,000 bytes"):
        parse_xml(document, max_bytes=1000)

    assert parse_xml(document, max_bytes=2007).tag == "a"


def test_it_refuses_malformed_and_empty_xml():
    with pytest.raises(XmlMalformed):
        parse_xml(b"<a><b></a>")
    with pytest.raises(XmlMalformed):
        parse_xml(b"   ")
    with pytest.raises(TypeError):
        parse_xml("<a/>")


def test_it_parses_an_ordinary_document_with_namespaces():
    root = parse_xml(
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
        b"<!-- a comment is fine --></Invoice>"
    )

    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"


def test_it_refuses_an_entity_declaration_in_any_encoding_or_after_a_comment():
    with pytest.raises(XmlForbiddenDoctype):
        parse_xml(
            BILLION_LAUGHS.replace(b'version="1.0"', b'version="1.0" encoding="UTF-16"')
            .decode()
            .encode("utf-16")
        )
    with pytest.raises(XmlForbiddenDoctype):
        parse_xml(
            b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- hi --><!DOCTYPE a [<!ENTITY e 'x'>]><a/>"
        )
    with pytest.raises(XmlForbiddenDoctype):
        parse_xml(b"<!DOCTYPE a><a/>")


def test_it_accepts_the_word_doctype_inside_the_document_body():
    root = parse_xml(b"<a><!-- <!DOCTYPE html> --><b><![CDATA[<!DOCTYPE html><p>x</p>]]></b></a>")

    assert root.findtext("b") == "<!DOCTYPE html><p>x</p>"
