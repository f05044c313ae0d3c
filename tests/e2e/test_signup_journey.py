"""A newcomer signs up, verifies, invites a colleague, and the colleague joins."""

import re

import pytest
from django.core import mail

from onboarding.models import Membership, Role
from tests.e2e.screens import at_laptop_widths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-password-42"


def new_page(browser, locale):
    page = browser.new_context(locale=locale).new_page()
    page.set_default_timeout(10_000)
    return page


def last_link(pattern):
    for message in reversed(mail.outbox):
        found = re.search(pattern, message.body)
        if found:
            return found.group(0)
    raise AssertionError(f"no email with {pattern}")


def test_it_takes_a_newcomer_from_sign_up_to_a_colleague_joining(live_server, browser):
    founder = new_page(browser, "en-GB")
    founder.goto(f"{live_server.url}/accounts/login/")
    assert founder.locator("#portal-intro").get_by_text("gets your organizations onto "
                                                        "Peppol").is_visible()
    at_laptop_widths(founder, "sign-in")
    founder.locator("#signup-link").click()
    founder.get_by_label("Company name").fill("BrowserCo B.V.")
    at_laptop_widths(founder, "sign-up")
    founder.locator("#id_email").fill("founder@browserco.nl")
    founder.locator("#id_password1").fill(PASSWORD)
    founder.locator("#id_password2").fill(PASSWORD)
    founder.get_by_role("button", name="Sign Up").click()
    founder.get_by_text("Verify Your Email Address").wait_for()

    founder.goto(last_link(r"http://[^\s]+/accounts/confirm-email/[^\s]+"))
    founder.get_by_role("button", name="Confirm").click()
    founder.get_by_role("heading", name="BrowserCo B.V.").wait_for()
    assert founder.get_by_text("Add a second administrator.").is_visible()

    # The environment's users are in the menu named after the environment.
    founder.locator("#environment-menu").click()
    founder.get_by_role("link", name="Users", exact=True).click()
    founder.get_by_role("link", name="Invite a user").click()
    founder.get_by_label("Email address").fill("colleague@browserco.nl")
    founder.get_by_label("Role").select_option(Role.ADVANCED)
    founder.get_by_role("button", name="Send invitation").click()
    founder.get_by_text("Invitation sent to colleague@browserco.nl.").wait_for()

    colleague = new_page(browser, "en-GB")
    colleague.goto(last_link(r"http://[^\s]+/invitations/accept/[^\s]+"))
    colleague.get_by_role("heading", name="Join BrowserCo B.V.").wait_for()
    colleague.get_by_role("link", name="Create an account").click()
    assert colleague.get_by_label("Company name").count() == 0  # the invitation decides
    colleague.locator("#id_email").fill("colleague@browserco.nl")
    colleague.locator("#id_password1").fill(PASSWORD)
    colleague.locator("#id_password2").fill(PASSWORD)
    colleague.get_by_role("button", name="Sign Up").click()
    colleague.wait_for_url(lambda url: "/accounts/signup/" not in url)
    colleague.get_by_text("Welcome to BrowserCo B.V.! You joined as Advanced.").wait_for()
    assert "already been accepted" not in colleague.content()
    at_laptop_widths(colleague, "invitation-welcome")
    colleague.get_by_role("link", name="Go to the dashboard").click()
    colleague.get_by_role("heading", name="BrowserCo B.V.").wait_for()
    assert "You are Advanced in this environment" in colleague.content()

    membership = Membership.objects.get(user__email="colleague@browserco.nl")
    assert membership.role == Role.ADVANCED
    assert membership.environment.name == "BrowserCo B.V."


def test_it_speaks_dutch_along_the_way(live_server, browser):
    page = new_page(browser, "nl-NL")
    page.goto(f"{live_server.url}/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_label("Bedrijfsnaam").fill("Nederlands Bedrijf B.V.")
    page.locator("#id_email").fill("oprichter@nederlands.nl")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Registreren").click()
    page.wait_for_url(lambda url: "/accounts/signup/" not in url)
    page.goto(last_link(r"http://[^\s]+/accounts/confirm-email/[^\s]+"))
    page.get_by_role("button", name="Bevestigen").click()
    page.get_by_role("heading", name="Nederlands Bedrijf B.V.").wait_for()
    content = page.content()
    assert "Wat nu te doen" in content
    assert "Gebruikers" in content
    page.screenshot(path="test-results/dashboard-nl.png", full_page=True)
