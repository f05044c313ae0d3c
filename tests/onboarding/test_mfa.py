import time

import pytest
from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

from tests.conftest import PASSWORD, TOTP_SECRET, sign_in

pytestmark = pytest.mark.django_db


# A code this close to the end of its window could be checked after the window ended (the
# server accepts no other window's code): wait for the next window instead.
LAST_SECONDS = 5


def current_code(secret=TOTP_SECRET):
    """The authenticator's code, with at least LAST_SECONDS of its window left."""
    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < LAST_SECONDS:
        time.sleep(left + 0.05)
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def test_it_asks_for_the_authenticator_code_after_the_password(client, cast):
    response = client.post("/accounts/login/", {"login": cast.techsupport.email,
                                                "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert client.session["_auth_user_id"] == str(cast.techsupport.pk)
    assert client.get("/staff/").status_code == 200


def test_it_lets_a_user_switch_on_totp_and_get_recovery_codes(client, cast):
    sign_in(client, cast.admin)
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert response.status_code == 302
    types = set(Authenticator.objects.filter(user=cast.admin).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
