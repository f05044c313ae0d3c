"""Demo data for a new database, so `make run` has something to sign in to."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from onboarding.models import (
    Environment,
    Membership,
    Organization,
    OrganizationIdentifier,
    Role,
    Subscription,
    User,
)

DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - published demo login

DEMO_USERS = [
    # email, environment domain, role, description
    ("admin@demo-bakery.nl", "demo-bakery.nl", Role.ADMINISTRATOR, "environment administrator"),
    ("basic@demo-bakery.nl", "demo-bakery.nl", Role.BASIC, "basic user"),
    ("accountant@demo-accountants.nl", "demo-accountants.nl", Role.ADMINISTRATOR,
     "accountant (administrator of an accountancy environment)"),
]
TECHSUPPORT_EMAIL = "techsupport@portal.example"
SALES_EMAIL = "sales@portal.example"


class Command(BaseCommand):
    help = "Create the demo environments and logins when the database has no users yet."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="Create the demo data even if users exist.")

    def handle(self, *args, force=False, **options):
        if User.objects.exists() and not force:
            self.stdout.write("Database already has users; demo data left as it is.")
        else:
            with transaction.atomic():
                organization = self._create()
            from onboarding.integrations.demo import stall_demo_runs

            stall_demo_runs(organization)
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        self._print_logins()

    def _create(self):
        environments = {}
        for email, domain, role, _description in DEMO_USERS:
            env = environments.get(domain)
            if env is None:
                env = Environment.objects.create(
                    name=domain, domain=domain,
                    subscription=Subscription.PROFESSIONAL
                    if "accountants" in domain else Subscription.INVOICE_PORTAL,
                )
                environments[domain] = env
            user = self._user(email)
            Membership.objects.create(environment=env, user=user, role=role)
        bakery = environments["demo-bakery.nl"]
        admin = bakery.administrators().get()
        org = Organization.create(
            environment=bakery, by=admin, name="Demo Bakery B.V.", country="NL",
            registry_number="81234567", registry_checked=True, street="Langestraat 12",
            postal_code="3811AB", city="Amersfoort",
        )
        OrganizationIdentifier.add(org, admin, "0106", "81234567")
        from invoices.demo import create_demo_documents

        create_demo_documents(org, admin)
        from onboarding.integrations.demo import create_demo_runs

        create_demo_runs(org, admin, environments["demo-accountants.nl"])
        self._customers(org)
        self._client_of(environments["demo-accountants.nl"], org, admin)
        # One organization in TechSupport's activation queue, to try the review on.
        waiting = Organization.create(
            environment=bakery, by=admin, name="Demo Bakery Utrecht B.V.", country="NL",
            registry_number="81234568", registry_checked=True, city="Utrecht",
        )
        OrganizationIdentifier.add(waiting, admin, "0106", "81234568")
        waiting.request_activation(admin, requester_name="Demo Admin", requester_role="Owner",
                                   registry_number="81234568")
        self._staff_queues(org, admin)
        staff = self._user(TECHSUPPORT_EMAIL, is_techsupport=True)
        # Staff pages need MFA; the demo staff users get TOTP with a published secret.
        Authenticator.objects.create(
            user=staff, type=Authenticator.Type.TOTP,
            data={"secret": _encrypted_demo_secret()},
        )
        sales = self._user(SALES_EMAIL, is_sales=True)
        Authenticator.objects.create(
            user=sales, type=Authenticator.Type.TOTP,
            data={"secret": _encrypted_demo_secret()},
        )
        return org

    def _staff_queues(self, organization, admin):
        """Something in the staff queues that the other demo data leaves empty: an
        identifier that no register confirms and a party-link request, for TechSupport to
        decide, and an upgrade request for Sales."""
        from onboarding.models import (
            BrokerEnvironment,
            EntraIdentity,
            PartyLinkRequest,
            UpgradeRequest,
        )

        # A GLN of the bakery's shop: the KvK register knows nothing of it.
        OrganizationIdentifier.add(organization, admin, "0088", "8712345000011")
        UpgradeRequest.submit(environment=organization.environment, by=admin,
                              subscription=Subscription.PROFESSIONAL, api_contract=True,
                              message="We want to connect 4PS Business Central with API31.")
        # The administrator's Microsoft account, as Business Central's extension signs in.
        identity = EntraIdentity.link(
            user=admin, environment=organization.environment, tenant_id=DEMO_TENANT,
            object_id="00000000-0000-4000-8000-0000000000a1",
            username="admin@demo-bakery.nl", display_name="Demo Admin")
        PartyLinkRequest.submit(identity=identity, by=admin, environment=organization.environment,
                                broker=BrokerEnvironment.ACCEPTANCE,
                                entra_username=identity.username, organizations=[organization])

    def _client_of(self, accountancy, organization, client_admin):
        """The accountant works for the bakery: it asked for access, and the bakery gave it."""
        from onboarding.models import AuthorisationRequest, Software

        request = AuthorisationRequest.send(
            environment=accountancy, by=accountancy.administrators().get(),
            client_name=organization.name, client_email=client_admin.email,
            software=Software.AFAS, registry_number=organization.registry_number)
        request.accept(client_admin, organization)

    def _customers(self, organization):
        """Customer cards as a bookkeeper meets them: one ready for Peppol, one still on the
        guides' dummy number, one without an Endpoint-ID."""
        from customers.models import CustomerCard

        for number, name, scheme, value in (
                ("1001", "Koffiebranderij Noord B.V.", "0106", "69123456"),
                ("1002", "Lunchroom De Hoek", "0106", "99999998"),
                ("1003", "Hotel Zeezicht", "", "")):
            CustomerCard.objects.create(
                organization=organization, customer_number=number, name=name,
                endpoint_scheme=scheme, endpoint_value=value,
                buyer_reference_source="your_reference")

    def _user(self, email, **flags):
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, **flags)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    def _print_logins(self):
        self.stdout.write("")
        self.stdout.write("Open http://127.0.0.1:8000 and sign in with one of these demo logins")
        self.stdout.write(f"(password for all: {DEMO_PASSWORD}):")
        for email, _domain, _role, description in DEMO_USERS:
            self.stdout.write(f"  {email:<34} {description}")
        self.stdout.write(f"  {TECHSUPPORT_EMAIL:<34} TechSupport staff; TOTP secret "
                          f"{DEMO_TOTP_SECRET} (add it to an authenticator app)")
        self.stdout.write(f"  {SALES_EMAIL:<34} Sales staff (upgrade requests, subscriptions); "
                          f"same TOTP secret")
        if settings.DEBUG:
            self.stdout.write("Emails (verification links, invitations) are printed here.")


# A made-up Microsoft Entra tenant of the demo bakery.
DEMO_TENANT = "00000000-0000-4000-8000-00000000d3e0"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPDEMOPORTALSTAFFA"  # noqa: S105 - published demo secret


def _encrypted_demo_secret():
    from allauth.mfa.adapter import get_adapter

    return get_adapter().encrypt(DEMO_TOTP_SECRET)
