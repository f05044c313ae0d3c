"""Rotating MFA_ENCRYPTION_KEY as the README says keeps every secret stored under it:
second factors and webhook secrets."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from onboarding.encryption import UndecryptableSecret
from webhooks.models import Topic, Webhook

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def add_hook(cast):
    return Webhook.create(by=cast.admin, environment=cast.company,
                          url="https://erp.example.com/hooks", topics=[Topic.INVOICE_RECEIVED])


def test_it_keeps_webhook_secrets_after_the_old_key_is_dropped(cast, settings, capsys):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    hook, secret = add_hook(cast)

    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("rotate_mfa_keys")
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]

    assert Webhook.objects.get(pk=hook.pk).secret == secret
    assert "1 webhook(s)" in capsys.readouterr().out


def test_it_names_the_webhook_whose_secret_a_dropped_key_locked(cast, settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    hook, _secret = add_hook(cast)
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(UndecryptableSecret) as raised:
        Webhook.objects.get(pk=hook.pk).secret  # noqa: B018

    assert f"secret of webhook {hook.pk}" in str(raised.value)
    assert "second-factor" not in str(raised.value)


def test_it_rotates_nothing_when_a_webhook_secret_cannot_be_read(cast, settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    hook, _secret = add_hook(cast)
    stored = Webhook.objects.get(pk=hook.pk).secret_encrypted
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(CommandError, match=f"webhook {hook.pk}"):
        call_command("rotate_mfa_keys")

    assert Webhook.objects.get(pk=hook.pk).secret_encrypted == stored


def test_it_keeps_mail_waiting_in_the_queue_readable(settings, mailoutbox):
    from django_tasks_db.models import DBTaskResult

    from portal.mail import queue_mail

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASKS_BACKEND = "database"
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    queue_mail(subject="Your invitation", body="Open https://portal.example.com/i/abc",
               to=["new@acme.nl"])

    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("rotate_mfa_keys")
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    DBTaskResult.objects.get().task.call(**DBTaskResult.objects.get().args_kwargs["kwargs"])

    assert [m.subject for m in mailoutbox] == ["Your invitation"]
    assert "https://portal.example.com/i/abc" in mailoutbox[0].body
