from django.core.management.base import BaseCommand

from invoices.retention import purge_due


class Command(BaseCommand):
    help = ("Delete received documents past their retention: 90 days after arrival, or 7 days "
            "after download (DOCUMENT_RETENTION_DAYS, DOCUMENT_RETENTION_AFTER_DOWNLOAD_DAYS), "
            "keeping a fingerprint of each, and the fingerprints past "
            "DOCUMENT_FINGERPRINT_DAYS.")

    def handle(self, *args, **options):
        purged = purge_due()
        self.stdout.write(f"Purged {purged} received document(s).")
