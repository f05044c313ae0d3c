"""A user's language: chosen once, kept on the account, used on every sign-in and in mail."""

import re

import pytest
from django.core import mail
from django.test import Client

from onboarding.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def page_language(response) -> str:
    return re.search(r'<html lang="([a-z-]+)"', response.content.decode()).group(1)


def log_in(client, user):
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def test_it_keeps_the_chosen_language_on_a_sign_in_from_another_browser(client, cast):
    log_in(client, cast.admin)
    client.post("/language/", {"language": "nl", "next": "/"})
    assert page_language(client.get("/")) == "nl"
    client.post("/accounts/logout/")

    elsewhere = Client(headers={"accept-language": "en"})
    log_in(elsewhere, cast.admin)
    response = elsewhere.get("/")
    assert page_language(response) == "nl"
    assert "Organisaties" in response.content.decode()
    # The pages after signing out on that browser stay Dutch as well.
    elsewhere.post("/accounts/logout/")
    assert page_language(elsewhere.get("/accounts/login/")) == "nl"


def test_it_switches_back_when_the_user_chooses_again(client, cast):
    cast.admin.language = "nl"
    cast.admin.save()
    log_in(client, cast.admin)
    client.post("/language/", {"language": "en", "next": "/"})
    assert page_language(client.get("/")) == "en"
    cast.admin.refresh_from_db()
    assert cast.admin.language == "en"


def test_it_remembers_the_language_someone_signs_up_in(client):
    client.cookies["django_language"] = "nl"
    client.post("/accounts/signup/", {"email": "nieuw@bakkerij.nl", "company_name": "Bakkerij",
                                      "password1": "a-long-password-42",
                                      "password2": "a-long-password-42"})
    assert User.objects.get(email="nieuw@bakkerij.nl").language == "nl"
    (message,) = mail.outbox
    assert message.subject == "[Peppol-portaal] Bevestig je e-mailadres"
    assert "Dit e-mailadres is opgegeven voor een account op het " \
        "Peppol-onboardingportaal." in message.body
    assert "testserver" not in message.body.replace("http://testserver/", "")


def test_it_writes_allauths_mail_in_the_recipients_language(client, cast):
    cast.basic.language = "nl"
    cast.basic.save()
    # Asked for from an English browser: the mail is still the user's Dutch.
    client.post("/accounts/password/reset/", {"email": cast.basic.email},
                headers={"accept-language": "en"})
    (message,) = mail.outbox
    assert message.body.startswith("Hallo,\n\nIemand, misschien jijzelf, vroeg om een nieuw "
                                   "wachtwoord voor je account op het "
                                   "Peppol-onboardingportaal.")
    assert message.body.rstrip().endswith("--\nPeppol-onboardingportaal")


def test_it_names_the_portal_not_the_host_in_allauths_mail(client, cast):
    client.post("/accounts/password/reset/", {"email": cast.admin.email})
    (message,) = mail.outbox
    assert message.subject == "[Peppol portal] Set a new password"
    assert message.body.startswith("Hello,\n\nSomeone, perhaps you, asked to set a new "
                                   "password for your account on the Peppol onboarding portal.")
    assert message.body.rstrip().endswith("--\nPeppol onboarding portal")
    assert "testserver" not in message.body.replace("http://testserver/", "")


def test_it_writes_the_portals_own_mail_in_the_recipients_language(
        client, cast, django_capture_on_commit_callbacks):
    cast.admin.language = "nl"
    cast.admin.save()
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", {"email": "newbie@acme.nl", "company_name": "Acme",
                                          "password1": "a-long-password-42",
                                          "password2": "a-long-password-42"})
        confirm = re.search(r"/accounts/confirm-email/[^\s]+", mail.outbox[0].body).group(0)
        client.post(confirm)
    to_admin = [m for m in mail.outbox if m.to == [cast.admin.email]]
    assert to_admin, [m.subject for m in mail.outbox]
    assert "Ken je deze persoon niet?" in to_admin[0].body
    # The sign-up itself happened in English, and its own mail says so.
    assert "This email address was given for an account on the Peppol onboarding portal." \
        in mail.outbox[0].body


def test_it_invites_someone_who_has_an_account_in_their_own_language(client, cast):
    cast.outsider.language = "nl"
    cast.outsider.save()
    cast.company.is_shared = True
    cast.company.save()
    client.force_login(cast.admin)
    client.post("/users/invite/", {"email": cast.outsider.email, "role": "basic"},
                headers={"accept-language": "en"})
    (message,) = mail.outbox
    assert "Open deze link om de uitnodiging te accepteren:" in message.body
