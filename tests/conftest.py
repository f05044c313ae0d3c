"""The fixed cast every test may use, and the browser for end-to-end tests."""

import html
import os
import re
import shutil
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator

from onboarding.models import Environment, Membership, Role, Subscription, User

PASSWORD = "correct-horse-battery-9"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def make_user(email, *, password=PASSWORD, **fields):
    user = User.objects.create_user(email=email, password=password, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_environment(domain, **fields):
    return Environment.objects.create(name=fields.pop("name", domain), domain=domain, **fields)


def enable_totp(user, secret=TOTP_SECRET):
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP,
        data={"secret": get_mfa_adapter().encrypt(secret)},
    )


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth keeps its rate-limit counters in the cache; each test starts with none, and
    # with no Entra signing keys held by the process.
    from django.core.cache import cache

    from onboarding.clients.entra_tokens import forget_held_keys

    cache.clear()
    forget_held_keys()


@pytest.fixture(autouse=True)
def _default_language():
    # A page served in Dutch leaves Dutch active in the test's thread, as a server thread
    # would until its next request; each test starts in the default language.
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@dataclass
class Cast:
    company: Environment
    admin: User
    basic: User
    accountancy: Environment
    accountant: User
    client: Environment
    client_admin: User
    techsupport: User
    sales: User
    other: Environment
    outsider: User


@pytest.fixture
def cast(db):
    company = make_environment("acme.nl", name="Acme")
    admin = make_user("admin@acme.nl", first_name="Anna", last_name="Admin")
    basic = make_user("basic@acme.nl", first_name="Bas", last_name="Basic")
    Membership.objects.create(environment=company, user=admin, role=Role.ADMINISTRATOR)
    Membership.objects.create(environment=company, user=basic, role=Role.BASIC)

    accountancy = make_environment("numbers.nl", name="Numbers Accountants",
                                   subscription=Subscription.PROFESSIONAL)
    accountant = make_user("accountant@numbers.nl")
    Membership.objects.create(environment=accountancy, user=accountant, role=Role.ADMINISTRATOR)
    client = make_environment("bakery.nl", name="Bakery")
    client_admin = make_user("owner@bakery.nl")
    Membership.objects.create(environment=client, user=client_admin, role=Role.ADMINISTRATOR)
    # The accountant's staff also works inside the client's own environment.
    Membership.objects.create(environment=client, user=accountant, role=Role.ADVANCED)

    techsupport = make_user("support@portal.example", is_techsupport=True)
    enable_totp(techsupport)
    sales = make_user("sales@portal.example", is_sales=True)

    other = make_environment("other.nl", name="Other")
    outsider = make_user("outsider@other.nl")
    Membership.objects.create(environment=other, user=outsider, role=Role.ADMINISTRATOR)
    return Cast(company, admin, basic, accountancy, accountant, client, client_admin,
                techsupport, sales, other, outsider)


def chromium_path():
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
    )


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed (Debian package 'chromium'); browser tests need it."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(client, user, password=PASSWORD):
    """Sign in and confirm the password again, as sensitive actions ask (reauthentication)."""
    client.force_login(user)
    response = client.post("/accounts/reauthenticate/", {"password": password})
    assert response.status_code == 302, response.content[:500]
    return client


def mails_to(email: str) -> list:
    """The mails sent to `email` alone so far: one person's view of the outbox, which
    staff's alerts and other people's mail share."""
    from django.core import mail

    return [message for message in mail.outbox if message.to == [email]]


def text(response) -> str:
    """The page as the user reads its text: HTML entities resolved."""
    return html.unescape(response.content.decode())


def field_error(response, field) -> str:
    """The error crispy forms shows under the field, as the user reads it."""
    match = re.search(rf'<div id="id_{field}_error" class="invalid-feedback">(.*?)</div>',
                      response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>|\s+", " ", match.group(1))).strip() if match else ""


def field_hint(response, field_id) -> str:
    """The hint a screen reader reads with the field: the texts its aria-describedby names,
    errors left out."""
    page = response.content.decode()
    field = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{field_id}"[^>]*>', page)
    described = re.search(r'aria-describedby="([^"]*)"', field.group(0)) if field else None
    hints = []
    for hint_id in described.group(1).split() if described else ():
        hint = re.search(rf'<(div|p|span)\b[^>]*\bid="{hint_id}"[^>]*>(.*?)</\1>', page, re.S)
        if hint and "invalid-feedback" not in hint.group(0):
            hints.append(" ".join(html.unescape(re.sub(r"<[^>]+>", "", hint.group(2))).split()))
    return " ".join(hints)


def tied_error(response, field_id) -> str:
    """The error a screen reader reads with the field: the texts its aria-describedby names
    that are errors, when the field is also marked invalid; empty otherwise."""
    page = response.content.decode()
    field = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{field_id}"[^>]*>', page)
    if field is None or 'aria-invalid="true"' not in field.group(0):
        return ""
    described = re.search(r'aria-describedby="([^"]*)"', field.group(0))
    errors = []
    for hint_id in described.group(1).split() if described else ():
        hint = re.search(rf'<(div|p|span)\b[^>]*\bid="{hint_id}"[^>]*>(.*?)</\1>', page, re.S)
        if hint and "invalid-feedback" in hint.group(0):
            errors.append(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", hint.group(2))).split()))
    return " ".join(errors)


def link_names(response) -> list[str]:
    """The names a screen reader gives the page's links and buttons: their text, hidden
    parts included."""
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", inner)).split())
            for _tag, inner in re.findall(r"<(a|button)\b[^>]*>(.*?)</\1>",
                                          response.content.decode(), re.S)]


def give_identifier(organization, by):
    """An organization asks for its activation with a Peppol identifier: its KvK number when
    that is free on the platform, else a GLN of its own."""
    from stdnum import ean

    from onboarding.models import OrganizationIdentifier

    if organization.identifiers.exists():
        return
    number = organization.registry_number
    if organization.country == "NL" and len(number) == 8 and number.isdigit() and not \
            OrganizationIdentifier.objects.filter(scheme="0106", value=number).exists():
        OrganizationIdentifier.add(organization, by, "0106", number)
        return
    gln = f"87{organization.pk:010d}"
    OrganizationIdentifier.add(organization, by, "0088", gln + ean.calc_check_digit(gln))
