"""Our validator against the official test material of Peppol BIS Billing 3.0 and SI-UBL 2.0.

The stylesheets compile once per test process (the validator keeps them), so these hundreds
of cases take seconds.
"""

import re
from functools import cache

import pytest
from lxml import etree

from invoices.peppol.validation import FATAL, WARNING, default_validator, validate
from tests.invoices.validation_support import BIS, SI_UBL_TESTS, files, needs_shared

pytestmark = needs_shared

VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
UBL_ROOTS = (
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote",
)
# Release 3.0.21 made DK-R-003 fatal; the 3.0.19 unit tests still expect a warning.
CHANGED_IN_3_0_21 = {("unit-UBL-DK/DK_Validation_DKR003.xml", "DK-R-003", WARNING): FATAL}


@pytest.mark.parametrize(
    "path", files(BIS / "examples") + files(BIS / "snippets"),
    ids=lambda path: f"{path.parent.name}/{path.name}",
)
def test_it_finds_every_official_example_and_snippet_valid(path):
    report = validate(path.read_bytes())
    assert report.verdict.startswith("Valid"), report.verdict
    assert report.valid and report.xsd_valid
    assert report.fatal == []
    assert report.rules == "Peppol BIS Billing 3.0"
    assert report.release == "3.0.21"


# The unit tests: each <test> holds one expectation list and one inline document.

def unit_test_files() -> list[str]:
    return [str(path.relative_to(BIS)) for path in files(BIS, "unit-UBL-*/*.xml")]


@cache
def unit_tests(name: str) -> list[tuple[list[tuple[str, str]], etree._Element]]:
    tree = etree.parse(str(BIS / name))
    tests = []
    for test in tree.getroot().iter(f"{VEFA}test"):
        expectations = [
            (etree.QName(item).localname, " ".join((item.text or "").split()))
            for item in test.find(f"{VEFA}assert")
            if etree.QName(item).localname in ("success", "error", "warning")
        ]
        document = next(child for child in test if child.tag in UBL_ROOTS)
        tests.append((expectations, document))
    return tests


def unit_cases():
    return [(name, index) for name in unit_test_files() for index in range(len(unit_tests(name)))]


def expected_flag(name: str, rule: str, kind: str) -> str | None:
    flag = {"success": None, "error": FATAL, "warning": WARNING}[kind]
    return CHANGED_IN_3_0_21.get((name, rule, flag), flag)


@pytest.mark.parametrize(("name", "index"), unit_cases(), ids=lambda v: str(v))
def test_it_agrees_with_each_official_unit_test_expectation(name, index):
    expectations, document = unit_tests(name)[index]
    messages = default_validator().check_rules(document, "bis")
    disagreements = []
    for kind, rule in expectations:
        flags = {message.flag for message in messages if message.rule_id == rule}
        wanted = expected_flag(name, rule, kind)
        if wanted is None and flags:
            disagreements.append(f"{rule} must not fire, fired as {sorted(flags)}")
        elif wanted is not None and wanted not in flags:
            disagreements.append(f"{rule} must fire as {wanted}, fired as {sorted(flags)}")
    assert disagreements == []


def test_it_counts_552_official_expectations_of_which_3_changed_in_3_0_21():
    expectations = [
        (name, rule, kind)
        for name in unit_test_files()
        for test_expectations, _ in unit_tests(name)
        for kind, rule in test_expectations
    ]
    assert len(expectations) == 552
    changed = [e for e in expectations
               if expected_flag(e[0], e[1], e[2]) != expected_flag("", e[1], e[2])]
    assert changed == [("unit-UBL-DK/DK_Validation_DKR003.xml", "DK-R-003", "warning")] * 3


def test_it_now_reports_dk_r_003_as_fatal_where_3_0_19_expected_a_warning():
    name = "unit-UBL-DK/DK_Validation_DKR003.xml"
    warned = [document for expectations, document in unit_tests(name)
              if ("warning", "DK-R-003") in expectations]
    assert len(warned) == 3
    for document in warned:
        flags = [m.flag for m in default_validator().check_rules(document, "bis")
                 if m.rule_id == "DK-R-003"]
        assert flags == [FATAL]


# SI-UBL 2.0: the file name states the verdict.

VERDICT_IN_NAME = re.compile(r"_(ok|warning|error)(?:_|\.xml$)")


@pytest.mark.parametrize("path", files(SI_UBL_TESTS), ids=lambda path: path.name)
def test_it_gives_each_si_ubl_test_file_the_verdict_its_name_states(path):
    expected = VERDICT_IN_NAME.search(path.name).group(1)
    report = validate(path.read_bytes())
    if expected == "error":
        assert not report.valid, report.verdict
        assert report.verdict.startswith("Refused")
    else:
        assert report.valid, report.verdict
        assert report.rules == "SI-UBL 2.0 (NLCIUS)"
        assert report.release == "2.0.3.13"
        assert bool(report.warnings) == (expected == "warning")


def test_it_has_all_95_si_ubl_test_files():
    assert len(files(SI_UBL_TESTS)) == 95
