"""The catalogue, starting and resuming a run, keys from the step, events recorded as they
happen, a step that breaks, hand-over, skipping, and support's list of stuck runs."""

import io
import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import formats, timezone

from onboarding.integrations.registry import get
from onboarding.integrations.runs import STUCK_AFTER, IntegrationRun
from onboarding.models import AuditEvent, ConnectionKey, Contract, Partnership, Subscription
from tests.conftest import mails_to, sign_in
from tests.integrations.helpers import (
    API31_BODY,
    SOAP_ENV,
    afas_run,
    api31_run,
    basic,
    issue,
    organization,
    states,
    subscribe,
)

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def test_it_lists_the_five_setups_with_their_facts_and_what_is_missing(client, cast):
    sign_in(client, cast.admin)
    page = text(client.get("/integrations/"))
    for name in ("AFAS", "4PS Construct", "4PS Business Central (API31)",
                 "4PS Business Central (PSB)", "Accept"):
        assert name in page
    assert "Connection keys (Native API)" in page and "Send + Receive" in page
    assert "A Basic subscription (you have Invoice Portal)" in page
    assert "A contract with API rights, entered by Sales" in page
    assert 'href="/subscription/"' in page
    assert 'data-qualifies="yes"' not in page

    subscribe(cast.company, Subscription.BASIC)
    page = text(client.get("/integrations/"))
    assert page.count('data-qualifies="yes"') == 2  # AFAS and Accept


def test_it_says_the_service_brokers_setup_waits_for_entra_id_sign_in(client, cast, settings):
    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="API-1")
    settings.ENTRA_BROKERS = {"production": {}, "acceptance": {}}
    settings.SUPPORT_EMAIL = "help@portal.example"
    sign_in(client, cast.admin)

    psb = text(client.get("/integrations/")).split('id="setup-business-central-psb"')[1]

    card = psb.split('id="setup-')[0]
    assert "Sign-in with Microsoft Entra ID, which this portal is not set up for yet" in card
    # Support sets that up; an upgrade would not.
    assert "Ask Sales for an upgrade" not in card
    assert 'href="mailto:help@portal.example">Write to support</a>' in card
    settings.ENTRA_BROKERS = {"production": {"CLIENT_ID": "c", "CLIENT_SECRET": "s"},
                              "acceptance": {}}
    psb = text(client.get("/integrations/")).split('id="setup-business-central-psb"')[1]
    assert 'data-qualifies="yes"' in psb.split('id="setup-')[0]


def test_it_tells_an_accountant_that_clients_set_up_on_their_own_subscription(client, cast):
    from onboarding.models import Partnership
    from tests.onboarding.test_authorisation_requests import as_accountant

    as_accountant(client, cast)
    assert 'id="clients-subscriptions"' not in text(client.get("/integrations/"))
    Partnership.start(accountant=cast.accountancy, organization=organization(cast),
                      by=cast.admin)

    page = text(client.get("/integrations/"))

    assert "set up on the client's subscription and contract" in page


def test_it_starts_a_run_for_an_active_organization_and_resumes_it(client, cast):
    subscribe(cast.company, Subscription.BASIC)
    org = organization(cast)
    organization(cast, active=False, kvk="11223344", name="Draft BV")
    sign_in(client, cast.admin)
    page = text(client.get("/integrations/start/?setup=afas"))
    assert "Acme Trading BV" in page and "Draft BV" not in page
    assert "Administrator access to your AFAS environment" in page

    response = client.post("/integrations/start/", {"setup": "afas", "organization": org.pk})
    run = IntegrationRun.objects.get()
    assert response.url == f"/integrations/runs/{run.pk}/"
    again = client.post("/integrations/start/", {"setup": "afas", "organization": org.pk})
    assert again.url == response.url and IntegrationRun.objects.count() == 1
    assert AuditEvent.objects.filter(action="integration.started").count() == 1
    assert client.post("/integrations/start/", {"setup": "afas",
                                                "organization": 0}).status_code == 400
    # What no form offers gets the same message, not an error page.
    tampered = client.post("/integrations/start/", {"setup": "afas", "organization": "abc"})
    assert tampered.status_code == 400
    assert "Choose one of your active organizations." in text(tampered)
    # Tied to the choice, for a screen reader there too.
    assert 'aria-invalid="true" aria-describedby="id_organization_error"' in text(tampered)
    assert '<div class="invalid-feedback" id="id_organization_error">' in text(tampered)


def test_it_starts_no_setup_the_environment_does_not_qualify_for(client, cast):
    org = organization(cast)  # on the free Invoice Portal subscription
    sign_in(client, cast.admin)

    page = text(client.get("/integrations/start/?setup=afas"))
    refused = client.post("/integrations/start/", {"setup": "afas", "organization": org.pk})

    assert "Your environment does not qualify yet" in page and 'name="organization"' not in page
    assert refused.status_code == 400
    assert "Your environment does not qualify for this setup yet." in text(refused)
    assert not IntegrationRun.objects.exists()


def test_it_tells_a_user_who_administers_no_organization_whom_to_ask(client, cast):
    subscribe(cast.company, Subscription.BASIC)
    organization(cast)
    sign_in(client, cast.basic)

    page = text(client.get("/integrations/start/?setup=afas"))

    assert 'id="ask-an-administrator"' in page
    assert 'href="mailto:admin@acme.nl"' in page
    assert "Add one and have it activated first" not in page
    assert 'name="organization"' not in page


def partnered_bakery(client, cast):
    """The client's bakery on Basic, in a partnership with the accountancy, and `client`
    signed in as the accountant, working in the accountancy."""
    from portal.tenancy import SESSION_KEY

    subscribe(cast.client, Subscription.BASIC)
    bakery = organization(cast, cast.client, kvk="87654321", name="Bakery BV")
    Partnership.start(accountant=cast.accountancy, organization=bakery, by=cast.client_admin)
    sign_in(client, cast.accountant)
    session = client.session
    session[SESSION_KEY] = cast.accountancy.pk
    session.save()
    return bakery


def test_it_lets_an_accountant_start_for_a_partnered_client(client, cast):
    bakery = partnered_bakery(client, cast)
    assert "Bakery BV" in text(client.get("/integrations/start/?setup=afas"))
    response = client.post("/integrations/start/", {"setup": "afas", "organization": bakery.pk})
    assert IntegrationRun.objects.get().organization == bakery
    assert client.get(response.url).status_code == 200


def test_it_tells_an_accountant_whose_client_the_plan_refuses_who_asks_sales(client, cast):
    bakery = partnered_bakery(client, cast)
    run = IntegrationRun.objects.get(pk=client.post("/integrations/start/", {
        "setup": "afas", "organization": bakery.pk}).url.split("/")[-2])
    subscribe(cast.client, Subscription.INVOICE_PORTAL)

    page = text(client.post(f"/integrations/runs/{run.pk}/",
                            {"action": "create_key", "step": "keys"}, follow=True))

    assert ("AFAS needs at least a Basic subscription: the free Invoice Portal subscription "
            "has no API access. The keys use the subscription of Bakery: its administrators "
            "ask Sales for the upgrade.") in page
    # The accountant's own upgrade page would change nothing for the client.
    assert "/subscription/upgrade/" not in page.split('role="alert"')[1].split("</div>")[0]
    assert not ConnectionKey.objects.exists()
    # The step says so at once, instead of offering keys it would refuse.
    step = page.split('id="step-keys"')[1].split('id="step-')[0]
    assert 'value="create_key"' not in step
    refused = step.split('class="small text-body-secondary mb-0 key-refused">')[1]
    assert refused.startswith("AFAS needs at least a Basic subscription")


def test_it_gives_accept_its_quick_connect_string_with_the_new_keys(client, cast):
    subscribe(cast.company, Subscription.BASIC)
    org = organization(cast)
    run, _created = IntegrationRun.start(organization=org, setup=get("accept"), by=cast.admin,
                                         environment=cast.company)
    sign_in(client, cast.admin)
    assert "shown with the Secret, when the key is created" in text(
        client.get(f"/integrations/runs/{run.pk}/"))

    page = text(client.post(f"/integrations/runs/{run.pk}/",
                            {"action": "create_key", "step": "keys"}))

    key = ConnectionKey.objects.get()
    secret = re.search(r'id="keys-secret" value="([^"]+)"', page).group(1)
    quick = re.search(r'id="configure-quick_connect"[^>]*>([^<]+)</textarea>', page).group(1)
    assert quick == (f"APP_KEY:{key.app_key};SECRET_KEY:{secret};EMAIL_ID:{cast.admin.email};"
                     f"COMPANY_ID:{org.company_id};")


def test_it_creates_keys_from_the_step_and_shows_the_secret_once(client, cast):
    run = afas_run(cast)
    sign_in(client, cast.admin)
    page = text(client.get(f"/integrations/runs/{run.pk}/"))
    assert "Create connection keys" in page and "Step 6: Receiving invoices" in page
    assert "over HTTPS, on port 443" in page

    response = client.post(f"/integrations/runs/{run.pk}/",
                           {"action": "create_key", "step": "keys"})
    key = ConnectionKey.objects.get()
    secret = re.search(r'id="keys-secret" value="([^"]+)"', text(response)).group(1)
    assert key.software == "afas" and key.matches(secret)
    assert "no-store" in response["Cache-Control"]
    assert secret not in text(client.get(f"/integrations/runs/{run.pk}/"))

    client.get("/api/v1/ping", HTTP_AUTHORIZATION=basic(key.app_key, secret))
    status = client.get(f"/integrations/runs/{run.pk}/status/").json()
    assert status["steps"]["keys"]["state"] == "complete"
    assert status["steps"]["enter_keys"]["state"] == "complete"
    assert "used connection key" in status["steps"]["enter_keys"]["html"]


def test_it_offers_afas_a_pair_of_keys_for_each_of_its_environments(client, cast):
    run = afas_run(cast)
    sign_in(client, cast.admin)
    client.post(f"/integrations/runs/{run.pk}/", {"action": "create_key", "step": "keys"})
    step = client.get(f"/integrations/runs/{run.pk}/").content.decode() \
        .split('id="step-keys"')[1].split('id="step-')[0]
    assert "Create keys for another AFAS environment" in step

    client.post(f"/integrations/runs/{run.pk}/", {"action": "create_key", "step": "keys"})

    assert ConnectionKey.objects.filter(organization=run.organization, software="afas",
                                        revoked_at=None).count() == 2


def test_it_offers_no_second_pair_to_software_with_one_environment(client, cast):
    subscribe(cast.company, Subscription.BASIC)
    run, _created = IntegrationRun.start(organization=organization(cast), setup=get("accept"),
                                         by=cast.admin, environment=cast.company)
    sign_in(client, cast.admin)
    client.post(f"/integrations/runs/{run.pk}/", {"action": "create_key", "step": "keys"})

    assert 'id="another-key"' not in client.get(f"/integrations/runs/{run.pk}/").content.decode()


@pytest.mark.parametrize(("software", "step", "tested", "event"), [
    ("afas", "enter_keys", False, "connection_key.used"),
    ("4ps_business_central", "configure", True, "connection_key.tested"),
])
def test_it_records_events_as_they_happen(cast, django_capture_on_commit_callbacks, software,
                                          step, tested, event):
    run = afas_run(cast) if software == "afas" else api31_run(cast)[0]
    with django_capture_on_commit_callbacks(execute=True):
        issued = issue(run, cast)
    run.refresh_from_db()
    assert run.progress["keys"]["event"] == "connection_key.created"
    with django_capture_on_commit_callbacks(execute=True):
        issued.key.note_use(tested=tested)
    run.refresh_from_db()
    assert run.progress[step]["event"] == event


def test_it_refreshes_once_per_transaction_and_not_for_a_rolled_back_savepoint(
        cast, django_capture_on_commit_callbacks):
    from django.db import transaction

    from onboarding.integrations.receivers import refresh_runs

    run = afas_run(cast)
    with django_capture_on_commit_callbacks() as refreshes, transaction.atomic():
        refresh_runs(run.organization_id, "document.queued")
        refresh_runs(run.organization_id, "document.delivered")
        refresh_runs(run.organization_id + 1, "document.received")
        try:
            with transaction.atomic():
                refresh_runs(run.organization_id + 2, "document.refused")
                raise RuntimeError
        except RuntimeError:
            pass
    assert [(r.organization_id, r.event) for r in refreshes] == [
        (run.organization_id, "document.delivered"),
        (run.organization_id + 1, "document.received")]


def test_it_shows_a_step_broken_after_the_key_is_revoked(client, cast):
    run = afas_run(cast)
    issued = issue(run, cast)
    assert states(run)["keys"].state == "complete"
    issued.key.revoke(cast.admin)
    found = states(run)
    assert found["keys"].state == "broken"
    issued.key.refresh_from_db()
    # In the portal's time and way of writing, as the rest of the page.
    assert found["keys"].result.message.startswith(
        f"Connection key {issued.key.app_key} was revoked on "
        f"{formats.date_format(timezone.localtime(issued.key.revoked_at), 'DATETIME_FORMAT')}.")
    assert found["enter_keys"].state == "waiting"
    event = AuditEvent.objects.get(action="integration.step_broken")
    assert event.after == {"setup": "afas", "step": "keys"}
    states(run)
    assert AuditEvent.objects.filter(action="integration.step_broken").count() == 1
    sign_in(client, cast.admin)
    assert "Broken" in text(client.get(f"/integrations/runs/{run.pk}/"))
    # The dashboard counts what still holds, as the setup's page does.
    assert "1 of 6 steps done" in text(client.get("/"))
    client.cookies["django_language"] = "nl"
    activity = text(client.get("/activity/"))
    assert "<dt>Stap</dt><dd>Verbindingssleutels aanmaken</dd>" in activity
    assert "<td>het systeem</td>" in activity


def test_it_hands_a_run_to_a_colleague_and_refuses_outsiders(client, cast):
    run = afas_run(cast)
    from onboarding.models import Membership, Role

    sign_in(client, cast.admin)
    # Only whoever may configure the organization is offered.
    assert 'name="to"' not in text(client.get(f"/integrations/runs/{run.pk}/"))
    Membership.objects.filter(user=cast.basic).update(role=Role.ADMINISTRATOR)
    offered = text(client.get(f"/integrations/runs/{run.pk}/"))
    assert "basic@acme.nl" in offered.split('name="to"')[1].split("</select>")[0]

    client.post(f"/integrations/runs/{run.pk}/", {"action": "hand_over", "to": cast.basic.pk})
    run.refresh_from_db()
    assert run.assigned_to == cast.basic
    assert AuditEvent.objects.get(action="integration.handed_over").after["to"] == \
        "basic@acme.nl"
    [told] = mails_to("basic@acme.nl")
    assert "You carry on with the AFAS setup of Acme Trading BV" in told.subject
    assert f"{django_settings.PORTAL_URL}/integrations/runs/{run.pk}/" in told.body
    client.post(f"/integrations/runs/{run.pk}/", {"action": "hand_over",
                                                  "to": cast.outsider.pk})
    run.refresh_from_db()
    assert run.assigned_to == cast.basic

    sign_in(client, cast.basic)
    page = text(client.get(f"/integrations/runs/{run.pk}/"))
    assert "Handed to basic@acme.nl" in page


def test_it_hands_a_run_to_the_partnered_accountant(cast):
    run = afas_run(cast)
    Partnership.start(accountant=cast.accountancy, organization=run.organization, by=cast.admin)
    assert run.hand_over(cast.accountant, cast.admin, cast.company)
    assert IntegrationRun.objects.visible_to(cast.accountant, cast.accountancy).get() == run


def test_it_audits_a_skipped_step_and_the_completed_run(client, cast):
    run = afas_run(cast)
    sign_in(client, cast.admin)
    for step in ("keys", "enter_keys", "contacts", "test_invoice"):
        client.post(f"/integrations/runs/{run.pk}/", {"action": "skip", "step": step})
    assert AuditEvent.objects.filter(action="integration.step_skipped").count() == 4
    run.organization.decide_receiving(cast.admin, False)
    page = text(client.get(f"/integrations/runs/{run.pk}/"))
    assert "This integration is set up." in page
    run.refresh_from_db()
    assert run.completed_at is not None
    assert AuditEvent.objects.filter(action="integration.completed").count() == 1


def test_it_shows_the_soapenv_advice_after_a_namespace_failure(client, cast):
    run, subscription_key = api31_run(cast)
    issued = issue(run, cast)
    body = API31_BODY.format(env="http://www.w3.org/2003/05/soap-envelope",
                             app_key=issued.key.app_key, secret=issued.secret,
                             company_id=run.organization.company_id,
                             subscription_key=subscription_key)
    answer = client.post("/api/api31", body, content_type="text/xml")
    assert answer.status_code == 500
    configure = states(run)["configure"]
    assert configure.state == "waiting"
    assert "Prefix soapenv, Namespace http://schemas.xmlsoap.org/soap/envelope/" in \
        configure.result.advice

    # Fixed the namespace, then failed on something else: the step says the newer reason.
    wrong_key = API31_BODY.format(env=SOAP_ENV, app_key=issued.key.app_key,
                                  secret=issued.secret, company_id=run.organization.company_id,
                                  subscription_key="not-the-key")
    assert client.post("/api/api31", wrong_key, content_type="text/xml").status_code == 500
    configure = states(run)["configure"]
    assert configure.state == "waiting"
    assert "subscription key" in configure.result.message.lower()
    assert "not well-formed" not in configure.result.message
    assert configure.result.advice == ""
    # Whoever knows the App Key but not the Secret cannot write the step's reason.
    stranger = API31_BODY.format(env=SOAP_ENV, app_key=issued.key.app_key, secret="not-it",
                                 company_id=run.organization.company_id,
                                 subscription_key="anything")
    assert client.post("/api/api31", stranger, content_type="text/xml").status_code == 500
    assert "subscription key" in states(run)["configure"].result.message.lower()

    good = API31_BODY.format(env=SOAP_ENV, app_key=issued.key.app_key, secret=issued.secret,
                             company_id=run.organization.company_id,
                             subscription_key=subscription_key)
    assert client.post("/api/api31", good, content_type="text/xml").status_code == 200
    assert states(run)["configure"].state == "complete"


def test_it_shows_the_subscription_key_hint_not_the_key(client, cast):
    run, subscription_key = api31_run(cast)
    sign_in(client, cast.admin)
    page = text(client.get(f"/integrations/runs/{run.pk}/"))
    assert subscription_key not in page
    assert f"it ends in …{subscription_key[-4:]}" in page
    assert "API31" in page and run.organization.company_id in page


def test_it_shows_runs_on_the_dashboard_the_organization_and_readiness(client, cast):
    run = afas_run(cast)
    sign_in(client, cast.admin)
    assert f"/integrations/runs/{run.pk}/" in text(client.get("/"))
    assert f"/integrations/runs/{run.pk}/" in text(
        client.get(f"/organizations/{run.organization.pk}/"))
    page = text(client.get(f"/integrations/organizations/{run.organization.pk}/"))
    assert "Enter the keys in AFAS" in page and "Not started:" in page


def test_it_lists_stuck_runs_for_techsupport(client, cast):
    run = afas_run(cast)
    IntegrationRun.objects.filter(pk=run.pk).update(
        updated_at=timezone.now() - timedelta(days=3))
    client.force_login(cast.techsupport)
    page = text(client.get("/staff/integrations/stuck/"))
    assert "Acme Trading BV" in page and "Create connection keys" in page
    # Whom support can write to about it.
    assert f'<a href="mailto:{cast.admin.email}">' in page
    client.force_login(cast.admin)
    assert client.get("/staff/integrations/stuck/").status_code == 404


def test_it_pages_stuck_runs_the_longest_stuck_first(client, cast):
    subscribe(cast.company, Subscription.BASIC)
    for n in range(26):
        run, _created = IntegrationRun.start(
            organization=organization(cast, kvk=f"{70000000 + n}", name=f"Org {n:02}"),
            setup=get("afas"), by=cast.admin, environment=cast.company)
        IntegrationRun.objects.filter(pk=run.pk).update(
            updated_at=timezone.now() - timedelta(days=30 - n))
    client.force_login(cast.techsupport)

    first = text(client.get("/staff/integrations/stuck/"))
    second = text(client.get("/staff/integrations/stuck/?page=2"))

    assert re.findall(r"Org (\d\d)", first) == [f"{n:02}" for n in range(25)]
    assert 'rel="next"' in first and "Page 1 of 2" in first
    assert re.findall(r"Org (\d\d)", second) == ["25"]


def test_it_shows_techsupport_every_step_of_a_run_without_its_actions(client, cast):
    run = afas_run(cast)
    client.force_login(cast.techsupport)
    IntegrationRun.objects.filter(pk=run.pk).update(
        updated_at=timezone.now() - timedelta(days=3))
    stuck = text(client.get("/staff/integrations/stuck/"))
    assert f'href="/staff/integrations/runs/{run.pk}/"' in stuck

    page = text(client.get(f"/staff/integrations/runs/{run.pk}/"))

    steps = re.findall(r'<li class="list-group-item d-flex gap-2" id="step-(\w+)">', page)
    assert steps == [step.key for step in get("afas").steps]
    assert page.count('data-state="complete"') == 1 and "Create connection keys" in page
    assert "step-action" not in page and 'name="action"' not in page
    client.force_login(cast.admin)
    assert client.get(f"/staff/integrations/runs/{run.pk}/").status_code == 404


def test_it_knows_every_setup_by_slug():
    assert get("afas").steps[1].creates_key
    assert get("nothing") is None


def test_it_seeds_a_half_done_afas_run_and_a_4ps_contract():
    from django.core.management import call_command

    from onboarding.models import Contract, Environment

    call_command("seed_demo", "--force", stdout=io.StringIO())
    run = IntegrationRun.objects.get(setup="afas", organization__name="Demo Bakery B.V.")
    assert run.organization.environment.subscription == Subscription.BASIC
    assert {"ready", "keys", "enter_keys"} <= set(run.progress)
    assert run.completed_at is None
    # The setup has not moved for days, and its key was last used when it last moved.
    key = run.organization.connection_keys.get()
    assert key.last_used_at < timezone.now() - STUCK_AFTER
    assert key.last_used_at.date() == key.created_at.date() == run.updated_at.date()
    # Its inbox holds delivered invoices, so it receives, as the platform requires.
    assert run.organization.receives and run.organization.documents.filter(
        direction="incoming").exists()
    accountancy = Environment.objects.get(domain="demo-accountants.nl")
    assert Contract.objects.filter(environment=accountancy, api_rights=True).exists()


def test_it_says_when_and_by_what_a_step_was_recorded_in_the_readers_words(client, cast):
    from django.utils import formats, translation

    run = afas_run(cast)
    issued = issue(run, cast)
    states(run)
    sign_in(client, cast.admin)

    page = text(client.get(f"/integrations/runs/{run.pk}/"))

    with translation.override("en"):
        shown = formats.date_format(timezone.localtime(issued.key.created_at),
                                    "SHORT_DATETIME_FORMAT")
    assert f"Recorded {shown} (connection key created)" in page
    assert "Recorded" in page and "(seen when checked)" in page
    assert "connection_key.created" not in page and "(check)" not in page


@pytest.mark.parametrize("event,said", [
    ("document.delivered", "invoice delivered"), ("party_link.approved", "party link approved"),
    ("statement", "confirmed"), ("something.new", "something.new")])
def test_it_names_each_recorded_event(event, said):
    from onboarding.integrations.runs import StepState

    state = StepState(step=None, state="complete", result=None, values=[],
                      recorded={"at": "2026-12-03T18:29:00+00:00", "event": event})
    assert state.recorded_event == said


def test_it_offers_a_mail_to_support_that_names_the_setup_and_the_waiting_step(
        client, cast, settings):
    import html
    from urllib.parse import parse_qs, urlsplit

    run = afas_run(cast)
    organization = run.organization
    sign_in(client, cast.admin)
    page = text(client.get(f"/integrations/runs/{run.pk}/"))
    assert (f"Contact support, and name AFAS for Acme Trading BV ({organization.company_id})"
            in page)

    settings.SUPPORT_EMAIL = "support@portal.example"
    body = client.get(f"/integrations/runs/{run.pk}/").content.decode()
    link = urlsplit(html.unescape(re.search(r'href="(mailto:[^"?]+\?[^"]+)"', body).group(1)))
    assert link.path == "support@portal.example"
    assert parse_qs(link.query) == {
        "subject": [f"AFAS – Acme Trading BV ({organization.company_id})"],
        "body": ["Waiting at step 2: Create connection keys"]}
    assert 'href="mailto:support@portal.example">support@portal.example</a>' in body
