"""A connection key answers for its own organization only, also an accountant's."""

import pytest

from onboarding.models import ConnectionKey, Partnership, Software, Subscription
from tests.api.conftest import active_organization, get

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def keys(cast):
    """The accountant's key for the firm's own organization, and one it made for a client
    through a partnership."""
    own = active_organization(cast.accountancy, cast.accountant, cast.techsupport,
                              "Numbers Accountants BV", "23456789")
    cast.client.subscription = Subscription.BASIC
    cast.client.save(update_fields=["subscription"])
    bakery = active_organization(cast.client, cast.client_admin, cast.techsupport,
                                 "Bakery Bros BV", "34567890")
    Partnership.start(accountant=cast.accountancy, organization=bakery, by=cast.client_admin)
    own_key = ConnectionKey.issue(organization=own, software=Software.AFAS, by=cast.accountant)
    client_key = ConnectionKey.issue(organization=bakery, software=Software.AFAS,
                                     by=cast.accountant, environment=cast.accountancy)
    return own, own_key, bakery, client_key


def test_it_answers_each_key_with_its_own_organization_only(live_server, http, keys):
    own, own_key, bakery, client_key = keys

    for issued, org in ((own_key, own), (client_key, bakery)):
        ping = get(http, live_server, "/api/v1/ping", issued).json()
        # A query naming the other organization changes nothing: the key decides.
        other = bakery if org == own else own
        detail = get(http, live_server, f"/api/v1/organization?company_id={other.company_id}",
                     issued).json()
        assert ping["organization"]["company_id"] == org.company_id
        assert detail["company_id"] == org.company_id
        assert [i["value"] for i in detail["identifiers"]] == [org.registry_number]


def test_it_refuses_a_clients_key_with_the_accountants_own_secret(live_server, http, keys):
    _own, own_key, _bakery, client_key = keys

    response = get(http, live_server, "/api/v1/ping",
                   auth=(client_key.key.app_key, own_key.secret))

    assert response.status_code == 401
    assert ConnectionKey.objects.get(pk=client_key.key.pk).last_tested_at is None
