"""Fixtures the onboarding tests share: the local OpenID Connect provider for Entra ID."""

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
