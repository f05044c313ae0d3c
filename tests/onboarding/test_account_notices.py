"""What the account tells its owner and in which language: the second-factor page in the
person's own language, the main address told of addresses added and confirmed, and the
guided-setup hand-over as a mail its recipient may switch off."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.core import mail

from onboarding.models import AuditEvent, Membership, Role
from tests.conftest import PASSWORD, mails_to, sign_in, text
from tests.integrations.helpers import afas_run

pytestmark = pytest.mark.django_db

MAIL_SETTINGS = f"{django_settings.PORTAL_URL}/accounts/notifications/"


def page_language(response) -> str:
    return re.search(r'<html lang="([a-z-]+)"', response.content.decode()).group(1)


def add_email(client, email):
    return client.post("/accounts/email/", {"email": email, "action_add": ""})


def confirm_link(message):
    return re.search(r"\S+/accounts/confirm-email/\S+", message.body).group(0)


# 1. The second-factor page in the person's own language.

def test_it_asks_for_the_second_factor_in_the_users_own_language(client, cast):
    cast.techsupport.language = "nl"
    cast.techsupport.save()
    client.cookies["django_language"] = "en"
    assert page_language(client.get("/accounts/login/")) == "en"

    response = client.post("/accounts/login/", {"login": cast.techsupport.email,
                                                "password": PASSWORD})

    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert response.cookies["django_language"].value == "nl"
    page = client.get("/accounts/2fa/authenticate/")
    assert page_language(page) == "nl"
    assert "Toestel kwijt? Voer een van je herstelcodes in." in text(page)
    assert "Lost your device?" not in text(page)
    assert "_auth_user_id" not in client.session


def test_it_keeps_the_sign_in_page_language_after_a_wrong_password(client, cast):
    cast.techsupport.language = "nl"
    cast.techsupport.save()
    client.cookies["django_language"] = "en"

    response = client.post("/accounts/login/", {"login": cast.techsupport.email,
                                                "password": "not-the-password"})

    assert response.status_code == 200
    assert page_language(response) == "en"
    assert "django_language" not in response.cookies


# 2. The main address hears of every address added or confirmed.

def test_it_tells_the_main_address_when_an_address_is_added(client, cast):
    sign_in(client, cast.basic)
    mail.outbox.clear()

    assert add_email(client, "intruder@acme.nl").status_code == 302

    (notice,) = mails_to(cast.basic.email)
    assert notice.subject == "[Peppol portal] An email address was added to your account"
    assert "The address intruder@acme.nl was added to your account." in notice.body
    assert "If it was not you, set a new password at once" in notice.body
    # The new address gets its confirmation link and nothing about the account.
    (confirmation,) = mails_to("intruder@acme.nl")
    assert "/accounts/confirm-email/" in confirmation.body


def test_it_tells_the_main_address_when_an_added_address_is_confirmed(client, cast):
    sign_in(client, cast.basic)
    add_email(client, "desk@acme.nl")
    (confirmation,) = mails_to("desk@acme.nl")
    mail.outbox.clear()

    client.post(confirm_link(confirmation))

    assert EmailAddress.objects.get(email="desk@acme.nl").verified
    (notice,) = mails_to(cast.basic.email)
    assert notice.subject == "[Peppol portal] An email address was confirmed"
    assert "The address desk@acme.nl on your account was confirmed." in notice.body
    assert mails_to("desk@acme.nl") == []


def test_it_writes_the_notice_in_the_main_addresss_language(client, cast):
    cast.basic.language = "nl"
    cast.basic.save()
    sign_in(client, cast.basic)
    client.cookies["django_language"] = "en"
    mail.outbox.clear()

    add_email(client, "extra@acme.nl")

    (notice,) = mails_to(cast.basic.email)
    assert notice.body.startswith("Hallo,")


def test_it_tells_no_one_else_when_a_new_account_confirms_its_first_address(client):
    client.post("/accounts/signup/", {"email": "founder@newco.nl", "company_name": "NewCo",
                                      "password1": "a-long-password-42",
                                      "password2": "a-long-password-42"})
    (confirmation,) = mail.outbox
    mail.outbox.clear()

    client.post(confirm_link(confirmation))

    assert EmailAddress.objects.get(email="founder@newco.nl").verified
    assert [m for m in mail.outbox if "was confirmed" in m.subject] == []


# 3. The guided-setup hand-over is a mail its recipient may switch off.

def test_it_lets_the_recipient_of_a_hand_over_switch_it_off(client, cast):
    run = afas_run(cast)
    Membership.objects.filter(user=cast.basic).update(role=Role.ADMINISTRATOR)
    client.force_login(cast.basic)
    assert "A guided setup was handed to you" in text(client.get("/accounts/notifications/"))

    sign_in(client, cast.admin)
    mail.outbox.clear()
    response = client.post(f"/integrations/runs/{run.pk}/",
                           {"action": "hand_over", "to": cast.basic.pk}, follow=True)
    assert "basic@acme.nl carries on with this setup now, and was told by mail." in \
        text(response)
    (told,) = mails_to(cast.basic.email)
    assert "You carry on with the AFAS setup of Acme Trading BV" in told.subject
    assert MAIL_SETTINGS in told.body

    cast.basic.choose_mail(["handed_over"])
    run.refresh_from_db()
    run.hand_over(cast.admin, cast.basic, cast.company)
    mail.outbox.clear()
    response = client.post(f"/integrations/runs/{run.pk}/",
                           {"action": "hand_over", "to": cast.basic.pk}, follow=True)

    run.refresh_from_db()
    assert run.assigned_to == cast.basic
    assert AuditEvent.objects.filter(action="integration.handed_over").count() == 3
    assert mails_to(cast.basic.email) == []
    page = text(response)
    assert "basic@acme.nl carries on with this setup now." in page
    assert "was told by mail" not in page
