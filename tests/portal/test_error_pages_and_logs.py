"""The pages a user sees when a form's CSRF check fails or the server fails, the language
cookie, and the lines an operator reads in the log."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from portal.problems import server_error
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_it_shows_the_portals_own_page_when_a_form_has_expired(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["django_language"] = "nl"

    response = browser.post("/accounts/login/", {"login": cast.admin.email,
                                                 "password": PASSWORD})

    page = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="nl">' in page
    assert "portal/portal.css" in page
    assert "<style" not in page
    assert "DEBUG" not in page


def test_it_tells_the_user_to_reload_and_try_again_when_a_form_has_expired(cast):
    browser = Client(enforce_csrf_checks=True)

    page = browser.post("/accounts/login/", {"login": cast.admin.email,
                                             "password": PASSWORD}).content.decode()

    assert '<html lang="en">' in page
    assert "Go back, reload that page and fill in the form again" in page


def test_the_server_error_page_speaks_the_active_language_and_promises_nothing():
    request = RequestFactory().get("/organizations/")
    with translation.override("nl"):
        page = server_error(request).content.decode()

    assert '<html lang="nl">' in page
    assert "half-saved" not in page
    assert "may or may not have been saved" in page or "opgeslagen" in page


def test_it_sends_the_language_cookie_secure_and_keeps_the_language_over_http(client, cast):
    client.post("/accounts/login/", {"login": cast.admin.email, "password": PASSWORD})

    response = client.post("/language/", {"language": "nl", "next": "/"})

    assert response.cookies["django_language"]["secure"] is True
    assert re.search(r'<html lang="nl">', client.get("/").content.decode())


def test_each_log_line_says_when_how_bad_and_where_from():
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "import logging; logging.getLogger('portal.example').warning('the disk is full')"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true", "SECRET_KEY": "x" * 50,
             "DJANGO_SETTINGS_MODULE": "portal.settings"})

    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING portal\.example "
                     r"the disk is full$", result.stderr, re.MULTILINE), result.stderr


@pytest.mark.parametrize("language, says", [
    ("en", "The portal could not read what your browser sent"),
    ("nl", "Het portaal kon niet lezen wat je browser stuurde"),
])
def test_it_shows_the_portals_own_page_for_a_request_it_cannot_read(settings, language, says):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    settings.ALLOWED_HOSTS = ["testserver"]
    browser = Client()
    browser.cookies["django_language"] = language

    too_many = browser.post("/accounts/login/", {f"f{n}": "x" for n in range(20)})
    wrong_host = browser.get("/organizations/", HTTP_HOST="portal.attacker.example")

    for response in (too_many, wrong_host):
        page = response.content.decode()
        assert response.status_code == 400
        assert f'<html lang="{language}">' in page and "portal/portal.css" in page
        assert says in page
        assert "portal.attacker.example" not in page
