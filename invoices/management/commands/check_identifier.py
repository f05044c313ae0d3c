from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from invoices.peppol.identifiers import IdentifierError, parse, scheme_title


class Command(BaseCommand):
    help = "Check Peppol participant identifiers, such as 0088:1234567890128 or 0106:12345678."

    def add_arguments(self, parser):
        parser.add_argument("identifiers", nargs="+", metavar="scheme:value")

    def handle(self, *args, identifiers, **options):
        invalid = 0
        for text in identifiers:
            try:
                identifier = parse(text)
            except IdentifierError as error:
                invalid += 1
                self.stdout.write(f"INVALID {text}: {error.render(gettext)}")
            else:
                title = gettext(scheme_title(identifier.scheme))
                self.stdout.write(f"VALID {identifier} ({title})")
        if invalid:
            raise CommandError(f"{invalid} of {len(identifiers)} identifiers are invalid.")
