"""Second-factor secrets at rest: encrypted under MFA_ENCRYPTION_KEY, rotated without locking
anyone out, and rows from before encryption migrated."""

import importlib
import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command

from onboarding.management.commands.seed_demo import DEMO_TOTP_SECRET
from tests.conftest import PASSWORD, TOTP_SECRET, enable_totp, sign_in
from tests.onboarding.test_mfa import current_code

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()

migration = importlib.import_module("onboarding.migrations.0006_encrypt_mfa_secrets")


def signs_in_with_totp(client, user, secret=TOTP_SECRET) -> bool:
    # allauth refuses a code used once already; the cache remembers those.
    cache.clear()
    client.logout()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    return client.session.get("_auth_user_id") == str(user.pk)


def stored(user):
    return {a.type: a.data for a in Authenticator.objects.filter(user=user)}


def test_it_stores_no_second_factor_secret_in_plain_text(client, cast):
    sign_in(client, cast.admin)
    secret = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})

    data = stored(cast.admin)
    dump = json.dumps(data)
    assert secret not in dump
    seed = data[Authenticator.Type.RECOVERY_CODES]["seed"]
    assert data[Authenticator.Type.TOTP]["secret"].startswith("gAAAAA")
    assert seed.startswith("gAAAAA") and len(seed) > 100
    assert signs_in_with_totp(client, cast.admin, secret)


def test_it_keeps_users_signing_in_while_the_key_is_rotated(client, cast, settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    enable_totp(cast.admin)
    codes = RecoveryCodes.activate(cast.admin).generate_codes()
    before = stored(cast.admin)

    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert signs_in_with_totp(client, cast.admin)
    call_command("rotate_mfa_keys")

    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    after = stored(cast.admin)
    assert after[Authenticator.Type.TOTP]["secret"] != before[Authenticator.Type.TOTP]["secret"]
    assert signs_in_with_totp(client, cast.admin)
    assert RecoveryCodes(Authenticator.objects.get(
        user=cast.admin, type=Authenticator.Type.RECOVERY_CODES)).generate_codes() == codes


def test_it_names_the_cause_when_a_key_was_dropped_too_early(cast, settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    enable_totp(cast.admin)
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]

    from onboarding.encryption import UndecryptableSecret, decrypt
    with pytest.raises(UndecryptableSecret, match="keep old keys in the list"):
        decrypt(stored(cast.admin)[Authenticator.Type.TOTP]["secret"])


def test_it_encrypts_the_rows_stored_before_encryption(client, cast):
    plain_totp = Authenticator.objects.create(
        user=cast.admin, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET})
    seed = "ab" * 40
    plain_codes = Authenticator.objects.create(
        user=cast.admin, type=Authenticator.Type.RECOVERY_CODES,
        data={"seed": seed, "used_mask": 3, "migrated_codes": ["12345678"]})

    migration.encrypt_plain_secrets(apps, None)
    migration.encrypt_plain_secrets(apps, None)  # a second run leaves tokens as they are

    plain_totp.refresh_from_db()
    plain_codes.refresh_from_db()
    assert TOTP_SECRET not in json.dumps(plain_totp.data)
    assert seed not in json.dumps(plain_codes.data)
    assert "12345678" not in json.dumps(plain_codes.data)
    assert plain_codes.data["used_mask"] == 3
    assert signs_in_with_totp(client, cast.admin)

    migration.decrypt_secrets(apps, None)
    plain_codes.refresh_from_db()
    assert plain_codes.data["seed"] == seed


def test_it_lets_the_demo_techsupport_user_in_with_the_published_secret(client):
    call_command("seed_demo")
    from onboarding.models import User

    staff = User.objects.get(email="techsupport@portal.example")
    client.post("/accounts/login/", {"login": staff.email, "password": "demo-portal-2026"})
    client.post("/accounts/2fa/authenticate/", {"code": current_code(DEMO_TOTP_SECRET)})

    assert client.session.get("_auth_user_id") == str(staff.pk)
    assert DEMO_TOTP_SECRET not in json.dumps(stored(staff))


def test_it_warns_on_deploy_when_no_encryption_key_is_set(settings):
    from onboarding.checks import mfa_encryption_key

    settings.MFA_ENCRYPTION_KEYS = []
    assert [w.id for w in mfa_encryption_key(None)] == ["onboarding.W001"]
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    assert mfa_encryption_key(None) == []
