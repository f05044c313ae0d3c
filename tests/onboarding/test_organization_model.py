import threading

import pytest
from django.db import close_old_connections

from invoices.peppol.identifiers import IdentifierError
from onboarding.models import AuditEvent, Organization, OrganizationIdentifier, Subscription
from portal.errors import ChangeRefused
from tests.conftest import give_identifier

pytestmark = pytest.mark.django_db


def make_org(cast, name="Acme Trading BV", **fields):
    fields.setdefault("registry_number", "12345678")
    fields.setdefault("registry_checked", True)
    return Organization.create(environment=cast.company, by=cast.admin, name=name, **fields)


def test_it_gives_each_organization_a_country_prefixed_company_id(cast):
    nl = make_org(cast)
    be = make_org(cast, name="Acme Belgium", country="BE", registry_number="0403170701")
    assert nl.company_id.startswith("XCNL") and len(nl.company_id) == 12
    assert be.company_id.startswith("XCBE")
    assert nl.company_id != be.company_id


def test_it_holds_the_free_subscription_to_two_organizations(cast):
    make_org(cast, name="One")
    make_org(cast, name="Two")
    with pytest.raises(ChangeRefused, match="covers 2 organizations"):
        make_org(cast, name="Three")
    cast.company.subscription = Subscription.BASIC
    cast.company.save()
    assert make_org(cast, name="Three").pk


def test_it_asks_for_activation_only_with_a_peppol_identifier(cast):
    org = make_org(cast)
    with pytest.raises(ChangeRefused, match="Add a Peppol identifier first"):
        org.request_activation(cast.admin, requester_name="Anna", requester_role="Director",
                               registry_number="12345678")
    org.refresh_from_db()
    assert org.status == Organization.Status.DRAFT and not org.activation_requests.exists()
    # Nor is it activated once its identifiers were removed while TechSupport had it.
    give_identifier(org, cast.admin)
    org.request_activation(cast.admin, requester_name="Anna", requester_role="Director",
                           registry_number="12345678")
    org.identifiers.get().remove(cast.admin)
    with pytest.raises(ChangeRefused, match="no Peppol identifier left"):
        org.approve(cast.techsupport)
    org.refresh_from_db()
    assert org.status == Organization.Status.PENDING


def test_it_walks_from_draft_to_active_with_an_audit_trail(cast):
    org = make_org(cast)
    give_identifier(org, cast.admin)
    with pytest.raises(ChangeRefused, match="KvK number does not match"):
        org.request_activation(cast.admin, requester_name="Anna", requester_role="Director",
                               registry_number="87654321")
    org.request_activation(cast.admin, requester_name="Anna", requester_role="Director",
                           registry_number="12345678")
    assert org.status == Organization.Status.PENDING
    org.approve(cast.techsupport)
    assert org.status == Organization.Status.ACTIVE
    actions = list(AuditEvent.objects.filter(target_type="organization")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["organization.created", "identifier.added",
                       "organization.activation_requested", "organization.activated"]


def test_it_refuses_to_activate_a_hand_typed_registry_number(cast):
    org = make_org(cast, country="DE", registry_number="HRB 1234", registry_checked=False)
    give_identifier(org, cast.admin)
    org.request_activation(cast.admin, requester_name="A", requester_role="B",
                           registry_number="HRB 1234")
    with pytest.raises(ChangeRefused, match="entered by hand"):
        org.approve(cast.techsupport)


def test_it_requires_a_reason_to_reject(cast):
    org = make_org(cast)
    give_identifier(org, cast.admin)
    org.request_activation(cast.admin, requester_name="A", requester_role="B",
                           registry_number="12345678")
    with pytest.raises(ChangeRefused):
        org.reject(cast.techsupport, " ")
    org.reject(cast.techsupport, "The KvK extract names someone else.")
    assert org.status == Organization.Status.REJECTED
    assert org.activation_requests.get().reason == "The KvK extract names someone else."


def test_it_checks_identifiers_and_keeps_them_unique_on_the_platform(cast):
    org = make_org(cast)
    OrganizationIdentifier.add(org, cast.admin, "0088", "1234567890128")
    with pytest.raises(IdentifierError):
        OrganizationIdentifier.add(org, cast.admin, "0088", "1234567890123")
    other = Organization.create(environment=cast.other, by=cast.outsider, name="Other BV")
    with pytest.raises(ChangeRefused, match="already in use"):
        OrganizationIdentifier.add(other, cast.outsider, "0088", "1234567890128")


def test_it_records_the_receive_decision_and_refuses_it_before_activation(cast):
    org = make_org(cast)
    give_identifier(org, cast.admin)
    with pytest.raises(ChangeRefused):
        org.decide_receiving(cast.admin, True)
    org.request_activation(cast.admin, requester_name="A", requester_role="B",
                           registry_number="12345678")
    org.approve(cast.techsupport)
    org.decide_receiving(cast.admin, True)
    assert org.receiving_enabled
    event = AuditEvent.objects.get(action="organization.receiving")
    assert event.after == {"receive_decision": "enabled", "identifiers": ["0106:12345678"]}


def test_it_refuses_to_delete_an_active_organization(cast):
    org = make_org(cast)
    give_identifier(org, cast.admin)
    org.request_activation(cast.admin, requester_name="A", requester_role="B",
                           registry_number="12345678")
    org.approve(cast.techsupport)
    with pytest.raises(ChangeRefused, match="Deactivate"):
        org.delete_by(cast.admin, org.name)
    org.deactivate(cast.admin)
    with pytest.raises(ChangeRefused, match="exactly"):
        org.delete_by(cast.admin, "acme")
    org.delete_by(cast.admin, org.name)
    assert not Organization.objects.filter(pk=org.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_it_makes_one_decision_when_two_reviewers_approve_at_once(cast):
    org = make_org(cast)
    give_identifier(org, cast.admin)
    org.request_activation(cast.admin, requester_name="A", requester_role="B",
                           registry_number="12345678")
    barrier = threading.Barrier(2)
    errors = []

    def approve():
        try:
            barrier.wait()
            Organization.objects.get(pk=org.pk).approve(cast.techsupport)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert AuditEvent.objects.filter(action="organization.activated").count() == 1


def test_it_shows_basic_users_only_the_organizations_they_belong_to(cast):
    from onboarding.models import OrganizationMember

    mine = make_org(cast, name="Mine")
    make_org(cast, name="Not mine")
    assert Organization.objects.visible_to(cast.admin, cast.company).count() == 2
    assert not Organization.objects.visible_to(cast.basic, cast.company).exists()
    OrganizationMember.objects.create(organization=mine, user=cast.basic)
    assert list(Organization.objects.visible_to(cast.basic, cast.company)) == [mine]
    assert not Organization.objects.visible_to(cast.outsider, cast.company).exists()
