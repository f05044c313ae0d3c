"""Where the software connects: the platform's addresses that matter for its package, in the
guided setup's step where the software is configured and on the key's pages, and the
Bedrijfs-ID tied to the organization's company ID."""

import html
import re

import pytest

from onboarding.integrations.registry import get
from onboarding.integrations.runs import IntegrationRun
from onboarding.models import ConnectionKey, Contract, Subscription
from tests.conftest import sign_in
from tests.integrations.helpers import afas_run, issue, organization, step_html, subscribe

pytestmark = pytest.mark.django_db

SOAP_ADDRESS = "http://testserver/api/api31"


def text(response):
    return response.content.decode()



def construct_run(cast):
    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="C-4PS")
    run, _created = IntegrationRun.start(organization=organization(cast),
                                         setup=get("4ps-construct"), by=cast.admin,
                                         environment=cast.company)
    return run


def wsdl_link(client, page):
    """The WSDL link on `page`, and what it answers."""
    href = html.unescape(re.search(r'href="([^"]*\?wsdl)"', page).group(1))
    return href, client.get(href)


def assert_soap_addresses(client, page):
    assert f'id="address-soap" value="{SOAP_ADDRESS}"' in page
    href, answer = wsdl_link(client, page)
    assert href == f"{SOAP_ADDRESS}?wsdl"
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "<wsdl:definitions" in body and f'location="{SOAP_ADDRESS}"' in body


def test_it_gives_the_soap_address_and_wsdl_in_the_construct_step_that_configures_it(
        client, cast):
    run = construct_run(cast)
    sign_in(client, cast.admin)

    page = text(client.get(f"/integrations/runs/{run.pk}/"))

    configure = step_html(page, "configure")
    assert "If your software asks for the address" in configure
    assert ("4PS Construct usually knows the address of the online environment itself. Only "
            "if it asks for the address, enter the one below.") in configure
    assert_soap_addresses(client, configure)
    # SOAP is what 4PS Construct speaks: no REST address to confuse it with.
    assert "/api/v1/" not in configure
    # Only that step: the others do not configure the software.
    assert page.count('id="api-addresses"') == 1


def test_it_gives_the_soap_address_on_the_pages_of_a_construct_key(client, cast):
    run = construct_run(cast)
    sign_in(client, cast.admin)

    created = text(client.post(f"/organizations/{run.organization.pk}/connection-keys/new/",
                               {"software": "4ps_construct", "label": ""}))
    key = ConnectionKey.objects.get()
    again = text(client.get(f"/connection-keys/{key.pk}/created/"))
    detail = text(client.get(f"/connection-keys/{key.pk}/"))

    for page in (created, again, detail):
        assert "Addresses for your software" in page
        assert "4PS Construct usually knows the address of the online environment itself" in page
        assert_soap_addresses(client, page)
        assert "/api/docs/" not in page

    key.revoke(cast.admin)
    # A revoked key connects nowhere.
    assert 'id="api-addresses"' not in text(client.get(f"/connection-keys/{key.pk}/"))


@pytest.mark.parametrize("slug,step", [("afas", "enter_keys"), ("accept", "configure"),
                                       ("business-central-api31", "configure")])
def test_it_gives_every_soap_package_its_address_where_its_keys_are_entered(
        client, cast, slug, step):
    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="C-1")
    run, _created = IntegrationRun.start(organization=organization(cast), setup=get(slug),
                                         by=cast.admin, environment=cast.company)
    sign_in(client, cast.admin)

    page = text(client.get(f"/integrations/runs/{run.pk}/"))

    assert f'id="address-soap" value="{SOAP_ADDRESS}"' in step_html(page, step)
    assert page.count('id="api-addresses"') == 1


def test_it_gives_no_address_in_the_service_brokers_setup(client, cast, settings):
    settings.ENTRA_BROKERS = {"production": {"CLIENT_ID": "c", "CLIENT_SECRET": "s"},
                              "acceptance": {}}
    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="C-1")
    run, _created = IntegrationRun.start(organization=organization(cast),
                                         setup=get("business-central-psb"), by=cast.admin,
                                         environment=cast.company)
    sign_in(client, cast.admin)

    # Its extension signs in with Entra ID and picks its environment itself.
    assert 'id="api-addresses"' not in text(client.get(f"/integrations/runs/{run.pk}/"))


def test_it_says_beside_the_bedrijfs_id_that_it_is_the_organizations_company_id(client, cast):
    run = construct_run(cast)
    company_id = run.organization.company_id
    sign_in(client, cast.admin)

    page = text(client.get(f"/integrations/runs/{run.pk}/"))

    for key in ("organization", "configure"):
        step = step_html(page, key)
        assert "Bedrijfs-ID eConnect" in step
        assert f'id="{key}-company_id" value="{company_id}"' in step
        assert ("The company ID of Acme Trading BV (XCNL… or XCBE…), as on its organization "
                "page.") in step
    assert company_id.startswith(("XCNL", "XCBE"))


def test_it_keeps_the_afas_values_copyable_in_their_step(client, cast):
    run = afas_run(cast)
    issued = issue(run, cast)
    sign_in(client, cast.admin)

    enter_keys = step_html(text(client.get(f"/integrations/runs/{run.pk}/")), "enter_keys")

    assert f'id="enter_keys-app_key" value="{issued.key.app_key}"' in enter_keys
    assert 'data-copy="#enter_keys-app_key"' in enter_keys
    assert 'data-copy="#address-soap"' in enter_keys
