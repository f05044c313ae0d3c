"""Re-encrypt every stored second-factor secret under the first key of MFA_ENCRYPTION_KEY."""

from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand
from django.db import transaction

from onboarding import encryption


class Command(BaseCommand):
    help = ("Re-encrypt TOTP secrets and recovery-code seeds under the first key of "
            "MFA_ENCRYPTION_KEY; afterwards the old keys can leave the list.")

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true",
                            help="Only print a new key to put first in MFA_ENCRYPTION_KEY.")

    def handle(self, *args, new_key=False, **options):
        if new_key:
            self.stdout.write(Fernet.generate_key().decode())
            return
        changed = 0
        with transaction.atomic():
            for authenticator in (Authenticator.objects.select_for_update()
                                  .filter(type__in=list(encryption.SECRET_FIELDS))):
                data = encryption.transform_data(
                    authenticator.type, authenticator.data,
                    lambda value: encryption.rotate(encryption.encrypt_if_plain(value)))
                authenticator.data = data
                authenticator.save(update_fields=["data"])
                changed += 1
        self.stdout.write(f"Re-encrypted the secrets of {changed} authenticator(s).")
