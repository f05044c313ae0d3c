"""python manage.py check_identifier: a verdict per identifier, and a failing exit status."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

REPO = Path(__file__).resolve().parents[2]


def test_it_prints_each_valid_identifier_with_its_scheme(capsys):
    call_command("check_identifier", "0088:1234567890128", " 0106:1234 5678 ")
    assert capsys.readouterr().out.splitlines() == [
        "VALID 0088:1234567890128 (GS1 GLN)",
        "VALID 0106:12345678 (KvK number)",
    ]


def test_it_prints_the_reason_for_each_invalid_identifier_and_fails(capsys):
    with pytest.raises(CommandError) as excinfo:
        call_command("check_identifier", "0088:1234567890128", "0106:1234567", "9956:0899965307")
    assert capsys.readouterr().out.splitlines() == [
        "VALID 0088:1234567890128 (GS1 GLN)",
        "INVALID 0106:1234567: A KvK number has 8 digits; this one has 7.",
        "INVALID 9956:0899965307: Scheme 9956 (BE:CBE) was removed from the Peppol code list.",
    ]
    assert str(excinfo.value) == "2 of 3 identifiers are invalid."
    assert excinfo.value.returncode == 1


def test_it_exits_with_status_1_when_an_identifier_is_invalid():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.test_settings"}
    command = [sys.executable, "manage.py", "check_identifier", "0088:1234567890127"]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout == (
        "INVALID 0088:1234567890127: The last digit of this GLN does not match the others; "
        "check for a typo.\n"
    )
