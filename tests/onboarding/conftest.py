"""Fixtures the onboarding tests share: the local OpenID Connect provider for Entra ID, and
an organization activated by TechSupport."""

import pytest

from tests.onboarding.entra_helpers import configure
from tests.standins.oidc import OidcStandIn


@pytest.fixture(scope="module")
def provider():
    with OidcStandIn() as standin:
        yield standin


@pytest.fixture
def entra(settings, provider):
    """Entra ID sign-in configured against the stand-in."""
    configure(settings, provider)
    return provider


def activated(cast, name="Trading BV", *later):
    """An organization on Basic, activated by TechSupport with its KvK number and a GLN as
    identifiers; the identifiers in `later` (scheme, value) are added after activation, so
    they wait for TechSupport."""
    from onboarding.models import Organization, OrganizationIdentifier, Subscription

    cast.company.subscription = Subscription.BASIC
    cast.company.save()
    org = Organization.create(environment=cast.company, by=cast.admin, name=name,
                              registry_number="12345678", registry_checked=True)
    OrganizationIdentifier.add(org, cast.admin, "0106", "12345678")
    if not later:
        OrganizationIdentifier.add(org, cast.admin, "0088", "1234567890128")
    org.request_activation(cast.admin, requester_name="A", requester_role="B",
                           registry_number="12345678")
    org.approve(cast.techsupport)
    for scheme, value in later:
        OrganizationIdentifier.add(org, cast.admin, scheme, value)
    return org
