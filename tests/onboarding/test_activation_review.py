"""TechSupport's decision on an activation: a confirmation, the KvK register entry one
click away, and a warning about an Entra tenant of another company."""

import pytest

from onboarding.models import EntraIdentity, Membership, Organization, Role
from tests.conftest import give_identifier, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(cast):
    org = Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                              registry_number="12345678", registry_checked=True)
    give_identifier(org, cast.admin)
    org.request_activation(cast.admin, requester_name="Anna", requester_role="Director",
                           registry_number="12345678")
    return org


@pytest.fixture
def support(client, cast):
    client.force_login(cast.techsupport)
    return client


def test_it_asks_for_confirmation_before_activating(support, pending):
    url = f"/staff/activations/{pending.pk}/approve/"

    unconfirmed = support.post(url)

    assert unconfirmed.status_code == 400
    assert "Confirm that you checked the details before activating." in (
        unconfirmed.content.decode())
    pending.refresh_from_db()
    assert pending.status == Organization.Status.PENDING

    support.post(url, {"confirm": "on"})
    pending.refresh_from_db()
    assert pending.status == Organization.Status.ACTIVE


def test_it_refuses_to_activate_an_organization_whose_identifiers_were_removed(support,
                                                                               cast, pending):
    pending.identifiers.get().remove(cast.admin)

    page = support.get(f"/staff/activations/{pending.pk}/").content.decode()
    refused = support.post(f"/staff/activations/{pending.pk}/approve/", {"confirm": "on"},
                           follow=True)

    said = "It has no Peppol identifier left to register: reject the request and ask them to " \
        "add one."
    assert said in page and said in refused.content.decode()
    pending.refresh_from_db()
    assert pending.status == Organization.Status.PENDING


def test_it_links_the_kvk_register_entry(support, pending):
    page = support.get(f"/staff/activations/{pending.pk}/").content.decode()
    assert 'href="https://www.kvk.nl/zoeken/?source=all&amp;q=12345678"' in page


def test_it_points_out_an_entra_tenant_of_another_company(support, cast, pending):
    EntraIdentity.objects.create(user=cast.admin, tenant_id="tenant-contoso",
                                 object_id="o-1", username="anna@contoso.com")
    elsewhere = make_user("someone@other.nl")
    Membership.objects.create(environment=cast.other, user=elsewhere, role=Role.BASIC)
    EntraIdentity.objects.create(user=elsewhere, tenant_id="tenant-contoso", object_id="o-2",
                                 username="someone@contoso.com")
    # A second tenant, used in another environment again; the user of Other has a third.
    EntraIdentity.objects.create(user=cast.admin, tenant_id="tenant-fabrikam",
                                 object_id="o-3", username="anna@fabrikam.com")
    EntraIdentity.objects.create(user=cast.client_admin, tenant_id="tenant-fabrikam",
                                 object_id="o-4", username="owner@fabrikam.com")
    EntraIdentity.objects.create(user=elsewhere, tenant_id="tenant-unrelated", object_id="o-5",
                                 username="someone@unrelated.com")

    page = support.get(f"/staff/activations/{pending.pk}/").content.decode()

    warning = page[page.index('id="foreign-tenants"'):]
    assert "tenant-contoso" in warning and "@contoso.com, not @acme.nl" in warning
    contoso = warning[warning.index("tenant-contoso"):warning.index("tenant-fabrikam")]
    fabrikam = warning[warning.index("tenant-fabrikam"):]
    assert "Also used in: Other" in contoso and "Bakery" not in contoso
    assert "Also used in: Bakery" in fabrikam and "Other" not in fabrikam
    assert "tenant-unrelated" not in warning


def test_it_raises_no_warning_for_the_companys_own_tenant(support, cast, pending):
    EntraIdentity.objects.create(user=cast.admin, tenant_id="tenant-acme", object_id="o-1",
                                 username="anna@acme.nl")
    page = support.get(f"/staff/activations/{pending.pk}/").content.decode()
    assert 'id="foreign-tenants"' not in page
