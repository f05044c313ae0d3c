"""A key that the API refuses although it is not revoked says so on the portal's pages: the
pages and the API, over real HTTP, tell the same state."""

import pytest

from onboarding.models import ConnectionKey, Software, Subscription, change_subscription
from tests.api.conftest import active_organization, get
from tests.conftest import sign_in, text

pytestmark = pytest.mark.django_db(transaction=True)

ACTIVE_BADGE = '<span class="badge text-bg-success">Active</span>'


@pytest.fixture
def acme_keys(cast):
    """Acme on Basic with three keys, as the walker's environment had."""
    change_subscription(cast.company, cast.sales, Subscription.BASIC)
    org = active_organization(cast.company, cast.admin, cast.techsupport, "Acme Trading BV",
                              "12345678")
    return org, [ConnectionKey.issue(organization=org, software=software, by=cast.admin)
                 for software in (Software.OTHER, Software.AFAS, Software.ACCEPT)]


def problem_type(response):
    return response.json()["type"].rsplit(":", 1)[1]


def test_it_shows_keys_that_the_free_plan_refuses_as_blocked(live_server, http, client, cast,
                                                             acme_keys):
    _org, issued = acme_keys
    sign_in(client, cast.admin)
    assert all(get(http, live_server, "/api/v1/ping", one).status_code == 200
               for one in issued)

    change_subscription(cast.company, cast.sales, Subscription.INVOICE_PORTAL)

    for one in issued:
        response = get(http, live_server, "/api/v1/ping", one)
        assert response.status_code == 403 and problem_type(response) == \
            "plan-without-api-access"
        page = text(client.get(f"/connection-keys/{one.key.pk}/"))
        assert "Blocked by the subscription" in page and ACTIVE_BADGE not in page
        assert f"{one.key.get_software_display()} needs at least a Basic subscription" in page
        assert 'href="/subscription/upgrade/?subscription=basic"' in page
    listed = text(client.get("/connection-keys/"))
    assert listed.count("Blocked by the subscription</span>") == 3
    assert ACTIVE_BADGE not in listed

    change_subscription(cast.company, cast.sales, Subscription.BASIC)
    assert get(http, live_server, "/api/v1/ping", issued[0]).status_code == 200
    assert text(client.get("/connection-keys/")).count(ACTIVE_BADGE) == 3


def test_it_shows_keys_of_a_deactivated_organization_as_blocked(live_server, http, client, cast,
                                                                acme_keys):
    org, issued = acme_keys
    sign_in(client, cast.admin)

    org.deactivate(cast.techsupport)
    response = get(http, live_server, "/api/v1/ping", issued[0])
    page = text(client.get(f"/connection-keys/{issued[0].key.pk}/"))

    assert response.status_code == 403 and problem_type(response) == "organization-inactive"
    assert "Blocked: organization not active" in page and ACTIVE_BADGE not in page
    assert "Acme Trading BV is deactivated: the API refuses its keys" in page
    # On the free plan too, the organization is what the API names first, and so do the pages.
    change_subscription(cast.company, cast.sales, Subscription.INVOICE_PORTAL)
    response = get(http, live_server, "/api/v1/ping", issued[0])
    page = text(client.get(f"/connection-keys/{issued[0].key.pk}/"))
    assert problem_type(response) == "organization-inactive"
    assert "Blocked: organization not active" in page
    assert "Blocked by the subscription" not in page


def test_it_shows_a_revoked_key_as_revoked_whatever_blocks_it_besides(live_server, http, client,
                                                                      cast, acme_keys):
    org, issued = acme_keys
    issued[0].key.revoke(cast.admin)
    change_subscription(cast.company, cast.sales, Subscription.INVOICE_PORTAL)
    sign_in(client, cast.admin)

    response = get(http, live_server, "/api/v1/ping", issued[0])
    page = text(client.get(f"/connection-keys/{issued[0].key.pk}/"))

    assert response.status_code == 401 and problem_type(response) == "key-revoked"
    assert '<span class="badge text-bg-secondary">Revoked</span>' in page
    assert "Blocked" not in page
