import re
from pathlib import Path

import pytest

from tests.conftest import sign_in

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "nl" / "LC_MESSAGES" / "django.po"

pytestmark = pytest.mark.django_db


def untranslated_entries(text):
    entries = text.split("\n\n")
    missing = []
    for entry in entries[1:]:
        if "#, fuzzy" in entry:
            missing.append(entry)
            continue
        strings = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry + "\n", re.M)
        if any("".join(re.findall(r'"(.*)"', s)) == "" for s in strings):
            missing.append(entry)
    return missing


def test_it_has_a_complete_dutch_catalogue():
    text = CATALOGUE.read_text()
    missing = untranslated_entries(text)
    assert not missing, "untranslated:\n" + "\n---\n".join(missing[:10])
    assert CATALOGUE.with_suffix(".mo").exists()


def test_it_speaks_dutch_when_the_browser_asks(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="nl")
    assert page["Content-Language"] == "nl"
    assert "Inloggen" in page.content.decode()


def test_it_switches_language_and_remembers_it(client, cast):
    client.force_login(cast.admin)
    client.post("/language/", {"language": "nl", "next": "/"})
    cast.admin.refresh_from_db()
    assert cast.admin.language == "nl"
    assert "Gebruikers" in client.get("/").content.decode()


def test_it_writes_the_account_pages_in_sentence_case_as_the_rest(client, cast):
    page = client.get("/accounts/login/").content.decode()
    assert ">Sign in<" in page.replace("\n", "").replace(" <", "<").replace("> ", ">")
    assert "Sign In" not in page

    sign_in(client, cast.admin)
    page = client.get("/accounts/email/").content.decode()
    assert "Email addresses" in page and "Email Addresses" not in page
