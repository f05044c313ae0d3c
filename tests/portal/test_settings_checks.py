"""Settings that would break the portal in production are reported by `manage.py check`:
malformed values as errors whatever DEBUG is, development values by `check --deploy`."""

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import connection


def issues(deploy=False) -> dict:
    return {message.id: message
            for message in checks.run_checks(include_deployment_checks=deploy)}


def test_it_refuses_an_mfa_encryption_key_that_is_not_a_fernet_key(settings):
    settings.MFA_ENCRYPTION_KEYS = ["ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=", "notakey"]

    found = issues()

    assert found["onboarding.E001"].level == checks.ERROR
    assert "Key 2 of MFA_ENCRYPTION_KEY" in found["onboarding.E001"].msg


@pytest.mark.parametrize("setting", ["API_RATE_LIMIT", "API31_RATE_LIMIT",
                                     "API_AUTH_FAILURE_LIMIT"])
def test_it_refuses_a_rate_limit_it_cannot_read(settings, setting):
    setattr(settings, setting, "lots")

    found = issues()

    assert found["onboarding.E002"].level == checks.ERROR
    assert f"{setting} is 'lots'" in found["onboarding.E002"].msg


def test_it_refuses_a_webhook_ca_bundle_that_is_not_a_file(settings, tmp_path):
    settings.WEBHOOKS_CA_BUNDLE = str(tmp_path / "missing.pem")

    found = issues()

    assert found["portal.E001"].level == checks.ERROR
    assert "missing.pem" in found["portal.E001"].msg


def test_it_accepts_a_webhook_ca_bundle_that_exists(settings, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    settings.WEBHOOKS_CA_BUNDLE = str(bundle)

    assert "portal.E001" not in issues()


def test_it_warns_at_deploy_of_sqlite_console_mail_and_a_localhost_sender(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "Peppol portal <portal@localhost>"

    found = issues(deploy=True)

    # The suite runs on SQLite and again on PostgreSQL: warned of on the first only.
    if connection.vendor == "sqlite":
        assert "SQLite" in found["portal.W003"].msg
    else:
        assert "portal.W003" not in found
    assert "console" in found["portal.W004"].msg
    assert "portal@localhost" in found["portal.W005"].msg
    assert not {"portal.W003", "portal.W004", "portal.W005"} & set(issues())


def test_it_does_not_warn_of_a_real_mail_server_and_sender(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "Peppol portal <portal@example.com>"

    found = issues(deploy=True)

    assert "portal.W004" not in found and "portal.W005" not in found


def test_the_test_settings_pass_the_ordinary_checks():
    call_command("check", fail_level="ERROR")
