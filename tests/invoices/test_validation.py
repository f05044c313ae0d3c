"""What the validator says about a document, and how it treats hostile XML and other rules."""

import json
import threading
from pathlib import Path

import pytest

from invoices.peppol import validation
from invoices.peppol.validation import RuleMessage, ValidationReport, Validator, validate
from tests.invoices.validation_support import BIS, SI_UBL_TESTS, needs_shared

pytestmark = needs_shared

BIS_3 = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CUSTOMIZATION = f"<cbc:CustomizationID>{BIS_3}</cbc:CustomizationID>".encode()


@pytest.fixture(scope="module")
def base() -> bytes:
    return (BIS / "examples" / "base-example.xml").read_bytes()


def changed(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


def test_it_passes_a_valid_invoice_with_the_rule_set_and_release_named(base):
    report = validate(base)
    assert report.valid and report.xsd_valid
    assert report.document_type == "Invoice"
    assert report.customization_id == BIS_3
    assert (report.rules, report.release) == ("Peppol BIS Billing 3.0", "3.0.21")
    assert report.messages == report.fatal == report.warnings == []
    assert report.verdict == (
        "Valid under Peppol BIS Billing 3.0 (release 3.0.21). Fatal errors: 0, warnings: 0.")


def test_it_knows_a_credit_note():
    report = validate((BIS / "examples" / "base-creditnote-correction.xml").read_bytes())
    assert report.valid
    assert report.document_type == "CreditNote"


def test_it_refuses_an_invoice_whose_totals_do_not_add_up(base):
    data = changed(base, b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.25',
                   b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.26')
    report = validate(data)
    assert not report.valid and report.xsd_valid
    assert report.fatal_rule_ids == ["BR-CO-15", "BR-CO-16"]
    fatal = next(m for m in report.fatal if m.rule_id == "BR-CO-15")
    assert fatal.flag == "fatal"
    assert fatal.location == "/ubl:Invoice[1]"
    assert fatal.text.startswith("[BR-CO-15]-Invoice total amount with VAT (BT-112)")
    assert report.verdict == (
        "Refused under Peppol BIS Billing 3.0 (release 3.0.21). Fatal errors: 2, warnings: 0.")


def test_it_keeps_a_warning_apart_from_fatal_errors_and_still_passes(base):
    data = changed(base, b"<cbc:CustomizationID>",
                   b"<cbc:UBLVersionID>2.0</cbc:UBLVersionID><cbc:CustomizationID>")
    report = validate(data)
    assert report.valid
    assert report.fatal == []
    assert [(m.rule_id, m.flag) for m in report.warnings] == [("UBL-CR-002", "warning")]
    assert report.warning_rule_ids == ["UBL-CR-002"]
    assert report.verdict == (
        "Valid under Peppol BIS Billing 3.0 (release 3.0.21). Fatal errors: 0, warnings: 1.")


def test_it_stops_at_schema_errors_before_the_rules(base):
    data = changed(base, b"<cbc:CustomizationID>", b"<cbc:Bogus>1</cbc:Bogus><cbc:CustomizationID>")
    report = validate(data)
    assert not report.valid and not report.xsd_valid
    assert report.stopped_at == "xsd"
    assert (report.rules, report.release) == ("", "")
    assert report.customization_id == BIS_3
    assert [(m.rule_id, m.flag, m.location) for m in report.messages] == [
        ("XSD", "fatal", "/*/cbc:Bogus")]
    assert report.messages[0].text.startswith(
        "Line 5: Element 'cbc:Bogus': This element is not expected. Expected is one of ( "
        "ext:UBLExtensions, cbc:UBLVersionID, cbc:CustomizationID,")
    assert report.fatal_rule_ids == report.warning_rule_ids == []
    assert report.verdict == (
        "Refused: the document does not match the UBL 2.1 Invoice schema. Schema errors: 1.")


def test_it_refuses_an_unknown_customization_id(base):
    data = changed(base, BIS_3.encode(), b"urn:example:my-own-invoice:1.0")
    report = validate(data)
    assert not report.valid and report.xsd_valid
    assert report.stopped_at == "customization"
    assert report.customization_id == "urn:example:my-own-invoice:1.0"
    assert report.rules == ""
    assert report.verdict == (
        "Refused: the CustomizationID “urn:example:my-own-invoice:1.0” names no rule set "
        f"checked here. Accepted: Peppol BIS Billing 3.0 ({BIS_3}); SI-UBL 2.0 (NLCIUS) "
        "(urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0).")


def test_it_refuses_a_document_without_customization_id(base):
    report = validate(changed(base, CUSTOMIZATION, b""))
    assert not report.valid
    assert report.customization_id is None
    assert report.verdict.startswith(
        "Refused: the document has no CustomizationID, which names the rules it follows. "
        "Accepted: Peppol BIS Billing 3.0 (")


def test_it_refuses_a_document_that_is_no_invoice_or_credit_note():
    order = (b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2">'
             b'<ID xmlns="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
             b'1</ID></Order>')
    report = validate(order)
    assert not report.valid
    assert report.document_type is None
    assert report.stopped_at == "document_type"
    assert report.verdict == (
        "Refused: the document’s root element is Order (urn:oasis:names:specification:ubl:"
        "schema:xsd:Order-2), not a UBL 2.1 Invoice or CreditNote.")


def test_it_refuses_with_a_reason_where_the_si_ubl_rules_stop_with_xpty0004():
    path = SI_UBL_TESTS / "SI-UBL-2.0_UBL-SR-09_error_multiple_legalentity_registrationname.xml"
    report = validate(path.read_bytes())
    assert not report.valid and report.xsd_valid
    assert (report.rules, report.release) == ("SI-UBL 2.0 (NLCIUS)", "2.0.3.13")
    assert report.verdict == (
        "Refused: the SI-UBL 2.0 (NLCIUS) rules (release 2.0.3.13) could not be evaluated on "
        "this document, because it holds more than one value where the rules expect one (for "
        "example two names for one party). Error XPTY0004.")
    [message] = report.messages
    assert (message.rule_id, message.flag) == ("RULES-STOPPED", "fatal")
    assert message.text.startswith(
        "XPTY0004: A sequence of more than one item { (\"SimplerInvoicing\", "
        "\"SimplerInvoicing Two\") } is not allowed as the first argument of "
        "fn:normalize-space().")
    assert report.fatal_rule_ids == ["RULES-STOPPED"]


def test_it_round_trips_a_report_through_json(base):
    data = changed(base, b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.25',
                   b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.26')
    data = changed(data, b"<cbc:CustomizationID>",
                   b"<cbc:UBLVersionID>2.0</cbc:UBLVersionID><cbc:CustomizationID>")
    report = validate(data)
    stored = json.loads(json.dumps(report.to_dict()))
    assert stored["messages"][0].keys() == {"rule_id", "flag", "location", "text"}
    again = ValidationReport.from_dict(stored)
    assert again == report
    assert again.render_verdict() == report.verdict
    assert again.fatal == report.fatal and again.warnings == report.warnings
    assert again.fatal and again.warnings
    assert isinstance(again.messages[0], RuleMessage)


def test_the_sample_the_rules_warm_up_on_is_a_valid_bis_invoice():
    report = validate(validation._sample_document().encode())
    assert report.valid and not report.messages
    assert report.rules == "Peppol BIS Billing 3.0"


def test_it_gives_the_same_answers_from_many_threads_at_once():
    paths = sorted((BIS / "examples").glob("*.xml"))[:4] + sorted(SI_UBL_TESTS.glob("*.xml"))[:8]
    documents = [path.read_bytes() for path in paths]
    expected = [validate(data).to_dict() for data in documents]
    results, errors = {}, []

    def work(worker):
        try:
            results[worker] = [validate(data).to_dict() for data in documents]
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [results[worker] == expected for worker in range(4)] == [True] * 4


# Hostile and broken input is refused by the parser; nothing reaches the schema or the rules.

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol4;</Invoice>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&secret;</Invoice>"""
PLAIN_DOCTYPE = (b'<!DOCTYPE Invoice SYSTEM "http://example.invalid/ubl.dtd">'
                 b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>')
DEEP = (f'<Invoice xmlns="{INVOICE_NS}">'.encode() + b"<a>" * 100_000 + b"</a>" * 100_000
        + b"</Invoice>")


DOCTYPE_REFUSED = ("Refused: the document contains a DOCTYPE (a DTD or entity declarations), "
                   "which is not accepted.")


@pytest.mark.parametrize(("data", "verdict"), [
    (BILLION_LAUGHS, DOCTYPE_REFUSED),
    (EXTERNAL_ENTITY, DOCTYPE_REFUSED),
    (PLAIN_DOCTYPE, DOCTYPE_REFUSED),
    (DEEP, "Refused: the document is not well-formed XML (Excessive depth in document: 256,"),
    (b"", "Refused: the document is empty."),
    (b" \n", "Refused: the document is empty."),
    (b"%PDF-1.7 not xml", "Refused: the document is not well-formed XML (Start tag expected"),
    (b"<Invoice><unclosed></Invoice>", "Refused: the document is not well-formed XML ("),
], ids=["billion-laughs", "external-entity", "doctype", "deep-nesting", "empty", "blank",
        "pdf", "malformed"])
def test_it_refuses_hostile_or_broken_xml_before_any_check(data, verdict, capfd):
    report = validate(data)
    assert not report.valid and not report.xsd_valid
    assert report.stopped_at == "xml"
    assert report.messages == []
    assert (report.document_type, report.rules) == (None, "")
    assert report.verdict.startswith(verdict)
    assert "lol" not in report.verdict
    assert capfd.readouterr() == ("", "")


def test_it_refuses_a_document_over_the_size_limit(base):
    report = Validator().validate(base, max_bytes=1000)
    assert not report.valid
    assert report.stopped_at == "xml"
    assert report.verdict == (
        f"Refused: the document is {len(base):,} bytes, more than the limit of 1,000 bytes.")


# Another release of the rules, from a directory.

SVRL_RULE = """<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
  <xsl:template match="/">
    <svrl:schematron-output>
      <svrl:failed-assert id="{rule}" flag="{flag}"
          location="/Q{{{{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}}}}Invoice[1]">
        <svrl:text>{text}</svrl:text>
      </svrl:failed-assert>
    </svrl:schematron-output>
  </xsl:template>
</xsl:stylesheet>
"""


def write_rules(directory: Path, release: str, cen: str, peppol: str) -> Path:
    rules = directory / "bis-billing-3" / "rules"
    rules.mkdir(parents=True)
    (rules / "PEPPOL-EN16931-UBL.sch").write_text(
        f"<?xml version='1.0'?>\n<!--\nLast update: 2027 May release {release}.\n-->\n<schema/>\n")
    (rules / "CEN-EN16931-UBL.xsl").write_text(cen)
    (rules / "PEPPOL-EN16931-UBL.xsl").write_text(peppol)
    return directory


@pytest.fixture
def default_validator_restored():
    # The tests below swap the process-wide validator; the compiled official rules come back.
    saved = validation._default
    yield
    validation._default = saved


def test_it_runs_the_release_peppol_rules_dir_points_at(tmp_path, monkeypatch, base,
                                                        default_validator_restored):
    write_rules(
        tmp_path, "3.0.99",
        SVRL_RULE.format(rule="NEW-CEN-1", flag="warning", text="A newer CEN rule."),
        SVRL_RULE.format(rule="NEW-PEPPOL-1", flag="fatal", text="A newer Peppol rule."),
    )
    monkeypatch.setenv("PEPPOL_RULES_DIR", str(tmp_path))
    validation.configure(None)
    report = validate(base)
    assert (report.rules, report.release) == ("Peppol BIS Billing 3.0", "3.0.99")
    assert [(m.rule_id, m.flag, m.location, m.text) for m in report.messages] == [
        ("NEW-CEN-1", "warning", "/ubl:Invoice[1]", "A newer CEN rule."),
        ("NEW-PEPPOL-1", "fatal", "/ubl:Invoice[1]", "A newer Peppol rule."),
    ]
    assert report.verdict == (
        "Refused under Peppol BIS Billing 3.0 (release 3.0.99). Fatal errors: 1, warnings: 1.")
    # The parts the directory leaves out come from the package.
    assert validation.default_validator().rule_sets["nlcius"].release == "2.0.3.13"


def test_it_takes_the_newest_si_ubl_release_in_a_rules_dir(tmp_path):
    rules = tmp_path / "si-ubl-2.0" / "rules"
    rules.mkdir(parents=True)
    for name in ("si-ubl-2.0.3.13.xsl", "si-ubl-2.0.10.1.xsl", "si-ubl-2.0.4.xsl"):
        (rules / name).write_text("<xsl:stylesheet/>")
    rule_set = Validator(tmp_path).rule_sets["nlcius"]
    assert rule_set.release == "2.0.10.1"
    assert rule_set.stylesheets == (rules / "si-ubl-2.0.10.1.xsl",)
    assert Validator(tmp_path).rule_sets["bis"].release == "3.0.21"


def test_it_lets_no_rule_read_files_or_urls(tmp_path, base):
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret")
    reader = SVRL_RULE.format(
        rule="READS-FILE", flag="warning",
        text=f"<xsl:value-of select=\"unparsed-text('{secret.as_uri()}')\"/>")
    report = Validator(write_rules(tmp_path / "rules", "3.0.98", reader, reader)).validate(base)
    assert not report.valid
    [message] = report.messages
    assert message.rule_id == "RULES-STOPPED"
    assert "prohibited" in message.text
    assert "the secret" not in json.dumps(report.to_dict())


def test_the_packaged_rules_are_declared_as_package_data():
    import tomllib

    repo = Path(__file__).resolve().parents[2]
    pyproject = tomllib.loads((repo / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["invoices.peppol"]
    package = repo / "invoices" / "peppol"
    declared = {path for pattern in patterns for path in package.glob(pattern) if path.is_file()}
    shipped = {path for path in (package / "rules").rglob("*") if path.is_file()}
    assert len(shipped) > 30
    assert shipped <= declared


def test_it_renders_the_verdict_through_a_translation_function(base):
    report = validate(base)
    assert report.verdict_key == "valid"
    assert report.verdict_params == {"rules": "Peppol BIS Billing 3.0", "release": "3.0.21",
                                     "warnings": 0}
    dutch = {validation.VERDICTS["valid"]: "Goedgekeurd volgens {rules} ({release})."}
    assert report.render_verdict(dutch.get) == (
        "Goedgekeurd volgens Peppol BIS Billing 3.0 (3.0.21).")


@pytest.mark.parametrize("layout", ["missing", "empty"])
def test_it_refuses_a_rules_dir_that_holds_no_rules(tmp_path, layout):
    directory = tmp_path / "rules"
    if layout == "empty":
        directory.mkdir()
    with pytest.raises(validation.RulesUnavailable) as excinfo:
        Validator(directory)
    assert str(excinfo.value) == (
        f"The rules directory {directory} has none of ubl-2.1/, bis-billing-3/rules/, "
        "si-ubl-2.0/rules/.")


def test_a_task_worker_compiles_the_rules_as_it_starts_and_a_batch_run_does_not(
        monkeypatch):
    from portal.tasks import worker_started

    fresh = Validator()
    monkeypatch.setattr(validation, "_default", fresh)

    answers = dict(worker_started.send(sender=None, worker_id="w1", batch=True))
    assert answers[validation.warm_up_in_background] is None
    assert fresh._compiled == {}

    answers = dict(worker_started.send(sender=None, worker_id="w2", batch=False))
    answers[validation.warm_up_in_background].join(timeout=120)
    assert set(fresh._compiled) == {"bis", "nlcius"}


def test_it_reads_a_text_longer_than_libxml2s_cap_but_not_deep_nesting_with_it():
    from invoices.peppol.xmlsafe import XmlMalformed, parse_xml

    long_text = b"x" * 10_000_001

    assert len(parse_xml(b"<a>" + long_text + b"</a>").text) == len(long_text)
    # The same in a CDATA section, as SOAP clients wrap a payload, which libxml2 refuses in
    # words of its own.
    assert len(parse_xml(b"<a><![CDATA[" + long_text + b"]]></a>").text) == len(long_text)
    with pytest.raises(XmlMalformed, match="Excessive depth"):
        parse_xml(b"<a>" * 300 + long_text + b"</a>" * 300)
