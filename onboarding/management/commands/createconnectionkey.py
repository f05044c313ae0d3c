"""Create a connection key from the command line, for operations and scripted set-ups."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from onboarding.models import ConnectionKey, Membership, Organization, Role, Software, User
from portal.errors import ChangeRefused


class Command(BaseCommand):
    help = ("Create a connection key for an organization and print its App Key and Secret. "
            "The Secret is shown this once.")

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, metavar="COMPANY_ID",
                            help="The organization's company ID (XC...).")
        parser.add_argument("--software", required=True, choices=Software.values,
                            help="The software package the key is for.")
        parser.add_argument("--by", metavar="EMAIL",
                            help="Who the audit log records as creator; an administrator of "
                                 "the organization. Default: the environment's first "
                                 "administrator.")
        parser.add_argument("--label", default="", help="A description shown with the key.")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="Print the key as JSON, for scripts.")

    def handle(self, *args, organization, software, by, label, as_json, **options):
        company_id = organization.strip().upper()
        org = (Organization.objects.select_related("environment")
               .filter(company_id=company_id).first())
        if org is None:
            raise CommandError(_("No organization has company ID %(company_id)s.")
                               % {"company_id": company_id})
        user = self.creator(org, by)
        try:
            issued = ConnectionKey.issue(organization=org, software=software, by=user,
                                         label=label)
        except ChangeRefused as refused:
            raise CommandError(refused.plain) from None
        self.print_key(issued, user, as_json=as_json)

    def creator(self, organization, email):
        if email:
            user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
            if user is None:
                raise CommandError(_("No active user has the email address %(email)s.")
                                   % {"email": email})
            return user
        first_admin = (Membership.objects
                       .filter(environment=organization.environment, role=Role.ADMINISTRATOR,
                               user__is_active=True)
                       .select_related("user").order_by("created_at", "id").first())
        if first_admin is None:
            raise CommandError(_("The environment %(environment)s has no administrator; name "
                                 "one with --by.")
                               % {"environment": organization.environment.name})
        return first_admin.user

    def print_key(self, issued, user, *, as_json: bool):
        key = issued.key
        if as_json:
            self.stdout.write(json.dumps({
                "app_key": key.app_key, "secret": issued.secret,
                "quick_connect": issued.quick_connect,
                "company_id": key.organization.company_id, "software": key.software,
                "created_by": user.email,
            }, indent=2))
            return
        self.stdout.write(_("Connection key for %(organization)s (%(company_id)s), "
                            "%(software)s:") % {
            "organization": key.organization.name, "company_id": key.organization.company_id,
            "software": key.get_software_display()})
        self.stdout.write(f"  App Key:       {key.app_key}")
        self.stdout.write(f"  Secret:        {issued.secret}")
        self.stdout.write(f"  Quick connect: {issued.quick_connect}")
        self.stdout.write(_("Created by %(email)s in the audit log. The Secret is not stored: "
                            "keep it now.") % {"email": user.email})
