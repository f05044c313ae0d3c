"""Import customer cards from a CSV or XLSX file, as the import page does."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from customers import importing
from customers.models import ImportJob
from onboarding.models import Organization, User


class Command(BaseCommand):
    help = ("Import customer cards into an organization from a CSV or XLSX file whose first row "
            "names the columns. Rows are matched on the customer number. With rejected rows "
            "nothing is imported, unless --import-valid-rows is given.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--organization", required=True, metavar="COMPANY_ID",
                            help="the organization's company ID (Bedrijfs-ID), e.g. XCNL00000001")
        parser.add_argument("--import-valid-rows", action="store_true",
                            help="import the valid rows even when some rows are rejected")
        parser.add_argument("--user", metavar="EMAIL",
                            help="record the import in the audit log as this user's")

    def handle(self, *args, file, organization, import_valid_rows, user, **options):
        org = Organization.objects.filter(company_id__iexact=organization.strip()).first()
        if org is None:
            raise CommandError(f"No organization has company ID {organization}.")
        by = None
        if user:
            by = User.objects.filter(email__iexact=user).first()
            if by is None:
                raise CommandError(f"No user has email address {user}.")
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        try:
            job = importing.import_file(org, by=by, environment=None, filename=file.name,
                                        content=content, import_valid_rows=import_valid_rows)
        except importing.FileProblem as problem:
            raise CommandError(str(problem.message)) from problem

        for row, number, column, reason in importing.rejections_shown(job):
            self.stderr.write(f"row {row} (customer {number or '-'}), {column}: {reason}")
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.error)
        if job.status == ImportJob.Status.CHECKED:
            raise CommandError(
                f"{job.rows_total} rows, {job.rows_rejected} rejected: nothing was imported. "
                f"Correct the rejected rows, or use --import-valid-rows to import the "
                f"{job.rows_valid} valid ones.")
        self.stdout.write(self.style.SUCCESS(
            f"{job.rows_total} rows: {job.rows_created} imported, {job.rows_updated} updated, "
            f"{job.rows_unchanged} unchanged, {job.rows_rejected} rejected."))
