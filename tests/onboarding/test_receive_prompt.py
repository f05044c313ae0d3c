import pytest
from playwright.sync_api import expect

from onboarding.models import AuditEvent, Organization, OrganizationMember, Subscription
from tests.conftest import PASSWORD, give_identifier

pytestmark = pytest.mark.django_db

UNDECIDED = Organization.ReceiveDecision.UNDECIDED


def active_org(cast, name, environment=None, by=None):
    environment = environment or cast.company
    by = by or cast.admin
    org = Organization.create(environment=environment, by=by, name=name, country="DE",
                              registry_number=f"HRB {name}", registry_checked=True)
    give_identifier(org, by)
    org.request_activation(by, requester_name="A", requester_role="B",
                           registry_number=org.registry_number)
    org.approve(cast.techsupport)
    return org


@pytest.fixture
def orgs(cast):
    cast.company.subscription = Subscription.BASIC
    cast.company.save()
    return active_org(cast, "Trading"), active_org(cast, "Holding")


def log_in(client, user):
    """Through the sign-in form, as a person does, so the login signal fires."""
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def prompt_on_dashboard(client):
    page = client.get("/").content.decode()
    if 'id="receive-prompt"' not in page:
        return None
    return page[page.index('id="receive-prompt"'):]


def test_it_asks_about_receiving_after_login(client, cast, orgs):
    Organization.create(environment=cast.company, by=cast.admin, name="Draft BV")
    log_in(client, cast.admin)

    prompt = prompt_on_dashboard(client)

    assert prompt is not None
    assert "Trading" in prompt and "Holding" in prompt
    assert "Draft BV" not in prompt  # only active organizations send or receive
    assert "Enable receiving" in prompt and "Don't ask again" in prompt
    # A Bootstrap modal that names itself and opens on page load.
    assert 'aria-labelledby="receive-prompt-title"' in prompt
    assert "data-show-on-load" in prompt  # opened by static/portal/portal.js


def test_it_records_enabling_and_keeps_asking_about_the_rest(client, cast, orgs):
    trading, holding = orgs
    log_in(client, cast.admin)
    prompt_on_dashboard(client)

    response = client.post("/receiving/", {"organization": trading.pk, "receiving": "enable",
                                           "from_prompt": "1"}, follow=True)

    assert "Receiving is on for Trading." in response.content.decode()
    assert Organization.objects.get(pk=trading.pk).receiving_enabled
    event = AuditEvent.objects.get(action="organization.receiving")
    assert event.actor == cast.admin and event.after == {
        "receive_decision": "enabled", "identifiers": [str(trading.identifiers.get())]}
    prompt = response.content.decode()[response.content.decode().index('id="receive-prompt"'):]
    assert "Holding" in prompt and "Trading" not in prompt


def test_it_asks_again_at_the_next_login_when_the_prompt_was_closed(client, cast, orgs):
    log_in(client, cast.admin)
    assert prompt_on_dashboard(client) is not None
    # Closing the modal sends nothing; the next page has no prompt, nothing is recorded.
    assert prompt_on_dashboard(client) is None
    assert not AuditEvent.objects.filter(action="organization.receiving").exists()
    assert Organization.objects.filter(receive_decision=UNDECIDED).count() == 2

    client.post("/accounts/logout/")
    log_in(client, cast.admin)
    assert prompt_on_dashboard(client) is not None


def test_it_does_not_ask_again_about_a_declined_organization(client, cast, orgs):
    trading, holding = orgs
    log_in(client, cast.admin)
    client.post("/receiving/", {"organization": trading.pk, "receiving": "decline"})
    assert Organization.objects.get(pk=trading.pk).receive_decision == "declined"

    client.post("/accounts/logout/")
    log_in(client, cast.admin)
    prompt = prompt_on_dashboard(client)
    assert "Holding" in prompt and "Trading" not in prompt

    client.post("/receiving/", {"organization": holding.pk, "receiving": "decline"})
    client.post("/accounts/logout/")
    log_in(client, cast.admin)
    assert prompt_on_dashboard(client) is None


def test_it_asks_organization_administrators_but_not_basic_users(client, cast, orgs):
    trading, holding = orgs
    log_in(client, cast.basic)
    assert prompt_on_dashboard(client) is None

    OrganizationMember.objects.create(organization=holding, user=cast.basic)
    client.post("/accounts/logout/")
    log_in(client, cast.basic)
    assert prompt_on_dashboard(client) is None
    response = client.post("/receiving/", {"organization": holding.pk, "receiving": "enable"})
    assert response.status_code == 404

    OrganizationMember.objects.filter(user=cast.basic).update(
        role=OrganizationMember.OrgRole.ADMINISTRATOR)
    client.post("/accounts/logout/")
    log_in(client, cast.basic)
    prompt = prompt_on_dashboard(client)
    assert "Holding" in prompt and "Trading" not in prompt
    client.post("/receiving/", {"organization": holding.pk, "receiving": "enable"})
    assert Organization.objects.get(pk=holding.pk).receiving_enabled


def test_it_answers_404_for_another_environments_organization(client, cast, orgs):
    trading, _holding = orgs
    log_in(client, cast.outsider)
    for pk in (trading.pk, "nonsense", ""):
        response = client.post("/receiving/", {"organization": pk, "receiving": "enable"})
        assert response.status_code == 404
    assert Organization.objects.get(pk=trading.pk).receive_decision == UNDECIDED
    assert client.get("/receiving/").status_code == 405
    # Nor is a number no organization can have, or a digit that is not plain.
    log_in(client, cast.admin)
    for pk in ("9" * 30, "\u00b2"):
        response = client.post("/receiving/", {"organization": pk, "receiving": "enable"})
        assert response.status_code == 404
    assert not Organization.objects.exclude(receive_decision=UNDECIDED).exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_opens_the_prompt_on_page_load_and_works_by_keyboard(live_server, page, cast):
    cast.company.subscription = Subscription.BASIC
    cast.company.save()
    trading = active_org(cast, "Trading")

    def sign_in_by_form():
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("#id_login").fill(cast.admin.email)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("#id_password").press("Enter")

    def wait_for_prompt():
        dialog.wait_for()
        # Bootstrap moves the focus into the dialog once it has faded in.
        # (Checked from Playwright's own side: the page's CSP allows no string evaluation.)
        expect(page.locator("#receive-prompt")).to_be_focused()

    dialog = page.get_by_role("dialog", name="Do you also want to receive e-invoices?")
    sign_in_by_form()
    wait_for_prompt()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    page.reload()
    assert not page.get_by_role("dialog").is_visible()
    assert Organization.objects.get(pk=trading.pk).receive_decision == UNDECIDED

    page.locator("#account-menu").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in_by_form()
    wait_for_prompt()
    page.keyboard.press("Tab")  # the close button
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Enable receiving"
    page.get_by_text("Receiving is on for Trading.").wait_for()
    assert Organization.objects.get(pk=trading.pk).receiving_enabled
