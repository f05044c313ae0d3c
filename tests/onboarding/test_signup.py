import re

import pytest
from django.core import mail

from onboarding.models import AuditEvent, Environment, Membership, Role

pytestmark = pytest.mark.django_db


def sign_up(client, email, password="a-long-password-42", company="NewCo B.V."):
    return client.post("/accounts/signup/", {
        "email": email, "password1": password, "password2": password, "company_name": company,
    })


def confirm_link(message):
    return re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+", message.body).group(0)


def verify(client, message):
    url = confirm_link(message)
    return client.post(url.split("testserver", 1)[-1])


def test_it_creates_the_environment_only_once_the_address_is_verified(client):
    response = sign_up(client, "founder@newco.nl")
    assert response.status_code == 302
    assert not Environment.objects.exists()
    assert len(mail.outbox) == 1

    verify(client, mail.outbox[0])

    env = Environment.objects.get()
    assert env.name == "NewCo B.V." and env.domain == "newco.nl"
    membership = Membership.objects.get(environment=env)
    assert membership.user.email == "founder@newco.nl"
    assert membership.role == Role.ADMINISTRATOR
    assert AuditEvent.objects.filter(environment=env, action="environment.created").exists()


def test_it_joins_a_later_signup_from_the_domain_as_basic_and_tells_the_admins(
    client, cast, django_capture_on_commit_callbacks
):
    sign_up(client, "newbie@acme.nl", company="Acme Holding")
    with django_capture_on_commit_callbacks(execute=True):
        verify(client, mail.outbox[0])

    membership = Membership.objects.get(user__email="newbie@acme.nl")
    assert membership.environment == cast.company
    assert membership.role == Role.BASIC
    notices = [m for m in mail.outbox if "admin@acme.nl" in m.to]
    assert len(notices) == 1
    assert "newbie@acme.nl" in notices[0].subject
    assert "Basic" in notices[0].body
    assert Environment.objects.filter(domain="acme.nl").count() == 1
    cast.company.refresh_from_db()
    assert cast.company.name == "Acme"  # the domain decides who joins; the name stays


def test_it_gives_each_public_mail_address_its_own_environment(client):
    sign_up(client, "jan@gmail.com", company="Jansen Bakkerij")
    verify(client, mail.outbox[0])
    client.logout()
    sign_up(client, "piet@gmail.com", company="Jansen Bakkerij")
    verify(client, mail.outbox[1])

    environments = Environment.objects.filter(domain="gmail.com")
    assert environments.count() == 2
    assert list(environments.values_list("name", flat=True)) == ["Jansen Bakkerij"] * 2
    assert Membership.objects.filter(role=Role.ADMINISTRATOR).count() == 2


def test_it_refuses_sign_in_before_verification(client):
    sign_up(client, "waiting@newco.nl")
    client.logout()
    response = client.post("/accounts/login/", {
        "login": "waiting@newco.nl", "password": "a-long-password-42"})
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]
    assert client.get("/").status_code == 302


def test_it_shows_the_dashboard_after_verification(client):
    sign_up(client, "founder@newco.nl")
    verify(client, mail.outbox[0])
    response = client.get("/")
    assert response.status_code == 200
    assert b"NewCo B.V." in response.content
    assert b"Add a second administrator" in response.content


def test_it_asks_for_the_company_name_at_sign_up(client):
    page = client.get("/accounts/signup/").content.decode()
    assert 'name="company_name"' in page and "Company name" in page

    response = sign_up(client, "founder@newco.nl", company="  ")

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not mail.outbox


def test_it_sends_password_reset_mail(client, cast):
    client.post("/accounts/password/reset/", {"email": "basic@acme.nl"})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_it_tells_newcomers_on_the_sign_in_page_what_the_portal_is(client):
    page = client.get("/accounts/login/").content.decode()
    intro = page[page.index('id="portal-intro"'):]
    assert "gets your organizations onto Peppol" in intro
    assert 'id="signup-link" href="/accounts/signup/"' in intro


@pytest.mark.parametrize("language,message", [
    ("en", "This password is too short: it needs at least 10 characters."),
    ("nl", "Dit wachtwoord is te kort: het moet minstens 10 tekens hebben."),
])
def test_it_says_in_the_users_language_that_a_password_is_too_short(client, language,
                                                                    message):
    from tests.conftest import field_error

    client.cookies["django_language"] = language
    response = client.post("/accounts/signup/", {
        "email": "new@newco.example", "password1": "kort12x", "password2": "kort12x"})

    assert field_error(response, "password1") == message
    assert not Environment.objects.exists()


def test_it_ties_a_wrong_current_password_to_its_field(client, cast):
    from tests.conftest import PASSWORD, sign_in, tied_error

    sign_in(client, cast.admin)
    response = client.post("/accounts/password/change/", {
        "oldpassword": "not the password", "password1": "another-long-pass-42",
        "password2": "another-long-pass-42"})

    assert response.status_code == 200
    assert "password" in tied_error(response, "id_oldpassword").lower()
    cast.admin.refresh_from_db()
    assert cast.admin.check_password(PASSWORD)


def test_it_asks_to_confirm_the_address_without_naming_it_twice(client):
    sign_up(client, "founder@newco.nl")
    page = client.get(confirm_link(mail.outbox[0]).split("testserver", 1)[-1])

    assert page.status_code == 200
    body = re.sub(r"\s+", " ", page.content.decode())
    assert 'Confirm that <a href="mailto:founder@newco.nl">founder@newco.nl</a> is your email ' \
        "address." in body
    assert "for user" not in body


def test_it_invites_to_sign_up_once_on_the_sign_in_page(client):
    page = client.get("/accounts/login/").content.decode()

    # The portal's own line (and the navigation bar's link), not allauth's line as well.
    assert page.count("Create an account") == 1
    assert "If you have not created an account yet" not in page
    assert 'name="password"' in page and 'name="login"' in page
