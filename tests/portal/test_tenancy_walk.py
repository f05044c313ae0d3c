"""Every page that takes an object id answers 404 to a user of another environment."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from onboarding.models import Invitation, Membership, Role
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

OUR_NAMESPACES = {"onboarding", "organizations", "customers", "invoices", "api"}

# One way to make an object of the Acme environment for each URL that takes an id.
OBJECT_FACTORIES = {
    "onboarding:member_role": lambda cast: Membership.objects.get(user=cast.basic).pk,
    "onboarding:member_remove": lambda cast: Membership.objects.get(user=cast.basic).pk,
    "onboarding:invitation_revoke": lambda cast: Invitation.send(
        environment=cast.company, email="new@acme.nl", role=Role.BASIC, by=cast.admin).pk,
}
# Reached by a secret in the URL rather than by tenancy, on purpose.
CAPABILITY_URLS = {"onboarding:invitation_accept"}


def _walk(patterns, namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, entry.namespace or namespace)
        elif (isinstance(entry, URLPattern) and namespace in OUR_NAMESPACES and entry.name
              and entry.pattern.converters):
            yield f"{namespace}:{entry.name}"


def object_urls():
    return sorted(set(_walk(get_resolver().url_patterns)))


def test_it_knows_how_to_make_an_object_for_every_url_with_an_id():
    missing = set(object_urls()) - set(OBJECT_FACTORIES) - CAPABILITY_URLS
    assert not missing, f"add these to OBJECT_FACTORIES: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(OBJECT_FACTORIES))
def test_it_answers_404_to_another_environment(client, cast, name):
    url = reverse(name, args=[OBJECT_FACTORIES[name](cast)])
    sign_in(client, cast.outsider)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


@pytest.mark.parametrize("name", sorted(OBJECT_FACTORIES))
def test_it_still_opens_for_the_owning_administrator(client, cast, name):
    url = reverse(name, args=[OBJECT_FACTORIES[name](cast)])
    sign_in(client, cast.admin)
    assert client.get(url).status_code == 200
