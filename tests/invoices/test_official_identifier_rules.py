"""Our verdict on identifiers against OpenPEPPOL's own unit tests of the BIS Billing 3.0 rules.

The rule tests (vefa testSet files) pair an expectation, such as "PEPPOL-COMMON-R043 must
fire", with a small invoice. For each expectation of a rule below, we pick from the
invoice the identifiers that the rule looks at and check them with strict
``check_value``, the way a document's identifiers are checked; a rule fires where we
refuse one. The expectations come from the files; only what each rule inspects is
written down here, from its definition in PEPPOL-EN16931-UBL.sch.
"""

from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from invoices.peppol import schemes
from invoices.peppol.identifiers import IdentifierError, check_value

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
BIS = SHARED / "peppol" / "bis-billing-3"
# Every test in these files must concern a rule listed in RULES.
IDENTIFIER_FILES = (
    "unit-UBL-PEPPOL/PEPPOL-COMMON-R0*.xml",
    "unit-UBL-PEPPOL/PEPPOL-EN16931-CL008.xml",
)

pytestmark = pytest.mark.skipif(
    not BIS.is_dir(), reason=f"the official Peppol rule tests are not at {BIS}"
)

NS = {
    "v": "http://difi.no/xsd/vefa/validator/1.0",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
ENDPOINT = ".//cbc:EndpointID"
PARTY_IDS = (ENDPOINT, ".//cac:PartyIdentification/cbc:ID", ".//cbc:CompanyID")


@dataclass(frozen=True)
class Rule:
    paths: tuple[str, ...]  # the identifier elements in the rule's context
    scheme: str | None  # the schemeID it selects; None for every schemeID
    eas: bool = False  # it tests that the schemeID is on the EAS list, not the number

    def fires_on(self, element) -> bool:
        scheme = (element.get("schemeID") or "").strip()
        if self.eas:
            return not schemes.is_eas_code(scheme)
        try:
            check_value(scheme, " ".join((element.text or "").split()), strict=True)
        except IdentifierError:
            return True
        return False

    def identifiers(self, document) -> list:
        found = [element for path in self.paths for element in document.iterfind(path, NS)]
        return [e for e in found if self.scheme is None or e.get("schemeID") == self.scheme]


RULES = {
    "PEPPOL-COMMON-R040": Rule(PARTY_IDS, "0088"),
    "PEPPOL-COMMON-R041": Rule(PARTY_IDS, "0192"),
    "PEPPOL-COMMON-R042": Rule(PARTY_IDS, "0184"),
    "PEPPOL-COMMON-R043": Rule(PARTY_IDS, "0208"),
    "PEPPOL-COMMON-R044": Rule(PARTY_IDS, "0201"),
    "PEPPOL-COMMON-R045": Rule(PARTY_IDS, "0210"),
    "PEPPOL-COMMON-R046": Rule((ENDPOINT,), "9907"),
    "PEPPOL-COMMON-R047": Rule(PARTY_IDS, "0211"),
    "PEPPOL-COMMON-R048": Rule((ENDPOINT,), "9906"),
    "PEPPOL-COMMON-R049": Rule(PARTY_IDS, "0007"),
    "PEPPOL-COMMON-R050": Rule(PARTY_IDS, "0151"),
    "PEPPOL-COMMON-R052": Rule(PARTY_IDS, "0096"),
    "PEPPOL-COMMON-R053": Rule(PARTY_IDS, "0198"),
    "PEPPOL-EN16931-CL008": Rule((ENDPOINT,), None, eas=True),
}


@dataclass(frozen=True)
class Expectation:
    where: str  # file and test number, for the report
    rule: str
    outcome: str  # "success", "error" or "warning"
    times: int | None  # how often the rule must fire, where the test says
    document: object

    def agrees(self) -> bool:
        fired = sum(
            RULES[self.rule].fires_on(e) for e in RULES[self.rule].identifiers(self.document)
        )
        if self.outcome == "success":
            return fired == 0
        return fired == self.times if self.times is not None else fired > 0


def read_expectations(path: Path) -> list[Expectation]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    tree = etree.parse(str(path), parser)
    expectations = []
    for number, test in enumerate(tree.iterfind("v:test", NS), start=1):
        document = next(child for child in test if etree.QName(child).localname != "assert")
        for outcome in test.iterfind("v:assert/*", NS):
            kind = etree.QName(outcome).localname
            if kind not in ("success", "error", "warning"):
                continue
            times = outcome.get("number")
            expectations.append(
                Expectation(
                    where=f"{path.relative_to(BIS)} test {number}",
                    rule=outcome.text.strip(),
                    outcome=kind,
                    times=int(times) if times and kind != "success" else None,
                    document=document,
                )
            )
    return expectations


def all_expectations() -> list[Expectation]:
    return [e for path in sorted(BIS.glob("unit-UBL-*/*.xml")) for e in read_expectations(path)]


def test_it_knows_what_every_identifier_rule_test_is_about():
    paths = sorted({path for pattern in IDENTIFIER_FILES for path in BIS.glob(pattern)})
    assert paths, f"no identifier rule tests under {BIS}"
    unknown = {e.rule for path in paths for e in read_expectations(path)} - RULES.keys()
    assert not unknown, f"rules tested in {BIS} with no entry in RULES: {sorted(unknown)}"


def test_it_agrees_with_the_official_identifier_rule_tests(capsys):
    judged = [e for e in all_expectations() if e.rule in RULES]
    disagreements = [e for e in judged if not e.agrees()]
    with capsys.disabled():
        print(
            f"\n{len(judged) - len(disagreements)} of {len(judged)} "
            "official expectations agree (Peppol identifier rules)"
        )
    assert judged
    assert not disagreements, "\n".join(
        f"{e.where}: {e.rule} should give {e.outcome}" for e in disagreements
    )
