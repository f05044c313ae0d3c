"""Sign-in limits: a blocked attempt answers 429 with a message, and behind a reverse proxy
each user counts on their own address (ALLAUTH_TRUSTED_PROXY_COUNT)."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


def attempt(client, email, password="wrong-password-1", **headers):
    return client.post("/accounts/login/", {"login": email, "password": password}, **headers)


def test_it_answers_a_blocked_sign_in_with_429_and_says_why(client, cast):
    for _ in range(5):  # login_failed allows 5 per 5 minutes per address signed in to
        assert attempt(client, cast.admin.email).status_code == 200

    blocked = attempt(client, cast.admin.email, PASSWORD)

    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "300"
    assert "Too many failed sign-in attempts. Wait a few minutes" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_answers_too_many_requests_with_a_page_of_its_own(client, cast, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    attempt(client, "first@acme.nl")
    attempt(client, "second@acme.nl")

    response = attempt(client, cast.admin.email, PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "You tried this too often in a short time." in response.content.decode()


def test_it_counts_each_user_behind_the_proxy_on_their_own_address(client, cast, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS,
                                    "login_failed": "3/m/ip"}
    for _ in range(3):
        attempt(client, cast.basic.email, REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert attempt(client, cast.basic.email, REMOTE_ADDR=PROXY,
                   HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429

    other_user = attempt(client, cast.admin.email, PASSWORD, REMOTE_ADDR=PROXY,
                         HTTP_X_FORWARDED_FOR="198.51.100.9")

    assert other_user.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.admin.pk)


def test_it_ignores_a_forwarded_address_without_a_trusted_proxy(client, cast, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS,
                                    "login_failed": "3/m/ip"}
    for number in range(3):
        attempt(client, cast.basic.email, HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")

    # A made-up header does not buy a fresh allowance.
    assert attempt(client, cast.admin.email, PASSWORD,
                   HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429
