"""A step that does not hold links to the page where the user does what it asks; the link
opens for the user who reads it, and disappears once the step holds."""

import re

import pytest

from customers.models import CustomerCard, SendingProfile
from onboarding.integrations.registry import get
from onboarding.integrations.runs import IntegrationRun
from onboarding.models import (
    Contract,
    EntraIdentity,
    OrganizationIdentifier,
    PartyLink,
    Subscription,
)
from tests.conftest import sign_in
from tests.integrations.helpers import (
    afas_run,
    api31_run,
    issue,
    organization,
    send_test_invoice,
    subscribe,
)

pytestmark = pytest.mark.django_db

ACTION = re.compile(r'<a class="[^"]*step-action" href="([^"]*)">([^<]*)</a>')


def actions(client, run) -> dict:
    """{step key: (url, label)} of the links in each step's status, as the run page polls
    them; the run page itself carries the same links."""
    steps = client.get(f"/integrations/runs/{run.pk}/status/").json()["steps"]
    found = {key: ACTION.search(step["html"]) for key, step in steps.items()}
    page = client.get(f"/integrations/runs/{run.pk}/").content.decode()
    for match in filter(None, found.values()):
        assert match.group(0) in page
    return {key: (match.group(1).replace("&amp;", "&"), match.group(2))
            for key, match in found.items() if match}


def opens(client, url: str) -> str:
    """The page a link leads to, by the same user: it must answer 200, and the part of the
    page the link names must exist."""
    path, _hash, part = url.partition("#")
    response = client.get(path)
    assert response.status_code == 200, url
    page = response.content.decode()
    if part:
        assert f'id="{part}"' in page, url
    return page


def test_it_links_the_waiting_afas_steps_to_the_pages_where_they_are_done(client, cast):
    run = afas_run(cast)
    sign_in(client, cast.admin)
    organization_page = f"/organizations/{run.organization.pk}/"

    found = actions(client, run)

    assert found == {
        "contacts": (f"{organization_page}customers/", "Add or import customers"),
        "receiving": (f"{organization_page}#receiving", "Decide about receiving"),
    }
    assert "Switch receiving on" in opens(client, found["receiving"][0])
    assert "Import" in opens(client, found["contacts"][0])

    OrganizationIdentifier.objects.all().delete()
    ready = actions(client, run)["ready"]
    assert ready == (f"{organization_page}#identifiers", "Add an identifier")
    assert 'id="identifier-form"' in opens(client, ready[0])


def test_a_step_that_holds_has_no_link(client, cast):
    run = afas_run(cast)
    run.organization.decide_receiving(cast.admin, False)
    sign_in(client, cast.admin)

    assert "receiving" not in actions(client, run)


def test_it_links_a_missing_plan_to_the_upgrade_request_with_that_plan_chosen(client, cast):
    run = afas_run(cast)
    subscribe(cast.company, Subscription.INVOICE_PORTAL)
    sign_in(client, cast.admin)

    url, label = actions(client, run)["ready"]

    assert (url, label) == ("/subscription/upgrade/?subscription=basic",
                            "Ask Sales for an upgrade")
    assert re.search(r'value="basic"[^>]*checked|<option value="basic" selected',
                     opens(client, url))


def test_it_links_a_missing_professional_plan_with_api_rights_to_the_request(client, cast):
    run, _key = api31_run(cast)
    subscribe(cast.company, Subscription.BASIC)
    sign_in(client, cast.admin)

    url, _label = actions(client, run)["contract"]

    assert url == "/subscription/upgrade/?subscription=professional&api_contract=1"
    page = opens(client, url)
    assert re.search(r'value="professional"[^>]*checked|<option value="professional" selected',
                     page)
    assert re.search(r'name="api_contract"[^>]*checked', page)


def test_it_links_a_refused_test_invoice_to_its_validation_report(client, cast):
    run = afas_run(cast)
    document = send_test_invoice(issue(run, cast), cast, buyer_reference="")
    sign_in(client, cast.admin)

    url, label = actions(client, run)["test_invoice"]

    assert (url, label) == (f"/documents/{document.pk}/", f"Open invoice {document.number}")
    assert "PEPPOL-EN16931-R003" in opens(client, url)
    # The step lists the rules it failed, each id once: the official text's own
    # "[PEPPOL-EN16931-R003]-" is left out.
    step = opens(client, f"/integrations/runs/{run.pk}/")
    assert "PEPPOL-EN16931-R003: " in step and "[PEPPOL-EN16931-R003]" not in step


def test_it_links_cards_with_problems_to_the_list_of_just_those(client, cast):
    run = afas_run(cast)
    profile = SendingProfile.objects.create(organization=run.organization, name="eConnect")
    CustomerCard.objects.create(organization=run.organization, name="Bakker BV",
                                customer_number="1", endpoint_scheme="0106",
                                endpoint_value="87654321", sending_profile=profile,
                                buyer_reference_source="your_reference")
    CustomerCard.objects.create(organization=run.organization, name="Slager BV",
                                customer_number="2")
    sign_in(client, cast.admin)

    url, label = actions(client, run)["contacts"]

    assert label == "Open the cards with problems"
    page = opens(client, url)
    assert "Slager BV" in page and "Bakker BV" not in page


def test_it_says_one_customer_without_kvk_in_the_singular(cast):
    run = afas_run(cast)
    CustomerCard.objects.create(organization=run.organization, name="Bakker BV",
                                customer_number="1", endpoint_scheme="0106",
                                endpoint_value="99999998")
    advice = {s.key: s for s in run.refresh()}["contacts"].result.advice
    assert "1 customer has no KvK number and uses the dummy number 99999998: Bakker BV." \
        in advice


def test_it_links_the_service_broker_steps(client, cast):
    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="C-PSB")
    org = organization(cast)
    run, _ = IntegrationRun.start(organization=org, setup=get("business-central-psb"),
                                  by=cast.admin, environment=cast.company)
    sign_in(client, cast.admin)

    found = actions(client, run)

    assert found["entra"] == ("/entra/", "Open your Entra ID page")
    assert found["party_link"] == ("/entra/connection/", "Request a party link")
    assert found["profile"] == (f"/organizations/{org.pk}/sending-profiles/add/",
                                "Add a sending profile")
    opens(client, found["entra"][0])
    opens(client, found["profile"][0])

    identity = EntraIdentity.objects.create(user=cast.admin, tenant_id="t", object_id="o",
                                            username="anna@acme.nl")
    PartyLink.grant(identity=identity, organization=org, broker="production", can_send=True,
                    can_receive=False, by=cast.techsupport)
    assert actions(client, run)["sending"] == ("/entra/connection/",
                                               "Open the service broker connection")


def test_support_s_list_of_stuck_runs_shows_the_steps_without_the_links(client, cast):
    from datetime import timedelta

    from django.utils import timezone

    run = afas_run(cast)
    IntegrationRun.objects.filter(pk=run.pk).update(
        updated_at=timezone.now() - timedelta(days=3))
    client.force_login(cast.techsupport)

    page = client.get("/staff/integrations/stuck/").content.decode()

    assert "Acme Trading BV" in page and "step-action" not in page


def test_an_accountant_gets_only_the_links_to_pages_they_reach_for_a_client(client, cast):
    from onboarding.models import Partnership
    from portal.tenancy import SESSION_KEY

    subscribe(cast.client, Subscription.INVOICE_PORTAL)
    bakery = organization(cast, cast.client, kvk="87654321", name="Bakery BV")
    Partnership.start(accountant=cast.accountancy, organization=bakery, by=cast.client_admin)
    run, _ = IntegrationRun.start(organization=bakery, setup=get("afas"),
                                  by=cast.client_admin, environment=cast.client)
    sign_in(client, cast.accountant)
    session = client.session
    session[SESSION_KEY] = cast.accountancy.pk
    session.save()

    found = actions(client, run)

    # The client's own page and plan are not the accountant's to open; the cards are.
    assert set(found) == {"contacts"}
    opens(client, found["contacts"][0])
    readiness = client.get(f"/integrations/organizations/{bakery.pk}/").content.decode()
    assert "step-action" in readiness and "#receiving" not in readiness
    # Where the link is not theirs, the step says who does it.
    assert "The organization's own administrators do this step" in readiness
    own = client.get(f"/integrations/runs/{run.pk}/").content.decode()
    # The plan (step 1) and receiving (the last step) are the client's to do.
    assert own.count('class="text-muted d-block step-elsewhere"') == 2
    # The organization's page is theirs to open, for its identifiers and activation.
    assert client.get(f"/organizations/{bakery.pk}/").status_code == 200


def test_its_forms_post_to_the_setup_whatever_address_showed_the_page(client, cast):
    # After the password asked before a new key, the setup is shown at the password page's
    # address: its forms must not post there.
    run = afas_run(cast)
    sign_in(client, cast.admin)

    page = client.get(f"/integrations/runs/{run.pk}/").content.decode()

    main = page[page.index('id="run"'):page.index("</main>")]
    forms = re.findall(r'<form method="post"[^>]*>', main)
    assert forms
    assert all(f'action="/integrations/runs/{run.pk}/"' in form for form in forms), forms
    assert f'data-page-url="/integrations/runs/{run.pk}/"' in page
