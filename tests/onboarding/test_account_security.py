"""Account safety around allauth: password reset and ownership by confirmed addresses only,
security notices, mail through the queue with links on PORTAL_URL, the portal's own subjects,
languages, an invitation opened by the wrong account, and the second-factor lockout."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from onboarding.models import Invitation, Membership, Role, User
from tests.conftest import PASSWORD, enable_totp, mails_to, make_user, sign_in, text

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-password-77"


def add_email(client, email):
    return client.post("/accounts/email/", {"email": email, "action_add": ""})


def reset_link(message):
    match = re.search(r"\S+/accounts/password/reset/key/\S+", message.body)
    return match.group(0) if match else None


def confirm_link(message):
    return re.search(r"\S+/accounts/confirm-email/\S+", message.body).group(0)


def sign_up(client, email, password="a-long-password-42"):
    return client.post("/accounts/signup/", {
        "email": email, "password1": password, "password2": password,
        "company_name": "Company"})


class BrokenMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


# 1. Password reset goes to confirmed addresses only.

def test_it_sends_no_reset_link_to_an_address_the_account_did_not_confirm(client, cast):
    sign_in(client, cast.basic)
    assert add_email(client, "shared@acme.nl").status_code == 302
    client.logout()
    mail.outbox.clear()

    unconfirmed = client.post("/accounts/password/reset/", {"email": "shared@acme.nl"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@acme.nl"})

    assert unconfirmed.status_code == unknown.status_code == 302
    assert unconfirmed["Location"] == unknown["Location"]
    (message,) = mails_to("shared@acme.nl")
    assert reset_link(message) is None
    assert "there is no account with this address" in message.body
    cast.basic.refresh_from_db()
    assert cast.basic.check_password(PASSWORD)


def test_it_still_sends_a_reset_link_to_a_confirmed_address(client, cast):
    client.post("/accounts/password/reset/", {"email": cast.basic.email})
    (message,) = mails_to(cast.basic.email)
    link = reset_link(message)
    response = client.get(link, follow=True)
    response = client.post(response.redirect_chain[-1][0], {
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    cast.basic.refresh_from_db()
    assert cast.basic.check_password(NEW_PASSWORD)


# 2. An unconfirmed address is nobody's.

def test_it_invites_an_address_a_member_only_listed_unconfirmed(client, cast):
    EmailAddress.objects.create(user=cast.basic, email="real@acme.nl", verified=False)
    sign_in(client, cast.admin)
    response = client.post("/users/invite/", {"email": "real@acme.nl", "role": "basic"})
    assert response.status_code == 302
    assert Invitation.objects.filter(email="real@acme.nl").exists()


def test_it_lets_the_real_owner_sign_up_and_drops_the_unconfirmed_claim(client, cast):
    EmailAddress.objects.create(user=cast.basic, email="real@acme.nl", verified=False)

    response = sign_up(client, "real@acme.nl")

    assert response.status_code == 302
    owner = User.objects.get(email="real@acme.nl")
    (message,) = mails_to("real@acme.nl")
    client.post(confirm_link(message))
    assert EmailAddress.objects.get(email="real@acme.nl").user == owner
    assert EmailAddress.objects.get(email="real@acme.nl").verified
    assert Membership.objects.filter(user=owner, environment=cast.company).exists()


def test_it_drops_an_unconfirmed_claim_when_the_owner_confirms_the_address(client, cast):
    EmailAddress.objects.create(user=cast.basic, email="desk@acme.nl", verified=False)
    sign_in(client, cast.admin)
    assert add_email(client, "desk@acme.nl").status_code == 302
    (message,) = [m for m in mails_to("desk@acme.nl") if "confirm-email" in m.body]
    client.post(confirm_link(message))
    assert list(EmailAddress.objects.filter(email="desk@acme.nl")
                .values_list("user", "verified")) == [(cast.admin.pk, True)]


# 3. Security notices, and the password again before changing addresses.

def test_it_tells_the_account_when_its_password_changes(client, cast):
    sign_in(client, cast.basic)
    mail.outbox.clear()
    response = client.post("/accounts/password/change/", {
        "oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    (message,) = mails_to(cast.basic.email)
    assert message.subject == "[Peppol portal] Your password was changed"
    assert "Your password was changed." in message.body


def test_it_tells_the_account_when_an_address_is_removed(client, cast):
    EmailAddress.objects.create(user=cast.basic, email="old@acme.nl", verified=True)
    sign_in(client, cast.basic)
    mail.outbox.clear()
    client.post("/accounts/email/", {"email": "old@acme.nl", "action_remove": ""})
    assert not EmailAddress.objects.filter(email="old@acme.nl").exists()
    (message,) = mails_to(cast.basic.email)
    assert "The address old@acme.nl was removed from your account." in message.body


def test_it_tells_the_account_when_the_second_factor_is_switched_off(client, cast):
    totp = enable_totp(cast.admin)
    sign_in(client, cast.admin)
    mail.outbox.clear()
    client.post("/accounts/2fa/totp/deactivate/", {})
    assert not Authenticator.objects.filter(pk=totp.pk).exists()
    (message,) = mails_to(cast.admin.email)
    assert "Two-factor authentication was switched off" in message.subject


def test_it_asks_for_the_password_again_before_an_address_is_added(client, cast):
    client.force_login(cast.basic)
    response = add_email(client, "extra@acme.nl")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not EmailAddress.objects.filter(email="extra@acme.nl").exists()


# 4. Mail goes through the task queue.

def test_it_signs_up_while_the_mail_server_is_down(client, settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenMailServer"
    response = sign_up(client, "founder@newco.nl")
    assert response.status_code == 302
    assert User.objects.filter(email="founder@newco.nl").exists()


def test_it_asks_for_a_password_reset_while_the_mail_server_is_down(client, cast, settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenMailServer"
    response = client.post("/accounts/password/reset/", {"email": cast.basic.email})
    assert response.status_code == 302


def test_it_gives_up_on_a_hung_mail_server_after_a_timeout():
    assert django_settings.EMAIL_TIMEOUT == 30


# 5. Links on PORTAL_URL, 6. the portal's subjects.

def test_it_links_to_the_portal_url_not_the_requests_host(client, cast, settings):
    settings.PORTAL_URL = "https://portal.example.com"
    headers = {"host": "internal-web-3:8000"}
    client.post(
        "/accounts/signup/", {"email": "founder@newco.nl", "password1": "a-long-password-42",
                              "password2": "a-long-password-42", "company_name": "NewCo"},
        headers=headers)
    client.post("/accounts/password/reset/", {"email": cast.basic.email}, headers=headers)
    client.post("/accounts/password/reset/", {"email": "nobody@acme.nl"}, headers=headers)

    (confirmation,) = mails_to("founder@newco.nl")
    assert confirm_link(confirmation).startswith(
        "https://portal.example.com/accounts/confirm-email/")
    (reset,) = mails_to(cast.basic.email)
    assert reset_link(reset).startswith("https://portal.example.com/accounts/password/reset/")
    (unknown,) = mails_to("nobody@acme.nl")
    assert "https://portal.example.com/accounts/signup/" in unknown.body
    for message in mail.outbox:
        assert "internal-web-3" not in message.body


def test_it_writes_its_own_subjects(client, cast):
    sign_up(client, "founder@newco.nl")
    client.post("/accounts/password/reset/", {"email": cast.basic.email})
    client.post("/accounts/password/reset/", {"email": "nobody@acme.nl"})
    assert mails_to("founder@newco.nl")[0].subject == "[Peppol portal] Confirm your email address"
    assert mails_to(cast.basic.email)[0].subject == "[Peppol portal] Set a new password"
    assert mails_to("nobody@acme.nl")[0].subject == "[Peppol portal] No account with this address"


# 7. The sign-in message in the person's language.

def test_it_says_signed_in_in_the_users_language(client, cast):
    cast.admin.language = "nl"
    cast.admin.save()
    response = client.post("/accounts/login/", {"login": cast.admin.email, "password": PASSWORD},
                           headers={"accept-language": "en"}, follow=True)
    page = text(response)
    assert "Je bent nu ingelogd als" in page
    assert "Successfully signed in" not in page


# 8. Confirmation mail in the address owner's language.

def test_it_writes_the_confirmation_in_the_language_of_the_addresss_owner(client, cast):
    owner = make_user("eigenaar@acme.nl", language="nl")
    cast.basic.language = "en"
    cast.basic.save()
    EmailAddress.objects.filter(user=owner).delete()
    EmailAddress.objects.create(user=owner, email="eigenaar@acme.nl", verified=True,
                                primary=True)
    sign_in(client, cast.basic)
    mail.outbox.clear()
    add_email(client, "eigenaar@acme.nl")
    (message,) = mails_to("eigenaar@acme.nl")
    assert message.body.startswith("Hallo,")


# 9. An invitation opened by another account.

def test_it_offers_to_sign_out_when_the_invitation_is_for_someone_else(client, cast):
    invitation = Invitation.send(environment=cast.company, email="new@acme.nl",
                                 role=Role.BASIC, by=cast.admin)
    path = f"/invitations/accept/{invitation.token}/"
    client.force_login(cast.basic)

    page = text(client.get(path))
    assert "You are signed in as basic@acme.nl; this invitation is for new@acme.nl." in page
    assert "Sign out and continue" in page
    assert ">Accept invitation<" not in page

    response = client.post("/accounts/logout/", {"next": path})
    assert response["Location"] == path
    assert "Create an account" in text(client.get(path))


# 10. The second-factor lockout, and recovery codes on the code page.

def test_it_words_the_second_factor_lockout_without_a_password_reset(client, cast):
    client.post("/accounts/login/", {"login": cast.techsupport.email, "password": PASSWORD})
    page = text(client.get("/accounts/2fa/authenticate/"))
    assert "Lost your device? Enter one of your recovery codes." in page
    for _attempt in range(6):
        response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    page = text(response)
    assert "Too many wrong codes" in page
    assert "reset your password" not in page
