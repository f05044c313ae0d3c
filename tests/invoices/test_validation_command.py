"""python manage.py validate_document: a verdict per file, JSON lines, and a failing exit status."""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.invoices.validation_support import BIS, REPO, SI_UBL_TESTS, needs_shared

pytestmark = needs_shared

VALID = BIS / "examples" / "base-example.xml"
WARNING = SI_UBL_TESTS / "SI-UBL-2.0_BR-NL-19_warning_tax_currency.xml"
FATAL = SI_UBL_TESTS / "SI-UBL-2.0_BR-S-08_error.xml"


@pytest.fixture
def not_xsd_valid(tmp_path):
    path = tmp_path / "not-ubl.xml"
    path.write_bytes(VALID.read_bytes().replace(
        b"<cbc:CustomizationID>", b"<cbc:Bogus>1</cbc:Bogus><cbc:CustomizationID>", 1))
    return path


def test_it_prints_a_verdict_per_valid_file(capsys):
    call_command("validate_document", str(VALID), str(WARNING))
    assert capsys.readouterr().out.splitlines() == [
        f"{VALID}: Valid under Peppol BIS Billing 3.0 (release 3.0.21). Fatal errors: 0, "
        "warnings: 0.",
        f"{WARNING}: Valid under SI-UBL 2.0 (NLCIUS) (release 2.0.3.13). Fatal errors: 0, "
        "warnings: 1.",
        "  warning BR-NL-19 at /ubl:Invoice[1]/cbc:TaxCurrencyCode[1]: The use of a tax "
        "currency code (cbc:TaxCurrencyCode) is not recommended",
    ]


def test_it_prints_fatal_errors_and_warnings_of_a_refused_file_and_fails(capsys):
    with pytest.raises(CommandError) as excinfo:
        call_command("validate_document", str(FATAL), str(VALID))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (f"{FATAL}: Refused under SI-UBL 2.0 (NLCIUS) (release 2.0.3.13). "
                        "Fatal errors: 1, warnings: 1.")
    assert lines[1].startswith(
        "  fatal BR-S-08 at /ubl:Invoice[1]/cac:TaxTotal[1]/cac:TaxSubtotal[2]/cac:TaxCategory[1]: "
        "For each different value of VAT category rate (BT-119)")
    assert lines[2] == ("  warning UBL-CR-561 at /ubl:Invoice[1]: A UBL invoice should not "
                        "include the InvoiceLine TaxTotal")
    assert lines[3].startswith(f"{VALID}: Valid")
    assert len(lines) == 4
    assert str(excinfo.value) == "1 of 2 files are refused."
    assert excinfo.value.returncode == 1


def test_it_prints_each_message_without_the_rule_id_its_official_text_repeats(capsys):
    with pytest.raises(CommandError):
        call_command("validate_document", str(FATAL), str(WARNING))
    messages = [line.strip().split(" ", 2) for line in capsys.readouterr().out.splitlines()
                if line.startswith("  ")]

    assert [rule_id for _flag, rule_id, _rest in messages] == [
        "BR-S-08", "UBL-CR-561", "BR-NL-19"]
    for _flag, rule_id, rest in messages:
        text = rest.split(": ", 1)[1]
        assert not text.startswith("["), (rule_id, text)
        assert f"[{rule_id}]" not in text


def test_it_refuses_a_file_it_cannot_read(tmp_path, capsys):
    missing = tmp_path / "missing.xml"
    with pytest.raises(CommandError):
        call_command("validate_document", str(missing))
    assert capsys.readouterr().out == (
        f"{missing}: Refused: the file cannot be read (No such file or directory).\n")


def test_it_prints_one_json_object_per_file(capsys, not_xsd_valid):
    with pytest.raises(CommandError):
        call_command("validate_document", str(VALID), str(FATAL), str(WARNING),
                     str(not_xsd_valid), "--json")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        {"file": str(VALID), "valid": True, "xsd_valid": True, "rules": "Peppol BIS Billing 3.0",
         "release": "3.0.21", "fatal": [], "warnings": []},
        {"file": str(FATAL), "valid": False, "xsd_valid": True, "rules": "SI-UBL 2.0 (NLCIUS)",
         "release": "2.0.3.13", "fatal": ["BR-S-08"], "warnings": ["UBL-CR-561"]},
        {"file": str(WARNING), "valid": True, "xsd_valid": True, "rules": "SI-UBL 2.0 (NLCIUS)",
         "release": "2.0.3.13", "fatal": [], "warnings": ["BR-NL-19"]},
        {"file": str(not_xsd_valid), "valid": False, "xsd_valid": False, "rules": "",
         "release": "", "fatal": [], "warnings": []},
    ]


def test_it_lists_each_failed_rule_once_and_sorted(capsys):
    path = SI_UBL_TESTS / "SI-UBL-2.0_BR-NL-12_error.xml"
    with pytest.raises(CommandError):
        call_command("validate_document", str(path), "--json")
    line = json.loads(capsys.readouterr().out)
    # Four failed assertions of two rules.
    assert line["fatal"] == ["BR-NL-12", "UBL-SR-47"]


def test_it_exits_with_status_1_when_a_file_is_refused(not_xsd_valid):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.test_settings"}
    command = [sys.executable, "manage.py", "validate_document", "--json", str(VALID),
               str(not_xsd_valid)]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert [json.loads(line)["valid"] for line in result.stdout.splitlines()] == [True, False]
    assert result.stderr == "CommandError: 1 of 2 files are refused.\n"


def test_the_verdicts_read_in_dutch():
    from django.utils import translation

    from invoices.peppol.validation import validate

    report = validate(FATAL.read_bytes())
    with translation.override("nl"):
        assert report.render_verdict(translation.gettext) == (
            "Geweigerd volgens SI-UBL 2.0 (NLCIUS) (release 2.0.3.13). Fatale fouten: 1, "
            "waarschuwingen: 1.")


def test_the_peppol_rules_dir_setting_chooses_the_rules(settings, tmp_path):
    from django.apps import apps

    from invoices.peppol import validation

    rules = tmp_path / "si-ubl-2.0" / "rules"
    rules.mkdir(parents=True)
    (rules / "si-ubl-2.0.4.1.xsl").write_text("<xsl:stylesheet/>")
    settings.PEPPOL_RULES_DIR = str(tmp_path)
    saved = validation._default
    try:
        apps.get_app_config("invoices").ready()
        assert validation.default_validator().rules_dir == tmp_path
        assert validation.default_validator().rule_sets["nlcius"].release == "2.0.4.1"
    finally:
        validation._default = saved
