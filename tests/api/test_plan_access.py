"""The plan rule holds for every connection key, whatever its software: at creation and at
every API call, over real HTTP."""

from datetime import date

import pytest

from onboarding.models import (
    ConnectionKey,
    Contract,
    OrganizationIdentifier,
    Software,
    Subscription,
    change_subscription,
)
from portal.errors import ChangeRefused
from tests.api.conftest import active_organization, get

pytestmark = pytest.mark.django_db(transaction=True)


def switch_plan(cast, organization, subscription):
    change_subscription(cast.company, cast.sales, subscription)
    organization.environment.refresh_from_db()


@pytest.fixture
def free_org(cast):
    return active_organization(cast.company, cast.admin, cast.techsupport, "Acme Trading BV",
                               "12345678")


def test_it_refuses_an_other_software_key_on_the_free_plan(cast, free_org):
    with pytest.raises(ChangeRefused) as refused:
        ConnectionKey.issue(organization=free_org, software=Software.OTHER, by=cast.admin)
    assert "Other software needs at least a Basic subscription" in refused.value.message
    assert 'href="/subscription/upgrade/?subscription=basic"' in refused.value.message
    assert not ConnectionKey.objects.exists()


def test_it_refuses_api_calls_of_a_key_whose_environment_has_no_api_access(
        live_server, http, cast, free_org):
    switch_plan(cast, free_org, Subscription.BASIC)
    issued = ConnectionKey.issue(organization=free_org, software=Software.OTHER, by=cast.admin)
    assert get(http, live_server, "/api/v1/ping", issued).status_code == 200

    # Back on the free plan: the key made earlier is refused from the next call on.
    switch_plan(cast, free_org, Subscription.INVOICE_PORTAL)
    response = get(http, live_server, "/api/v1/ping", issued)

    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith(":plan-without-api-access")
    assert "Other software needs at least a Basic subscription" in problem["detail"]
    assert "ask Sales for an upgrade" in problem["detail"]

    switch_plan(cast, free_org, Subscription.BASIC)
    assert get(http, live_server, "/api/v1/ping", issued).status_code == 200


def test_it_refuses_a_4ps_key_once_its_contract_ends(live_server, http, cast, free_org):
    switch_plan(cast, free_org, Subscription.PROFESSIONAL)
    contract = Contract.add(environment=cast.company, by=cast.sales, reference="API-1")
    issued = ConnectionKey.issue(organization=free_org, software=Software.FOURPS_CONSTRUCT,
                                 by=cast.admin)
    assert get(http, live_server, "/api/v1/ping", issued).status_code == 200

    contract.starts_on, contract.ends_on = date(2020, 1, 1), date(2020, 1, 2)
    contract.save()

    response = get(http, live_server, "/api/v1/ping", issued)
    assert response.status_code == 403
    assert "4PS Construct needs a Professional subscription" in response.json()["detail"]


def test_it_answers_only_verified_identifiers_as_sending(live_server, http, cast, free_org):
    switch_plan(cast, free_org, Subscription.BASIC)
    OrganizationIdentifier.add(free_org, cast.admin, "0088", "1234567890128")
    issued = ConnectionKey.issue(organization=free_org, software=Software.AFAS, by=cast.admin)

    identifiers = get(http, live_server, "/api/v1/organization", issued).json()["identifiers"]

    assert identifiers == [
        {"scheme": "0106", "value": "12345678", "can_send": True, "can_receive": False},
        {"scheme": "0088", "value": "1234567890128", "can_send": False, "can_receive": False},
    ]
