import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from invoices.peppol.validation import ValidationReport, validate


class Command(BaseCommand):
    help = (
        "Validate UBL invoices and credit notes with the official rules (UBL 2.1 schema, then "
        "Peppol BIS Billing 3.0 or SI-UBL 2.0 as the CustomizationID says). Exits with status 1 "
        "when any file is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--json", action="store_true",
            help="Print one JSON object per file and line, with the failed rule ids.",
        )

    def handle(self, *args, files, json: bool = False, **options):
        refused = 0
        for name in files:
            report = self.report_for(name)
            refused += not report.valid
            if json:
                self.stdout.write(self.as_json(name, report))
            else:
                self.write_verdict(name, report)
        if refused:
            raise CommandError(f"{refused} of {len(files)} files are refused.")

    def report_for(self, name: str) -> ValidationReport:
        try:
            data = Path(name).read_bytes()
        except OSError as error:
            return ValidationReport.refused("unreadable", "file",
                                            detail=error.strerror or str(error))
        return validate(data)

    def as_json(self, name: str, report: ValidationReport) -> str:
        return json_dumps({
            "file": name,
            "valid": report.valid,
            "xsd_valid": report.xsd_valid,
            "rules": report.rules,
            "release": report.release,
            "fatal": report.fatal_rule_ids,
            "warnings": report.warning_rule_ids,
        })

    def write_verdict(self, name: str, report: ValidationReport) -> None:
        self.stdout.write(f"{name}: {report.render_verdict(gettext)}")
        for message in report.fatal + report.warnings:
            where = f" at {message.location}" if message.location else ""
            # The rule id has its own column; the official text repeats it in front.
            self.stdout.write(
                f"  {message.flag} {message.rule_id}{where}: {message.shown_text}")


def json_dumps(value) -> str:
    # The option is called --json, which shadows the module inside handle().
    return json.dumps(value, ensure_ascii=False)
