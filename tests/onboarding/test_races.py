"""Many people doing the same thing at the same moment: one decision, and for each of them an
answer they understand, on SQLite as on PostgreSQL."""

import threading

import pytest
from allauth.account.models import EmailAddress
from django.db import close_old_connections
from django.test import Client

from onboarding.models import (
    ActivationRequest,
    AuditEvent,
    ConnectionKey,
    EntraIdentity,
    Organization,
    PartyLink,
    PartyLinkRequest,
    Subscription,
)
from portal.errors import ChangeRefused
from tests.conftest import enable_totp, give_identifier, mails_to, make_user

pytestmark = pytest.mark.django_db(transaction=True)

N = 6


def at_once(count, action):
    """Run `action(i)` in `count` threads released together; its results, or the errors."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = action(i)
        except Exception as exc:  # noqa: BLE001 - the test reports every failure
            results[i] = exc
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=[i]) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def reviewers(cast, count):
    """TechSupport colleagues, each signed in with a browser of their own."""
    users = [cast.techsupport]
    for i in range(1, count):
        user = make_user(f"support{i}@portal.example", is_techsupport=True)
        enable_totp(user)
        users.append(user)
    clients = []
    for user in users:
        browser = Client()
        browser.force_login(user)
        clients.append(browser)
    return users, clients


def draft_org(cast, name="Acme Trading BV"):
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    org = Organization.create(environment=cast.company, by=cast.admin, name=name,
                              registry_number="12345678", registry_checked=True)
    give_identifier(org, cast.admin)
    return org


def pending_org(cast):
    org = draft_org(cast)
    org.request_activation(cast.admin, requester_name="Anna Admin", requester_role="Director",
                           registry_number="12345678")
    return org


def page(response):
    return response.content.decode()


def test_it_files_one_activation_request_when_asked_several_times_at_once(cast):
    org = draft_org(cast)

    results = at_once(N, lambda i: Organization.objects.get(pk=org.pk).request_activation(
        cast.admin, requester_name="Anna Admin", requester_role="Director",
        registry_number="12345678"))

    assert not [r for r in results if isinstance(r, Exception)]
    assert ActivationRequest.objects.filter(organization=org).count() == 1
    assert AuditEvent.objects.filter(action="organization.activation_requested").count() == 1
    assert Organization.objects.get(pk=org.pk).status == Organization.Status.PENDING


def test_it_records_as_decider_the_reviewer_the_audit_log_names(cast):
    org = pending_org(cast)
    users, _clients = reviewers(cast, N)

    results = at_once(N, lambda i: Organization.objects.get(pk=org.pk).approve(users[i]))

    assert not [r for r in results if isinstance(r, Exception)]
    event = AuditEvent.objects.get(action="organization.activated")
    decided = ActivationRequest.objects.get(organization=org)
    assert decided.decision == "approved"
    assert decided.decided_by_id == event.actor_id


def test_it_activates_once_when_many_reviewers_approve_at_once(cast):
    org = pending_org(cast)
    _users, clients = reviewers(cast, N)

    responses = at_once(N, lambda i: clients[i].post(
        f"/staff/activations/{org.pk}/approve/", {"confirm": "on"}, follow=True))

    assert [r.status_code for r in responses] == [200] * N
    pages = [page(r) for r in responses]
    assert sum("is active. The requester was told by email." in p for p in pages) == 1
    assert sum("was already active." in p for p in pages) == N - 1
    assert AuditEvent.objects.filter(action="organization.activated").count() == 1
    assert ActivationRequest.objects.get(organization=org).decision == "approved"
    assert len(mails_to(cast.admin.email)) == 1


def test_it_rejects_once_when_many_reviewers_reject_at_once(cast):
    org = pending_org(cast)
    _users, clients = reviewers(cast, N)

    responses = at_once(N, lambda i: clients[i].post(
        f"/staff/activations/{org.pk}/reject/", {"reason": f"Reason {i}"}, follow=True))

    assert [r.status_code for r in responses] == [200] * N
    pages = [page(r) for r in responses]
    assert sum("was rejected. The requester was told by email." in p for p in pages) == 1
    assert sum("was already rejected." in p for p in pages) == N - 1
    event = AuditEvent.objects.get(action="organization.rejected")
    decided = ActivationRequest.objects.get(organization=org)
    assert (decided.decided_by_id, decided.reason) == (event.actor_id, event.after["reason"])
    assert len(mails_to(cast.admin.email)) == 1


def test_it_makes_one_decision_when_reviewers_approve_and_reject_at_once(cast):
    org = pending_org(cast)
    _users, clients = reviewers(cast, N)

    def decide(i):
        if i % 2:
            return clients[i].post(f"/staff/activations/{org.pk}/reject/",
                                   {"reason": "No"}, follow=True)
        return clients[i].post(f"/staff/activations/{org.pk}/approve/", {"confirm": "on"},
                               follow=True)

    responses = at_once(N, decide)

    assert [r.status_code for r in responses] == [200] * N
    decided = Organization.objects.get(pk=org.pk).status
    assert decided in (Organization.Status.ACTIVE, Organization.Status.REJECTED)
    done = "is active. The requester" if decided == "active" else "was rejected. The requester"
    pages = [page(r) for r in responses]
    assert sum(done in p for p in pages) == 1
    assert all(done in p or "already" in p or "that step is not possible now" in p
               for p in pages)
    assert AuditEvent.objects.filter(
        action__in=["organization.activated", "organization.rejected"]).count() == 1


def test_it_links_once_when_many_reviewers_decide_a_party_link_request_at_once(cast):
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    org = draft_org(cast)
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
    identity = EntraIdentity.objects.create(user=cast.admin, tenant_id="tenant",
                                            object_id="object", username="anna@acme.example")
    link_request = PartyLinkRequest.submit(
        identity=identity, by=cast.admin, environment=cast.company, broker="production",
        entra_username=identity.username, organizations=[org])
    item = link_request.items.get()
    approve = {f"item-{item.pk}-approve": "on", f"item-{item.pk}-organization": str(org.pk),
               f"item-{item.pk}-send": "on"}
    _users, clients = reviewers(cast, N)

    def decide(i):
        if i % 2:
            return clients[i].post(f"/staff/party-links/{link_request.pk}/reject/",
                                   {"reason": "Unknown to us"}, follow=True)
        return clients[i].post(f"/staff/party-links/{link_request.pk}/approve/", approve,
                               follow=True)

    responses = at_once(N, decide)

    assert [r.status_code for r in responses] == [200] * N
    pages = [page(r) for r in responses]
    assert sum("The requester was told by email." in p for p in pages) == 1
    assert sum("This request was decided already" in p for p in pages) == N - 1
    decided = PartyLinkRequest.objects.get(pk=link_request.pk)
    assert decided.status in (PartyLinkRequest.Status.APPROVED,
                              PartyLinkRequest.Status.REJECTED)
    assert PartyLink.objects.count() == (decided.status == PartyLinkRequest.Status.APPROVED)
    assert AuditEvent.objects.filter(
        action__in=["party_link.approved", "party_link.rejected"]).get().actor_id == (
        decided.decided_by_id)
    assert len(mails_to(cast.admin.email)) == 1


def test_it_revokes_a_key_once_when_revoked_from_many_pages_at_once(cast):
    cast.company.subscription = Subscription.BASIC
    cast.company.save()
    org = draft_org(cast)
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
    org.refresh_from_db()
    key = ConnectionKey.issue(organization=org, software="afas", by=cast.admin).key
    browsers = []
    for _ in range(N):
        browser = Client()
        browser.force_login(cast.admin)
        browsers.append(browser)

    responses = at_once(N, lambda i: browsers[i].post(
        f"/connection-keys/{key.pk}/revoke/", follow=True))

    assert [r.status_code for r in responses] == [200] * N
    # A page that reads the key after another revoked it says so; every page says it is
    # revoked, and one of them did it.
    revoked_here = f"The key {key.app_key} was revoked."
    revoked_before = f"The key {key.app_key} is revoked already."
    assert all(revoked_here in page(r) or revoked_before in page(r) for r in responses)
    assert any(revoked_here in page(r) for r in responses)
    assert AuditEvent.objects.filter(action="connection_key.revoked").count() == 1
    assert ConnectionKey.objects.get(pk=key.pk).revoked_by == cast.admin


def test_it_tells_a_late_reviewer_that_the_other_decision_stands(cast):
    org = pending_org(cast)
    org.approve(cast.techsupport)
    with pytest.raises(ChangeRefused, match="active; that step is not possible"):
        Organization.objects.get(pk=org.pk).reject(cast.techsupport, "Too late")
    assert ActivationRequest.objects.get(organization=org).decision == "approved"


def test_it_checks_activity_under_the_lock_when_a_key_is_made(cast):
    cast.company.subscription = Subscription.BASIC
    cast.company.save()
    org = draft_org(cast)
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
    page_loaded = Organization.objects.get(pk=org.pk)
    # Deactivated by someone else after the page read the organization as active.
    Organization.objects.get(pk=org.pk).deactivate(cast.admin)

    with pytest.raises(ChangeRefused, match="for active organizations"):
        ConnectionKey.issue(organization=page_loaded, software="other", by=cast.admin)
    assert not ConnectionKey.objects.exists()


def test_it_checks_the_status_under_the_lock_when_an_organization_is_deleted(cast):
    org = pending_org(cast)
    page_loaded = Organization.objects.get(pk=org.pk)
    Organization.objects.get(pk=org.pk).approve(cast.techsupport)

    with pytest.raises(ChangeRefused, match="Deactivate the organization"):
        page_loaded.delete_by(cast.admin, page_loaded.name)
    assert Organization.objects.filter(pk=org.pk).exists()


def test_it_starts_one_partnership_when_several_requests_are_accepted_at_once(cast):
    from onboarding.models import AuthorisationRequest, Partnership

    cast.accountancy.subscription = Subscription.PROFESSIONAL
    cast.accountancy.save()
    bakery = Organization.create(environment=cast.client, by=cast.client_admin,
                                 name="Bakery BV", registry_number="87654321")
    requests = [AuthorisationRequest.send(
        environment=cast.accountancy, by=cast.accountant, client_name="Bea",
        client_email=f"owner{i}@bakery.nl", software="afas", registry_number="87654321")
        for i in range(N)]

    # The bakery's administrator has each address a request went to.
    for i in range(N):
        EmailAddress.objects.create(user=cast.client_admin, email=f"owner{i}@bakery.nl",
                                    verified=True)

    results = at_once(N, lambda i: requests[i].accept(cast.client_admin, bakery))

    assert not [r for r in results if isinstance(r, Exception)]
    assert Partnership.objects.active().filter(organization=bakery).count() == 1
    assert AuditEvent.objects.filter(action="partnership.started").count() == 1
