"""Active organizations with connection keys, and the HTTP clients that use them."""

import pytest
import requests

from onboarding.models import (
    ConnectionKey,
    Contract,
    Organization,
    OrganizationIdentifier,
    Software,
    Subscription,
)


def active_organization(environment, admin, techsupport, name, registry_number):
    """Added, activated by TechSupport and given its KvK number as Peppol identifier."""
    org = Organization.create(environment=environment, by=admin, name=name,
                              registry_number=registry_number, registry_checked=True)
    OrganizationIdentifier.add(org, admin, "0106", registry_number)
    org.request_activation(admin, requester_name="Anna Admin", requester_role="Director",
                           registry_number=registry_number)
    org.approve(techsupport)
    return org


@pytest.fixture
def acme(cast):
    """Acme on Professional with a contract with API rights, and its active organization."""
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save(update_fields=["subscription"])
    contract = Contract.add(environment=cast.company, by=cast.sales, reference="ACME-API-1")
    organization = active_organization(cast.company, cast.admin, cast.techsupport,
                                       "Acme Trading BV", "12345678")
    # The key Sales handed over; the database keeps only its digest.
    organization.subscription_key = contract.issued_subscription_key
    return organization


@pytest.fixture
def acme_key(acme, cast):
    return ConnectionKey.issue(organization=acme, software=Software.AFAS, by=cast.admin)


@pytest.fixture
def bc_key(acme, cast):
    return ConnectionKey.issue(organization=acme, software=Software.FOURPS_BUSINESS_CENTRAL,
                               by=cast.admin)


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def get(http, live_server, path, issued=None, auth=None, **kwargs):
    if issued is not None:
        auth = (issued.key.app_key, issued.secret)
    return http.get(f"{live_server.url}{path}", auth=auth, timeout=10, **kwargs)
