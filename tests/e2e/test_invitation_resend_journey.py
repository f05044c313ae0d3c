"""An administrator invites an address twice and resends the invitation from the users page;
the invitee's older links send them to the newest mail, whose link opens the invitation."""

import re

import pytest
from django.core import mail

from onboarding.models import Invitation
from tests.e2e.screens import at_laptop_widths
from tests.e2e.test_organization_journey import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def link_in(message) -> str:
    return re.search(r"https?://\S+/invitations/accept/\S+/", message.body).group(0)


def invite(page, live_server, email):
    page.goto(f"{live_server.url}/users/invite/")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url(f"{live_server.url}/users/")


def test_it_resends_an_invitation_and_sends_old_links_to_the_newest_mail(live_server, browser,
                                                                         cast):
    admin = signed_in_page(browser, live_server, cast.admin.email)
    admin.set_viewport_size({"width": 1280, "height": 800})
    invite(admin, live_server, "newcomer@acme.nl")
    admin.get_by_text("Invitation sent to newcomer@acme.nl.").wait_for()
    first_link = link_in(mail.outbox[-1])

    invite(admin, live_server, "newcomer@acme.nl")
    admin.get_by_text(re.compile(r"It replaces the invitation of .+, whose link no longer "
                                 r"works\.")).wait_for()
    second_link = link_in(mail.outbox[-1])
    at_laptop_widths(admin, "invitation-replaced-notice")

    open_invitations = admin.locator("ul.list-group")
    assert open_invitations.locator("li").count() == 1
    open_invitations.get_by_role("link", name="Resend newcomer@acme.nl").click()
    admin.get_by_role("heading", name="Resend invitation").wait_for()
    assert "newcomer@acme.nl receives a new email with a new link" in admin.inner_text("main")
    at_laptop_widths(admin, "invitation-resend-confirm")
    admin.get_by_role("button", name="Resend invitation").click()
    admin.get_by_text("The invitation was sent again to newcomer@acme.nl.").wait_for()
    at_laptop_widths(admin, "invitation-resent")
    newest_link = link_in(mail.outbox[-1])
    assert Invitation.objects.pending().count() == 1

    invitee = browser.new_context(locale="en-GB").new_page()
    invitee.set_viewport_size({"width": 1280, "height": 800})
    for old in (first_link, second_link):
        invitee.goto(old)
        notice = invitee.locator("#invitation-replaced")
        assert notice.inner_text().startswith("A newer invitation was sent to this address on ")
        assert "use the link in that mail" in notice.inner_text()
        assert "revoked" not in invitee.inner_text("main")
    at_laptop_widths(invitee, "invitation-replaced-link")
    invitee.goto(newest_link)
    invitee.get_by_role("link", name="Create an account").wait_for()
    assert "Anna Admin" in invitee.inner_text("main") or cast.admin.email in \
        invitee.inner_text("main")
