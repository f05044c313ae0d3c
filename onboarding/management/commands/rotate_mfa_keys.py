"""Re-encrypt every secret stored under MFA_ENCRYPTION_KEY with its first key: second-factor
secrets (TOTP secrets, recovery-code seeds), webhook secrets and queued mail."""

from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from onboarding import encryption


class Command(BaseCommand):
    help = ("Re-encrypt TOTP secrets, recovery-code seeds, webhook secrets and queued mail "
            "under the first key of MFA_ENCRYPTION_KEY; afterwards the old keys can leave "
            "the list.")

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true",
                            help="Only print a new key to put first in MFA_ENCRYPTION_KEY.")

    def handle(self, *args, new_key=False, **options):
        if new_key:
            self.stdout.write(Fernet.generate_key().decode())
            return
        # Looked up, not imported: onboarding sits below webhooks, which encrypts its
        # secrets with the same keys (webhooks.models.Webhook.reencrypt_secret).
        Webhook = apps.get_model("webhooks", "Webhook")
        changed = hooks = 0
        # One transaction: a key that opens nothing stops the whole run, and nothing is left
        # half-rotated, so the old key stays in the list until a run succeeds.
        with transaction.atomic():
            for authenticator in (Authenticator.objects.select_for_update()
                                  .filter(type__in=list(encryption.SECRET_FIELDS))):
                try:
                    data = encryption.transform_data(
                        authenticator.type, authenticator.data,
                        lambda value: encryption.rotate(encryption.encrypt_if_plain(value)))
                except encryption.UndecryptableSecret as exc:
                    raise CommandError(
                        f"The {authenticator.type} secret of authenticator {authenticator.pk} "
                        "cannot be decrypted with any key in MFA_ENCRYPTION_KEY; nothing was "
                        "re-encrypted.") from exc
                authenticator.data = data
                authenticator.save(update_fields=["data"])
                changed += 1
            for hook in Webhook.objects.select_for_update().order_by("pk"):
                try:
                    hook.reencrypt_secret()
                except encryption.UndecryptableSecret as exc:
                    raise CommandError(f"{exc} Nothing was re-encrypted.") from exc
                hooks += 1
            mails = self._queued_mail()
        self.stdout.write(f"Re-encrypted the secrets of {changed} authenticator(s) and "
                          f"{hooks} webhook(s), and {mails} queued mail(s).")

    def _queued_mail(self) -> int:
        """Queued mail carries its subject and body encrypted in the task's arguments
        (portal.mail.queue_mail); a mail still to be sent, or a failed one that staff may
        retry, must stay readable. Sent mail that no key opens is left as it is."""
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from portal.mail import deliver_mail

        changed = 0
        for row in (DBTaskResult.objects.select_for_update()
                    .filter(task_path=deliver_mail.module_path).order_by("enqueued_at")):
            kwargs = dict(row.args_kwargs.get("kwargs", {}))
            if not kwargs.get("encrypted"):
                continue
            try:
                for field in ("subject", "body"):
                    kwargs[field] = encryption.rotate(kwargs[field])
            except encryption.UndecryptableSecret as exc:
                if row.status == TaskResultStatus.SUCCESSFUL:
                    continue
                raise CommandError(
                    f"The queued mail of task {row.id} (to {', '.join(kwargs.get('to', []))}) "
                    "cannot be decrypted with any key in MFA_ENCRYPTION_KEY; nothing was "
                    "re-encrypted.") from exc
            row.args_kwargs = {**row.args_kwargs, "kwargs": kwargs}
            row.save(update_fields=["args_kwargs"])
            changed += 1
        return changed
