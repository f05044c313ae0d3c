"""Check a UBL invoice or credit note against the official Peppol rules.

A document is read with the hardened parser, checked against the UBL 2.1 schema for its
type, and then against the rule set its CustomizationID names: Peppol BIS Billing 3.0 (the
CEN EN 16931 rules plus the Peppol rules) or SI-UBL 2.0, the Dutch NLCIUS. The rules are the
official Schematron compiled to XSLT 2.0, run with saxonche.

Compiling a rule stylesheet takes seconds and running one takes milliseconds, so each
stylesheet is compiled once per process, on first use, and then shared between threads.
Once the first stylesheet is compiled Saxon's access to external resources is switched off
for good: the rules carry all their code lists inline, so nothing a document says can make
the rules read a file or a URL. saxonche keeps that switch for the whole process, so any
other use of saxonche in the same process cannot read files or URLs either; later
stylesheets are compiled from text for that reason.

The rules live in ``invoices/peppol/rules/`` (package data) in the same layout as the
published releases: ``ubl-2.1/``, ``bis-billing-3/rules/`` and ``si-ubl-2.0/rules/``. The
environment variable ``PEPPOL_RULES_DIR`` (or :func:`configure`) points at a directory laid
out the same way to run a newer release; a part missing there comes from the package. The
release is read from the rule files themselves and named in every report.

Nothing here imports Django.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .text import gettext_noop
from .xmlsafe import (
    DEFAULT_MAX_BYTES,
    XmlForbiddenDoctype,
    XmlRejected,
    XmlTooLarge,
    parse_xml,
)

logger = logging.getLogger(__name__)

_ = gettext_noop

# Verdicts as templates, filled in only after translation (ValidationReport.render_verdict).
# Counts are given as "label: number", so that no template depends on a plural form.
VERDICTS = {
    "valid": _("Valid under {rules} (release {release}). Fatal errors: 0, warnings: "
               "{warnings}."),
    "refused": _("Refused under {rules} (release {release}). Fatal errors: {fatal}, "
                 "warnings: {warnings}."),
    "rules_stopped_xpty0004": _(
        "Refused: the {rules} rules (release {release}) could not be evaluated on this "
        "document, because it holds more than one value where the rules expect one (for "
        "example two names for one party). Error XPTY0004."),
    "rules_stopped": _("Refused: the {rules} rules (release {release}) stopped with an error "
                       "on this document."),
    "xsd": _("Refused: the document does not match the {schema} {document_type} schema. "
             "Schema errors: {errors}."),
    "customization_unknown": _("Refused: the CustomizationID “{customization_id}” names no "
                               "rule set checked here. Accepted: {accepted}."),
    "customization_missing": _("Refused: the document has no CustomizationID, which names "
                               "the rules it follows. Accepted: {accepted}."),
    "document_type": _("Refused: the document’s root element is {element}, not a UBL 2.1 "
                       "Invoice or CreditNote."),
    "empty": _("Refused: the document is empty."),
    "too_large": _("Refused: the document is {size} bytes, more than the limit of {limit} "
                   "bytes."),
    "doctype": _("Refused: the document contains a DOCTYPE (a DTD or entity declarations), "
                 "which is not accepted."),
    "malformed": _("Refused: the document is not well-formed XML ({detail})."),
    "unreadable": _("Refused: the file cannot be read ({detail})."),
}


PACKAGE_RULES_DIR = Path(__file__).resolve().with_name("rules")
RULES_DIR_VARIABLE = "PEPPOL_RULES_DIR"
RULES_DIR_PARTS = ("ubl-2.1", "bis-billing-3/rules", "si-ubl-2.0/rules")

BIS_BILLING_3 = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
NLCIUS = "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0"

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
SVRL_NS = "http://purl.oclc.org/dsdl/svrl"

DOCUMENT_TYPES = {
    f"{{{INVOICE_NS}}}Invoice": "Invoice",
    f"{{{CREDIT_NOTE_NS}}}CreditNote": "CreditNote",
}
SCHEMA_FILES = {
    "Invoice": "maindoc/UBL-Invoice-2.1.xsd",
    "CreditNote": "maindoc/UBL-CreditNote-2.1.xsd",
}
SCHEMA_NAME = "UBL 2.1"

FATAL = "fatal"
WARNING = "warning"

# Rule ids of messages that do not come from a rule: the schema check, and a rule set that
# stopped with an error of its own.
XSD_RULE_ID = "XSD"
RULES_STOPPED_RULE_ID = "RULES-STOPPED"

# More schema errors than this tell a user nothing new, and would bloat a stored report.
MAX_SCHEMA_MESSAGES = 50

# Saxon's switch for which URI schemes doc(), document(), unparsed-text() and friends may use.
_ALLOWED_PROTOCOLS = "http://saxon.sf.net/feature/allowedProtocols"

# The locations in SVRL are XPaths with Clark-style names; these prefixes make them readable.
_LOCATION_PREFIXES = {
    CBC_NS: "cbc",
    CAC_NS: "cac",
    INVOICE_NS: "ubl",
    CREDIT_NOTE_NS: "cn",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2": "ext",
}
_QNAME = re.compile(r"Q\{([^}]*)\}")
# One step of a location: a name (Clark-style names keep their slashes) and its predicates.
_STEP = re.compile(r"(?:Q\{[^}]*\})?[^/]+")
_POSITION = re.compile(r"\[(\d+)\]$")
# The parts of an invoice or credit note a report names in short beside a location, by the
# local name of the element under the root; the portal says each in the reader's language.
PLACES = {
    "LegalMonetaryTotal": "totals",
    "AccountingSupplierParty": "supplier",
    "AccountingCustomerParty": "customer",
    "TaxTotal": "vat",
    "InvoiceLine": "line",
    "CreditNoteLine": "line",
    "PaymentMeans": "payment",
    "PaymentTerms": "payment",
    "Delivery": "delivery",
    "AllowanceCharge": "allowance_charge",
    "PayeeParty": "payee",
}

# What the schema check's (libxml2's) commonest messages mean, in plain words, as templates
# filled in after translation (RuleMessage.render_explanation); the message itself stays
# beside it, as the official text.
SCHEMA_EXPLANATIONS = {
    "missing_before": _("{expected} is missing before {element}, or {element} is out of "
                        "place."),
    "missing_before_or": _("{expected} (or {others}) is missing before {element}, or "
                           "{element} is out of place."),
    "missing_before_one_of": _("{expected} (or one of {others}) is missing before "
                               "{element}, or {element} is out of place."),
    "missing_before_unsure": _("{element} is out of place, or an element is missing before "
                               "it. Expected there: one of {others}, or an element that may "
                               "follow them."),
    "not_expected": _("{element} is not allowed here: it is out of place, or it is not part "
                      "of this document at all."),
    "wrong_namespace": _("{element} has the wrong namespace: write it as {expected}."),
    "missing_child": _("{expected} is missing in {element}."),
    "missing_child_or": _("{expected} (or {others}) is missing in {element}."),
    "missing_child_one_of": _("{expected} (or one of {others}) is missing in {element}."),
    "missing_child_unsure": _("An element is missing in {element}. Expected there: one of "
                              "{others}, or an element that may follow them."),
    "empty_value": _("{element} is empty, but it needs a value."),
    "not_a_date": _("{element} holds “{value}”, which is not a date: write a date as "
                    "YYYY-MM-DD, for example 2026-11-30."),
    "not_a_time": _("{element} holds “{value}”, which is not a time: write a time as "
                    "hh:mm:ss, for example 14:30:00."),
    "not_a_number": _("{element} holds “{value}”, which is not a number: write a number with "
                      "a point before the decimals, without thousands separators or "
                      "symbols, for example 1234.50."),
    "not_true_or_false": _("{element} holds “{value}”, but it can only be true or false."),
    "invalid_value": _("{element} holds “{value}”, which is not a valid value for it."),
    "attribute_missing": _("{element} needs the attribute {attribute}, which is missing."),
    "attribute_not_allowed": _("{element} may not have the attribute {attribute}."),
    "text_not_allowed": _("{element} holds text of its own, but may only contain other "
                          "elements."),
    "elements_not_allowed": _("{element} contains other elements, but may only hold a "
                              "value."),
}
_SCHEMA_MESSAGE = re.compile(r"(?:Line \d+: )?Element '(?P<element>[^']+)'"
                             r"(?:, attribute '[^']+')?: (?P<says>.*)", re.DOTALL)
_EXPECTED = r"Expected is (?:one of )?\( (?P<expected>.*?) \)\."
_NOT_EXPECTED = re.compile(rf"This element is not expected\.(?: {_EXPECTED})?")
_MISSING_CHILD = re.compile(rf"Missing child element\(s\)\. {_EXPECTED}")
_INVALID_VALUE = re.compile(r"'(?P<value>.*)' is not a valid value of the (?:local )?atomic "
                            r"type(?: '(?P<type>[^']+)')?\.")
_ATTRIBUTE_MISSING = re.compile(r"The attribute '(?P<attribute>[^']+)' is required but "
                                r"missing\.")
_ATTRIBUTE_NOT_ALLOWED = re.compile(r"The attribute '(?P<attribute>[^']+)' is not allowed\.")
_TEXT_NOT_ALLOWED = "Character content other than whitespace is not allowed"
_ELEMENTS_NOT_ALLOWED = "Element content is not allowed"
# libxml2 names at most this many expected elements, and says nothing when it left some out:
# a list this long may lack the element that is really missing.
_MOST_EXPECTED = 10
_NUMBER_TYPES = {"xs:decimal", "xs:integer", "xs:nonNegativeInteger", "xs:positiveInteger"}
# UBL's amounts, quantities and the like restrict xs:decimal, which libxml2 then calls "the
# local atomic type".
_NUMBER_ELEMENTS = ("Amount", "Quantity", "Percent", "Numeric", "Rate", "Measure")


@dataclass(frozen=True)
class RuleMessage:
    rule_id: str
    flag: str  # "fatal" or "warning"
    location: str  # an XPath into the document
    text: str

    def to_dict(self) -> dict:
        return {"rule_id": self.rule_id, "flag": self.flag, "location": self.location,
                "text": self.text}

    @property
    def shown_text(self) -> str:
        """The official text without the ``[BR-CO-16]-`` it starts with when that repeats
        this message's rule id, which a report shows beside it; otherwise as written."""
        if self.rule_id:
            lead = f"[{self.rule_id}]"
            if self.text.startswith(lead):
                rest = self.text[len(lead):].lstrip()
                rest = rest[1:].lstrip() if rest.startswith(("-", ":")) else rest
                if rest:
                    return rest
        return self.text

    @property
    def explanation(self) -> tuple[str, dict] | None:
        """For a message of the schema check that libxml2 words tersely, what it means: a
        key of SCHEMA_EXPLANATIONS and its parameters; None for any other message."""
        return _explain_schema(self.text) if self.rule_id == XSD_RULE_ID else None

    def render_explanation(self, translate=gettext_noop) -> str:
        """The explanation in the language of ``translate``; empty when there is none."""
        found = self.explanation
        if found is None:
            return ""
        key, params = found
        try:
            return translate(SCHEMA_EXPLANATIONS[key]).format(**params)
        except (KeyError, IndexError, ValueError):
            return SCHEMA_EXPLANATIONS[key].format(**params)

    @property
    def place(self) -> str:
        """The part of the document the location lies in, as a key of PLACES ("totals",
        "line", ...), "document" for the root or one of its own fields, or "" when the part
        has no short name (the XPath says it)."""
        return _place(self.location)[0]

    @property
    def line_number(self) -> int | None:
        """For a location in an invoice or credit note line: which line, counted from 1 in
        the document's order."""
        return _place(self.location)[1]

    @classmethod
    def from_dict(cls, data: dict) -> RuleMessage:
        return cls(rule_id=str(data.get("rule_id", "")), flag=str(data.get("flag", FATAL)),
                   location=str(data.get("location", "")), text=str(data.get("text", "")))


@dataclass
class ValidationReport:
    valid: bool
    xsd_valid: bool
    document_type: str | None
    customization_id: str | None
    rules: str
    release: str
    messages: list[RuleMessage] = field(default_factory=list)
    verdict: str = ""  # in English; render_verdict() translates
    verdict_key: str = ""
    verdict_params: dict = field(default_factory=dict)
    # Where the check stopped before running the rules: "xml", "document_type", "xsd",
    # "customization", or "" when the rules ran (even if they then stopped with an error).
    stopped_at: str = ""
    schema: str = SCHEMA_NAME

    @property
    def fatal(self) -> list[RuleMessage]:
        return [message for message in self.messages if message.flag == FATAL]

    @property
    def warnings(self) -> list[RuleMessage]:
        return [message for message in self.messages if message.flag == WARNING]

    @property
    def fatal_rule_ids(self) -> list[str]:
        """Sorted ids of the rules that failed as fatal; empty when the rules did not run."""
        return _rule_ids(self.fatal) if self.xsd_valid else []

    @property
    def warning_rule_ids(self) -> list[str]:
        return _rule_ids(self.warnings) if self.xsd_valid else []

    def render_verdict(self, translate=gettext_noop) -> str:
        """The verdict in the language of ``translate`` (Django's gettext, for one)."""
        template = VERDICTS.get(self.verdict_key)
        if template is None:
            return self.verdict
        try:
            return translate(template).format(**self.verdict_params)
        except (KeyError, IndexError, ValueError):
            return self.verdict

    @classmethod
    def refused(cls, key: str, stopped_at: str, **params) -> ValidationReport:
        """A report for a document refused before any check, such as a file that cannot be read."""
        return cls(valid=False, xsd_valid=False, document_type=None, customization_id=None,
                   rules="", release="", stopped_at=stopped_at, verdict_key=key,
                   verdict_params=params, verdict=VERDICTS[key].format(**params))

    def to_dict(self) -> dict:
        return {
            "valid": self.valid,
            "xsd_valid": self.xsd_valid,
            "document_type": self.document_type,
            "customization_id": self.customization_id,
            "schema": self.schema,
            "rules": self.rules,
            "release": self.release,
            "verdict": self.verdict,
            "verdict_key": self.verdict_key,
            "verdict_params": self.verdict_params,
            "stopped_at": self.stopped_at,
            "messages": [message.to_dict() for message in self.messages],
        }

    @classmethod
    def from_dict(cls, data: dict) -> ValidationReport:
        return cls(
            valid=bool(data.get("valid", False)),
            xsd_valid=bool(data.get("xsd_valid", False)),
            document_type=data.get("document_type"),
            customization_id=data.get("customization_id"),
            rules=str(data.get("rules", "")),
            release=str(data.get("release", "")),
            messages=[RuleMessage.from_dict(item) for item in data.get("messages", [])],
            verdict=str(data.get("verdict", "")),
            verdict_key=str(data.get("verdict_key", "")),
            verdict_params=dict(data.get("verdict_params") or {}),
            stopped_at=str(data.get("stopped_at", "")),
            schema=str(data.get("schema", SCHEMA_NAME)),
        )


def _rule_ids(messages: list[RuleMessage]) -> list[str]:
    return sorted({message.rule_id for message in messages if message.rule_id != XSD_RULE_ID})


@dataclass(frozen=True)
class RuleSet:
    key: str  # "bis" or "nlcius"
    name: str
    release: str
    customization_id: str
    stylesheets: tuple[Path, ...]
    directory: Path


def _first_dir(bases: list[Path], part: str) -> Path:
    for base in bases:
        if (base / part).is_dir():
            return base / part
    return PACKAGE_RULES_DIR / part


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(piece) for piece in version.split(".") if piece.isdigit())


def _bis_release(directory: Path) -> str:
    # The Peppol Schematron names its release in its header ("Last update: ... release 3.0.21").
    for name in ("PEPPOL-EN16931-UBL.sch", "PEPPOL-EN16931-UBL.xsl"):
        path = directory / name
        if path.is_file():
            with path.open("r", encoding="utf-8", errors="replace") as handle:
                head = handle.read(4096)
            found = re.search(r"release\s+(\d+(?:\.\d+)+)", head, re.IGNORECASE)
            if found:
                return found.group(1)
    return "unknown"


def _si_ubl_stylesheet(directory: Path) -> tuple[Path, str]:
    # The compiled SI-UBL rules carry their release in the file name (si-ubl-2.0.3.13.xsl);
    # with several releases side by side the newest one is used.
    candidates = []
    for path in directory.glob("si-ubl-*.xsl"):
        found = re.fullmatch(r"si-ubl-(\d+(?:\.\d+)+)\.xsl", path.name)
        if found:
            candidates.append((_version_key(found.group(1)), found.group(1), path))
    if not candidates:
        return directory / "si-ubl.xsl", "unknown"
    _, release, path = max(candidates)
    return path, release


# One Saxon processor per process: it owns the configuration that switches off external
# resources, and every compiled stylesheet belongs to it.
_saxon_lock = threading.Lock()
_saxon = None


def _saxon_processor():
    global _saxon
    if _saxon is None:
        with _saxon_lock:
            if _saxon is None:
                from saxonche import PySaxonProcessor

                _saxon = PySaxonProcessor(license=False)
    return _saxon


class RulesUnavailable(RuntimeError):
    """A rule file is missing or does not compile: a fault of the installation, not the document."""


# How often freshly compiled rules run on a sample document before they check documents.
PRIMING_RUNS = 12


def _sample_document() -> str:
    """A small valid Peppol BIS invoice, serialized for Saxon."""
    from datetime import date
    from decimal import Decimal

    from .ubl.writer import Address, DocumentSpec, Line, Party, build

    def party(name, kvk, vat_id=""):
        return Party(name, "0106", kvk, Address("Hoofdstraat 1", "Utrecht", "3511 AA", "NL"),
                     "0106", kvk, vat_id)

    data = build(DocumentSpec(
        number="SAMPLE-1", issue_date=date(2026, 1, 1), due_date=date(2026, 2, 1),
        supplier=party("Sample Supplier BV", "12345678", "NL004495445B01"),
        customer=party("Sample Customer BV", "87654321"),
        lines=[Line("Sample", Decimal("1"), Decimal("100.00"))], buyer_reference="SAMPLE",
        iban="NL91ABNA0417164300"))
    return etree.tostring(etree.fromstring(data), encoding="unicode")


class _CompiledRules:
    def __init__(self, rule_set: RuleSet):
        self.rule_set = rule_set
        processor = _saxon_processor()
        self.executables = []
        with _saxon_lock:
            compiler = processor.new_xslt30_processor()
            for path in rule_set.stylesheets:
                # Compiled from text, so that compiling needs no file access of Saxon's own
                # and still works after external resources are switched off.
                try:
                    text = path.read_text(encoding="utf-8")
                except OSError as error:
                    raise RulesUnavailable(f"Cannot read the rules file {path}: {error}") from error
                try:
                    executable = compiler.compile_stylesheet(stylesheet_text=text)
                except Exception as error:
                    raise RulesUnavailable(f"The rules file {path} does not compile: {error}") \
                        from error
                executable.set_property("!indent", "no")
                self.executables.append(executable)
            processor.set_configuration_property(_ALLOWED_PROTOCOLS, "")
        # Saxon pauses once for a few hundred milliseconds at about the tenth run of the
        # rules in a process; running them on a sample now keeps that pause out of the way
        # of the documents.
        sample = _sample_document()
        for _run in range(PRIMING_RUNS):
            self.run(sample)

    def run(self, serialized: str) -> list[RuleMessage]:
        """Messages of every stylesheet; saxonche raises when a rule cannot be evaluated."""
        node = _saxon_processor().parse_xml(xml_text=serialized)
        messages: list[RuleMessage] = []
        for executable in self.executables:
            output = executable.transform_to_string(xdm_node=node)
            messages.extend(_svrl_messages(output))
        return messages


_SVRL_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False}


def _svrl_messages(output: str) -> list[RuleMessage]:
    root = etree.fromstring(output.encode("utf-8"), etree.XMLParser(**_SVRL_PARSER_OPTIONS))
    messages = []
    for element in root.iter(f"{{{SVRL_NS}}}failed-assert", f"{{{SVRL_NS}}}successful-report"):
        flag = (element.get("flag") or FATAL).strip().lower()
        text_element = element.find(f"{{{SVRL_NS}}}text")
        text = " ".join("".join(text_element.itertext()).split()) if text_element is not None \
            else ""
        messages.append(RuleMessage(
            rule_id=element.get("id") or "",
            flag=WARNING if flag in ("warning", "information") else FATAL,
            location=readable_location(element.get("location") or ""),
            text=text,
        ))
    return messages


def _place(location: str) -> tuple[str, int | None]:
    if not location.startswith("/"):
        return "", None
    steps = _STEP.findall(location)
    if len(steps) < 2:
        return "document", None
    step = steps[1]
    # A name in a namespace without a prefix here keeps its Clark form, Q{namespace}Name.
    name = re.sub(r"^Q\{[^}]*\}", "", step.split("[", 1)[0])
    prefix, _colon, local = name.rpartition(":")
    if local in PLACES and prefix != "cbc":
        if PLACES[local] != "line":
            return PLACES[local], None
        # The schema check leaves out the position of an element that is the only one.
        position = _POSITION.search(step)
        return "line", int(position.group(1)) if position else 1
    if prefix == "cbc":
        return "document", None
    return "", None


def _explain_schema(text: str) -> tuple[str, dict] | None:
    found = _SCHEMA_MESSAGE.fullmatch(text.strip())
    if found is None:
        return None
    element, says = found.group("element"), found.group("says").strip()
    if match := _NOT_EXPECTED.fullmatch(says):
        if not match.group("expected"):
            return "not_expected", {"element": element}
        return _expected_explanation("missing_before", element, match.group("expected"))
    if match := _MISSING_CHILD.fullmatch(says):
        return _expected_explanation("missing_child", element, match.group("expected"))
    if match := _INVALID_VALUE.fullmatch(says):
        value, kind = match.group("value"), match.group("type") or ""
        if not value.strip():
            key = "empty_value"
        elif kind == "xs:date":
            key = "not_a_date"
        elif kind == "xs:time":
            key = "not_a_time"
        elif kind == "xs:boolean":
            key = "not_true_or_false"
        elif kind in _NUMBER_TYPES or (not kind and element.endswith(_NUMBER_ELEMENTS)):
            key = "not_a_number"
        else:
            key = "invalid_value"
        return key, {"element": element, "value": value}
    if match := _ATTRIBUTE_MISSING.fullmatch(says):
        return "attribute_missing", {"element": element, "attribute": match.group("attribute")}
    if match := _ATTRIBUTE_NOT_ALLOWED.fullmatch(says):
        return "attribute_not_allowed", {"element": element,
                                         "attribute": match.group("attribute")}
    if says.startswith(_TEXT_NOT_ALLOWED):
        return "text_not_allowed", {"element": element}
    if says.startswith(_ELEMENTS_NOT_ALLOWED):
        return "elements_not_allowed", {"element": element}
    return None


def _expected_explanation(kind: str, element: str, listed: str) -> tuple[str, dict] | None:
    """libxml2 lists what may come at the place, in the schema's order: optional elements,
    then the first one that must come, which is the one missing, unless the list was cut."""
    expected = [name.strip() for name in listed.split(",") if name.strip()]
    if not expected:
        return None
    if len(expected) >= _MOST_EXPECTED:
        return f"{kind}_unsure", {"element": element, "others": ", ".join(expected)}
    *others, last = expected
    if kind == "missing_before":
        # <ID> where <cbc:ID> belongs: the right name in the wrong namespace.
        local = element.rpartition(":")[2]
        same = next((name for name in expected if name.rpartition(":")[2] == local), None)
        if same is not None and same != element:
            return "wrong_namespace", {"element": element, "expected": same}
    key = kind if not others else f"{kind}_or" if len(others) == 1 else f"{kind}_one_of"
    return key, {"element": element, "expected": last, "others": ", ".join(others)}


def readable_location(location: str) -> str:
    """``/Q{urn:…:Invoice-2}Invoice[1]/Q{…}ID[1]`` reads ``/ubl:Invoice[1]/cbc:ID[1]``."""
    def prefix(match: re.Match) -> str:
        namespace = match.group(1)
        if not namespace:
            return ""
        known = _LOCATION_PREFIXES.get(namespace)
        return f"{known}:" if known else match.group(0)

    return _QNAME.sub(prefix, location)


class Validator:
    """Validation with one set of rule files. Safe to share between threads."""

    def __init__(self, rules_dir: str | os.PathLike | None = None):
        self.rules_dir = Path(rules_dir) if rules_dir else None
        if self.rules_dir is not None:
            # A mistyped directory would otherwise quietly run the packaged release.
            parts = [self.rules_dir / part for part in RULES_DIR_PARTS]
            if not self.rules_dir.is_dir() or not any(path.is_dir() for path in parts):
                raise RulesUnavailable(
                    f"The rules directory {self.rules_dir} has none of "
                    f"{', '.join(part + '/' for part in RULES_DIR_PARTS)}.")
        bases = [self.rules_dir, PACKAGE_RULES_DIR] if self.rules_dir else [PACKAGE_RULES_DIR]
        self.schema_dir = _first_dir(bases, "ubl-2.1")
        bis_dir = _first_dir(bases, "bis-billing-3/rules")
        si_dir = _first_dir(bases, "si-ubl-2.0/rules")
        si_stylesheet, si_release = _si_ubl_stylesheet(si_dir)
        self.rule_sets = {
            "bis": RuleSet(
                key="bis", name="Peppol BIS Billing 3.0", release=_bis_release(bis_dir),
                customization_id=BIS_BILLING_3,
                stylesheets=(bis_dir / "CEN-EN16931-UBL.xsl", bis_dir / "PEPPOL-EN16931-UBL.xsl"),
                directory=bis_dir,
            ),
            "nlcius": RuleSet(
                key="nlcius", name="SI-UBL 2.0 (NLCIUS)", release=si_release,
                customization_id=NLCIUS, stylesheets=(si_stylesheet,), directory=si_dir,
            ),
        }
        self._by_customization = {rule_set.customization_id: rule_set
                                  for rule_set in self.rule_sets.values()}
        self._lock = threading.Lock()
        self._schemas: dict[str, etree.XMLSchema] = {}
        # An lxml XMLSchema keeps the error log of its last run on itself, so one document
        # is checked at a time per schema; a check takes well under a millisecond.
        self._schema_locks = {name: threading.Lock() for name in SCHEMA_FILES}
        self._compiled: dict[str, _CompiledRules] = {}

    # Compilation, once per validator and rule set.

    def schema(self, document_type: str) -> etree.XMLSchema:
        schema = self._schemas.get(document_type)
        if schema is None:
            with self._lock:
                schema = self._schemas.get(document_type)
                if schema is None:
                    path = self.schema_dir / SCHEMA_FILES[document_type]
                    try:
                        schema = etree.XMLSchema(etree.parse(str(path)))
                    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as error:
                        raise RulesUnavailable(f"Cannot load the schema {path}: {error}") \
                            from error
                    self._schemas[document_type] = schema
        return schema

    def compiled(self, key: str) -> _CompiledRules:
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key)
                if compiled is None:
                    compiled = _CompiledRules(self.rule_sets[key])
                    self._compiled[key] = compiled
        return compiled

    def warm_up(self, keys=("bis", "nlcius")) -> None:
        """Compile now instead of on the first document (a worker can call this at start)."""
        for name in SCHEMA_FILES:
            self.schema(name)
        for key in keys:
            self.compiled(key)

    # Checking.

    def rule_set_for(self, customization_id: str | None) -> RuleSet | None:
        return self._by_customization.get(customization_id or "")

    def check_rules(self, root: etree._Element, key: str) -> list[RuleMessage]:
        """Run one rule set on a parsed document, without the schema check.

        Raises saxonche's PySaxonApiError when a rule cannot be evaluated on the document;
        :meth:`validate` turns that into a refusal.
        """
        return self.compiled(key).run(etree.tostring(root, encoding="unicode"))

    def validate(self, data: bytes, max_bytes: int | None = None) -> ValidationReport:
        try:
            root = parse_xml(data) if max_bytes is None else parse_xml(data, max_bytes)
        except XmlRejected as error:
            return _refused_by_parser(error, data, max_bytes)

        document_type = DOCUMENT_TYPES.get(root.tag)
        if document_type is None:
            return ValidationReport.refused("document_type", "document_type",
                                            element=_describe_tag(root.tag))
        customization_id = _customization_id(root)
        report = ValidationReport(
            valid=False, xsd_valid=False, document_type=document_type,
            customization_id=customization_id, rules="", release="",
        )

        schema_messages = self._schema_messages(root, document_type)
        if schema_messages:
            report.messages = schema_messages[:MAX_SCHEMA_MESSAGES]
            report.stopped_at = "xsd"
            return _with_verdict(report, "xsd", schema=SCHEMA_NAME, document_type=document_type,
                                 errors=len(schema_messages))
        report.xsd_valid = True

        rule_set = self.rule_set_for(customization_id)
        if rule_set is None:
            report.stopped_at = "customization"
            accepted = "; ".join(f"{r.name} ({r.customization_id})"
                                 for r in self.rule_sets.values())
            if customization_id:
                return _with_verdict(report, "customization_unknown", accepted=accepted,
                                     customization_id=customization_id)
            return _with_verdict(report, "customization_missing", accepted=accepted)

        report.rules, report.release = rule_set.name, rule_set.release
        names = {"rules": rule_set.name, "release": rule_set.release}
        try:
            report.messages = self.check_rules(root, rule_set.key)
        except RulesUnavailable:
            raise
        except Exception as error:
            # The SI-UBL rules, for one, stop with XPTY0004 on a party with two names where
            # they expect one. The document is refused; the message says why.
            message, key = _rules_stopped(error)
            report.messages = [message]
            return _with_verdict(report, key, **names)

        fatal, warnings = len(report.fatal), len(report.warnings)
        report.valid = fatal == 0
        if fatal:
            return _with_verdict(report, "refused", fatal=fatal, warnings=warnings, **names)
        return _with_verdict(report, "valid", warnings=warnings, **names)

    def _schema_messages(self, root: etree._Element, document_type: str) -> list[RuleMessage]:
        schema = self.schema(document_type)
        with self._schema_locks[document_type]:
            if schema.validate(root):
                return []
            entries = list(schema.error_log)
        messages = [
            RuleMessage(rule_id=XSD_RULE_ID, flag=FATAL,
                        location=readable_location(_clark_to_q(entry.path or "")),
                        text=f"Line {entry.line}: {readable_location(_clark_to_q(entry.message))}")
            for entry in entries
        ]
        return messages or [RuleMessage(XSD_RULE_ID, FATAL, "/", "The schema check failed.")]


def _clark_to_q(path: str) -> str:
    # lxml reports paths with prefixes of its own ("/*/cbc:ID") or Clark names; both read fine,
    # but Clark names are turned into the prefixed form used for rule locations.
    return re.sub(r"\{([^}]*)\}", r"Q{\1}", path)


def _customization_id(root: etree._Element) -> str | None:
    element = root.find(f"{{{CBC_NS}}}CustomizationID")
    if element is None or element.text is None:
        return None
    return " ".join(element.text.split()) or None


def _describe_tag(tag) -> str:
    qname = etree.QName(tag)
    return f"{qname.localname} ({qname.namespace})" if qname.namespace else qname.localname


def _with_verdict(report: ValidationReport, key: str, **params) -> ValidationReport:
    report.verdict_key, report.verdict_params = key, params
    report.verdict = VERDICTS[key].format(**params)
    return report


def _refused_by_parser(error: XmlRejected, data, max_bytes: int | None) -> ValidationReport:
    if isinstance(error, XmlTooLarge):
        return ValidationReport.refused("too_large", "xml", size=f"{len(data):,}",
                                        limit=f"{max_bytes or DEFAULT_MAX_BYTES:,}")
    if isinstance(error, XmlForbiddenDoctype):
        return ValidationReport.refused("doctype", "xml")
    if not bytes(data).strip():
        return ValidationReport.refused("empty", "xml")
    detail = str(error.__cause__ or error)
    return ValidationReport.refused("malformed", "xml", detail=detail)


def _rules_stopped(error: Exception) -> tuple[RuleMessage, str]:
    detail = " ".join(str(error).split()) or type(error).__name__
    if "more than one item" in detail:
        text = (f"XPTY0004: {detail}. The document holds more than one value where the rules "
                "expect one, so the rules cannot judge it.")
        key = "rules_stopped_xpty0004"
    else:
        text = f"The rules stopped with an error: {detail}"
        key = "rules_stopped"
    return RuleMessage(rule_id=RULES_STOPPED_RULE_ID, flag=FATAL, location="/", text=text), key


_default_lock = threading.Lock()
_default: Validator | None = None


def warm_up_in_background(batch=False, **kwargs) -> threading.Thread | None:
    """Compile the rules in a thread of their own as a task worker starts, so that its first
    document does not wait for them; a document that comes sooner waits only for what is
    left. Not for a worker that runs what is waiting and exits (`batch`): it compiles only
    when a document asks. The thread is not a daemon: a worker that stops meanwhile exits
    once the compiling is done, never in the middle of it."""
    if batch:
        return None

    def warm_up():
        try:
            default_validator().warm_up()
        except RulesUnavailable:
            logger.exception("the Peppol rules could not be compiled in advance")

    thread = threading.Thread(target=warm_up, name="warm-up-rules")
    thread.start()
    return thread


def default_validator() -> Validator:
    """The process-wide validator: the rules ``PEPPOL_RULES_DIR`` names, or the packaged ones."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Validator(os.environ.get(RULES_DIR_VARIABLE) or None)
    return _default


def configure(rules_dir: str | os.PathLike | None) -> Validator:
    """From now on use the rules in ``rules_dir`` (None: ``PEPPOL_RULES_DIR`` or packaged)."""
    global _default
    with _default_lock:
        _default = Validator(rules_dir or os.environ.get(RULES_DIR_VARIABLE) or None)
        return _default


def validate(data: bytes) -> ValidationReport:
    """Validate one UBL document; a bad document gives a refusing report, never an exception."""
    return default_validator().validate(data)
