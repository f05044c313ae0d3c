"""Party links: the "no partyIds linked yet" request, TechSupport's queue and decision,
choosing the organization and "Sending via Peppol", and revocation."""

import html
import re
import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone

from onboarding.models import (
    AuditEvent,
    EntraIdentity,
    Organization,
    OrganizationIdentifier,
    OrganizationMember,
    PartyLink,
    PartyLinkRequest,
    PreparationChecklist,
    Subscription,
)
from portal.pagination import PAGE_SIZE
from tests.conftest import enable_totp, mails_to, make_user, tied_error
from tests.onboarding.entra_helpers import (
    OTHER_TENANT,
    entra_sign_in,
    entra_user,
    link_identity,
)

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")]


def active_org(environment, by, name, number):
    org = Organization.create(environment=environment, by=by, name=name,
                              registry_number=number, registry_checked=True)
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
    org.refresh_from_db()
    return org


@pytest.fixture
def orgs(cast):
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    return (active_org(cast.company, cast.admin, "Acme Trading BV", "12345678"),
            active_org(cast.company, cast.admin, "Acme Services BV", "23456789"))


@pytest.fixture
def anna(cast, entra):
    claims = entra_user(entra, "anna@acme.onmicrosoft.com", name="Anna Admin")
    link_identity(cast.admin, claims)
    return claims


@pytest.fixture
def requester(client, entra, anna):
    """The administrator, signed in with Microsoft."""
    assert entra_sign_in(client, entra, anna)["Location"] == "/entra/connection/"
    return client


@pytest.fixture
def support(cast):
    staff = Client()
    staff.force_login(cast.techsupport)
    return staff


def submit(identity, cast, orgs=(), typed=(), environment=None, broker="production"):
    return PartyLinkRequest.submit(
        identity=identity, by=cast.admin, environment=environment or cast.company,
        broker=broker, entra_username=identity.username, organizations=orgs,
        typed=typed)


def approval(link_request, *grants):
    """POST data approving (item, organization, send, receive) rows."""
    data = {}
    for item, organization, send, receive in grants:
        data[f"item-{item.pk}-approve"] = "on"
        data[f"item-{item.pk}-organization"] = str(organization.pk)
        if send:
            data[f"item-{item.pk}-send"] = "on"
        if receive:
            data[f"item-{item.pk}-receive"] = "on"
    return data


# -- asking --------------------------------------------------------------------------


def test_it_shows_no_party_ids_linked_yet_with_a_prefilled_request(requester, cast, orgs):
    Organization.create(environment=cast.company, by=cast.admin, name="Draft Only BV")
    Organization.create(environment=cast.other, by=cast.outsider, name="Not Ours BV")

    response = requester.get("/entra/connection/")

    page = response.content.decode()
    assert "No partyIds linked yet" in page
    assert "Acme Trading BV (KvK 12345678)" in page and "Acme Services BV (KvK 23456789)" in page
    assert "Not Ours BV" not in page
    form = response.context["form"]
    assert set(form.initial["organizations"]) == {orgs[0].pk, orgs[1].pk}
    assert form.initial["entra_username"] == "anna@acme.onmicrosoft.com"


def test_it_sends_the_request_to_techsupport_and_records_it(requester, cast, orgs):
    response = requester.post("/entra/connection/", {
        "organizations": [orgs[0].pk], "typed": "Acme Holding BV, 34567890",
        "entra_username": "anna@acme.onmicrosoft.com", "note": "Both please",
    }, follow=True)

    link_request = PartyLinkRequest.objects.get()
    assert link_request.status == PartyLinkRequest.Status.PENDING
    assert link_request.identity.user == cast.admin and link_request.environment == cast.company
    assert [(i.name, i.registry_number, i.organization) for i in link_request.items.all()] == [
        ("Acme Trading BV", "12345678", orgs[0]), ("Acme Holding BV", "34567890", None)]
    page = response.content.decode()
    assert "Your request went to TechSupport" in page and "private window" in page
    assert "Pending" in page
    event = AuditEvent.objects.get(action="party_link.requested")
    assert event.environment == cast.company
    assert event.after["tenant_id"] == link_request.identity.tenant_id

    again = requester.get("/entra/connection/").content.decode()
    assert "Your request is with TechSupport" in again
    assert 'id="party-link-request-form"' not in again


def test_it_shows_request_errors_next_to_the_fields(requester, cast, orgs):
    nothing = requester.post("/entra/connection/", {"entra_username": "anna"})
    assert nothing.status_code == 400
    assert nothing.context["form"].errors["organizations"] == [
        "Choose or type at least one organization."]

    bad_line = requester.post("/entra/connection/", {
        "typed": "Acme Holding BV, 34567890\nno number here", "entra_username": ""})
    assert bad_line.status_code == 400
    errors = bad_line.context["form"].errors
    assert errors["typed"] == [
        "Line 2: give the name and the KvK number, separated by a comma."]
    assert "entra_username" in errors
    assert 'id="error_1_id_typed"' in bad_line.content.decode()
    assert not PartyLinkRequest.objects.exists()


def test_it_asks_to_type_organizations_when_the_environment_has_no_active_one(requester,
                                                                             cast):
    page = requester.get("/entra/connection/")
    assert "Organizations in your environment" not in page.content.decode()

    response = requester.post("/entra/connection/", {"entra_username": "anna"})

    assert response.status_code == 400
    assert response.context["form"].errors["typed"] == [
        "Choose or type at least one organization."]
    assert 'id="error_1_id_typed"' in response.content.decode()


def test_it_sends_someone_without_an_entra_sign_in_to_sign_in_first(client, cast, entra):
    client.force_login(cast.admin)
    response = client.get("/entra/connection/")
    assert response.status_code == 302 and response["Location"] == "/entra/sign-in/"


def test_it_shows_a_request_to_its_requester_only(client, cast, orgs, entra, anna):
    link_request = submit(EntraIdentity.objects.get(), cast, orgs)
    client.force_login(cast.admin)
    assert "Acme Trading BV" in client.get(f"/entra/requests/{link_request.pk}/").content.decode()
    assert "Acme Trading BV" in client.get("/entra/requests/").content.decode()

    for user in (cast.basic, cast.outsider):
        client.force_login(user)
        assert client.get(f"/entra/requests/{link_request.pk}/").status_code == 404
        assert client.post(f"/entra/requests/{link_request.pk}/withdraw/").status_code == 404
        assert "Acme Trading BV" not in client.get("/entra/requests/").content.decode()
    assert PartyLinkRequest.objects.get().is_pending


def test_it_lets_the_requester_withdraw_until_it_is_decided(client, cast, orgs, entra, anna):
    identity = EntraIdentity.objects.get()
    first = submit(identity, cast, orgs)
    client.force_login(cast.admin)

    client.post(f"/entra/requests/{first.pk}/withdraw/")

    first.refresh_from_db()
    assert first.status == PartyLinkRequest.Status.WITHDRAWN
    assert AuditEvent.objects.filter(action="party_link.withdrawn").count() == 1
    decided = submit(identity, cast, orgs[:1])
    decided.reject(cast.techsupport, "Unknown user")
    refused = client.post(f"/entra/requests/{decided.pk}/withdraw/")
    assert refused.status_code == 400
    assert "TechSupport has decided this request already." in refused.content.decode()


# -- TechSupport's queue ---------------------------------------------------------------


def test_it_filters_the_queue_by_status_age_and_tenant(support, cast, orgs, entra):
    anna = link_identity(cast.admin, entra_user(entra, "anna@acme.onmicrosoft.com"))
    owen = link_identity(cast.outsider, entra_user(entra, "owen@other.onmicrosoft.com",
                                                   tenant_id=OTHER_TENANT))
    old = submit(anna, cast, orgs[:1])
    PartyLinkRequest.objects.filter(pk=old.pk).update(
        requested_at=timezone.now() - timedelta(days=10))
    new = submit(owen, cast, typed=[("Other Trading BV", "99999999")],
                 environment=cast.other)
    decided = submit(anna, cast, typed=[("Gone BV", "88888888")], broker="acceptance")
    decided.reject(cast.techsupport, "No")

    def shown(**query):
        page = support.get("/staff/party-links/", query).content.decode()
        return {name for name in ("Acme Trading BV", "Other Trading BV", "Gone BV")
                if name in page}

    pending = {"Acme Trading BV", "Other Trading BV"}
    assert shown() == pending
    page = support.get("/staff/party-links/").content.decode()
    assert page.index("Acme Trading BV") < page.index("Other Trading BV")  # oldest first
    assert shown(older_than="7") == {"Acme Trading BV"}
    assert shown(tenant=OTHER_TENANT) == {"Other Trading BV"}
    assert shown(status="rejected") == {"Gone BV"}
    assert shown(status="") == pending | {"Gone BV"}
    assert shown(q="99999999") == {"Other Trading BV"}
    assert shown(q="owen@other") == {"Other Trading BV"}
    assert shown(q="outsider@other.nl") == {"Other Trading BV"}
    assert new.identity.tenant_id in support.get("/staff/party-links/").content.decode()


def test_it_keeps_the_queue_filters_on_the_next_page(support, cast, orgs, entra):
    anna = link_identity(cast.admin, entra_user(entra, "anna@acme.onmicrosoft.com"))
    for number in range(PAGE_SIZE + 1):
        submit(anna, cast, typed=[(f"Typed {number:02d} BV", f"7{number:07d}")],
               broker="acceptance").reject(cast.techsupport, "No")

    page = support.get("/staff/party-links/", {"status": "rejected", "q": "Typed"})
    next_link = re.search(r'href="([^"]*)" rel="next"', page.content.decode()).group(1)
    second = support.get(f"/staff/party-links/{next_link}").content.decode()

    assert next_link == "?status=rejected&q=Typed&page=2"
    assert f"Typed {PAGE_SIZE:02d} BV" in second
    assert "Typed 00 BV" not in second


def test_it_matches_the_asked_organizations_by_kvk_number_and_warns(support, cast, orgs,
                                                                     entra, anna):
    elsewhere = active_org(cast.other, cast.outsider, "Other Trading BV", "55555555")
    draft = Organization.create(environment=cast.client, by=cast.client_admin,
                                name="Bakery Draft BV", registry_number="66666666")
    link_request = submit(EntraIdentity.objects.get(), cast, orgs[:1], typed=[
        ("Other Trading", "55555555"), ("Bakery", "66666666"), ("Nobody", "77777777")])

    response = support.get(f"/staff/party-links/{link_request.pk}/")

    page = response.content.decode()
    assert anna["tenant_id"] in page and anna["object_id"] in page
    assert "anna@acme.onmicrosoft.com" in page and cast.admin.email in page
    assert elsewhere.company_id in page and draft.company_id in page
    assert "In environment Other, not the requester&#x27;s." in page
    assert "Not active: draft." in page
    assert "No organization on the platform has this KvK number." in page
    assert page.count('class="badge text-bg-warning warning"') == 3  # Other; Bakery twice
    assert "Asked TechSupport to link anna@acme.onmicrosoft.com to" in html.unescape(page)
    # Each match, and the requester's environment, open on the staff pages.
    assert f'href="/staff/organizations/{elsewhere.pk}/">Other Trading BV</a>' in page
    assert f'href="/staff/environments/{cast.other.pk}/">Other</a>' in page
    assert f'href="/staff/environments/{cast.company.pk}/">Acme</a>' in page


def test_it_approves_some_organizations_with_their_permissions(
        support, cast, orgs, entra, anna, django_capture_on_commit_callbacks):
    link_request = submit(EntraIdentity.objects.get(), cast, orgs)
    first, second = link_request.items.all()

    with django_capture_on_commit_callbacks(execute=True):
        response = support.post(f"/staff/party-links/{link_request.pk}/approve/", {
            **approval(link_request, (first, orgs[0], True, True)),
            "reason": "Acme Services BV has its own Entra tenant."})

    assert response.status_code == 302
    link_request.refresh_from_db()
    assert link_request.status == PartyLinkRequest.Status.PARTLY_APPROVED
    assert link_request.decided_by == cast.techsupport
    link = PartyLink.objects.get()
    assert (link.organization, link.can_send, link.can_receive, link.sending_enabled) == (
        orgs[0], True, True, False)
    assert [i.decision for i in link_request.items.all()] == ["approved", "rejected"]
    [message] = mails_to(cast.admin.email)
    assert "Acme Trading BV" in message.body and orgs[0].company_id in message.body
    assert "Not linked:" in message.body and "Acme Services BV" in message.body
    assert "Acme Services BV has its own Entra tenant." in message.body
    assert "private (incognito) window" in message.body
    assert AuditEvent.objects.filter(action="party_link.approved",
                                     environment=cast.company).count() == 1
    assert AuditEvent.objects.filter(action="party_link.granted", target_id=str(orgs[0].pk),
                                     environment=cast.company).count() == 1


def test_it_gives_the_rights_beyond_sending_and_receiving_one_by_one(
        support, cast, orgs, entra, anna, django_capture_on_commit_callbacks):
    link_request = submit(EntraIdentity.objects.get(), cast, orgs[:1])
    item = link_request.items.get()
    page = support.get(f"/staff/party-links/{link_request.pk}/").content.decode()
    assert all(f'name="item-{item.pk}-{key}"' in page for key in ("remove", "status", "hooks"))

    with django_capture_on_commit_callbacks(execute=True):
        support.post(f"/staff/party-links/{link_request.pk}/approve/", {
            **approval(link_request, (item, orgs[0], False, True)),
            f"item-{item.pk}-remove": "on", f"item-{item.pk}-hooks": "on"})

    link = PartyLink.objects.get()
    assert (link.can_send, link.can_receive, link.can_remove, link.can_change_status,
            link.can_manage_hooks) == (False, True, True, False, True)
    [message] = mails_to(cast.admin.email)
    assert "receive, remove documents, manage webhooks" in message.body
    assert "receive=True remove=True status=False hooks=True" in AuditEvent.objects.get(
        action="party_link.approved").after["approved"][0]


def test_it_rejects_only_with_a_reason_the_requester_sees(
        support, client, cast, orgs, entra, anna, django_capture_on_commit_callbacks):
    link_request = submit(EntraIdentity.objects.get(), cast, orgs)

    blank = support.post(f"/staff/party-links/{link_request.pk}/reject/", {"reason": " "})
    assert blank.status_code == 400
    page = blank.content.decode()
    assert "Give the reason; the requester will read it." in page
    # The approval's note and the rejection's reason are told apart by their labels.
    assert page.count('id="id_reason"') == 1 and page.count('id="id_reject_reason"') == 1
    assert re.search(r'<label\s+for="id_reject_reason"', page)

    with django_capture_on_commit_callbacks(execute=True):
        support.post(f"/staff/party-links/{link_request.pk}/reject/",
                     {"reason": "This Entra user is not known to the company."})

    link_request.refresh_from_db()
    assert link_request.status == PartyLinkRequest.Status.REJECTED
    assert not PartyLink.objects.exists()
    assert "This Entra user is not known to the company." in mails_to(cast.admin.email)[0].body
    client.force_login(cast.admin)
    page = client.get(f"/entra/requests/{link_request.pk}/").content.decode()
    assert "Rejected" in page and "This Entra user is not known to the company." in page


def test_it_shows_approval_errors_next_to_the_organization(support, cast, orgs, entra, anna):
    link_request = submit(EntraIdentity.objects.get(), cast, orgs[:1],
                          typed=[("Nobody", "77777777")])
    first, typed = link_request.items.all()

    nothing = support.post(f"/staff/party-links/{link_request.pk}/approve/", {})
    assert nothing.status_code == 400
    assert ("Tick at least one organization to approve, or reject the request."
            in nothing.content.decode())

    response = support.post(f"/staff/party-links/{link_request.pk}/approve/", {
        f"item-{first.pk}-approve": "on", f"item-{first.pk}-organization": str(orgs[0].pk),
        f"item-{typed.pk}-approve": "on", f"item-{typed.pk}-organization": ""})

    assert response.status_code == 400
    errors = response.context["approve_form"].errors
    assert errors[f"item-{typed.pk}-organization"] == [
        "Choose the platform organization to link."]
    assert errors[f"item-{first.pk}-send"] == ["Allow sending, receiving or both."]
    assert tied_error(response, f"id_item-{typed.pk}-organization") == \
        "Choose the platform organization to link."
    assert tied_error(response, f"id_item-{first.pk}-send") == \
        "Allow sending, receiving or both."
    assert PartyLinkRequest.objects.get().is_pending and not PartyLink.objects.exists()


def test_it_decides_once_when_approved_twice(support, cast, orgs, entra, anna,
                                             django_capture_on_commit_callbacks):
    link_request = submit(EntraIdentity.objects.get(), cast, orgs[:1])
    data = approval(link_request, (link_request.items.get(), orgs[0], True, False))

    with django_capture_on_commit_callbacks(execute=True):
        support.post(f"/staff/party-links/{link_request.pk}/approve/", data)
        second = support.post(f"/staff/party-links/{link_request.pk}/approve/", data,
                              follow=True)

    assert "This request was decided already" in second.content.decode()
    assert PartyLink.objects.count() == 1
    assert len(mails_to(cast.admin.email)) == 1
    assert AuditEvent.objects.filter(action="party_link.approved").count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_makes_one_link_when_two_reviewers_approve_at_once(cast, orgs, entra):
    identity = link_identity(cast.admin, entra_user(entra, "anna@acme.onmicrosoft.com"))
    link_request = submit(identity, cast, orgs[:1])
    data = approval(link_request, (link_request.items.get(), orgs[0], True, False))
    second = make_user("support2@portal.example", is_techsupport=True)
    enable_totp(second)
    reviewers = []
    for user in (cast.techsupport, second):
        reviewer = Client()
        reviewer.force_login(user)
        reviewers.append(reviewer)
    barrier = threading.Barrier(2)
    statuses = []

    def approve(reviewer):
        try:
            barrier.wait()
            statuses.append(reviewer.post(f"/staff/party-links/{link_request.pk}/approve/",
                                          data).status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=approve, args=[r]) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302, 302]
    assert PartyLink.objects.count() == 1
    assert AuditEvent.objects.filter(action="party_link.approved").count() == 1
    assert AuditEvent.objects.filter(action="party_link.granted").count() == 1
    assert len(mails_to(cast.admin.email)) == 1


def test_it_hides_the_queue_from_everyone_but_techsupport(client, cast, orgs, entra, anna):
    link_request = submit(EntraIdentity.objects.get(), cast, orgs)
    for user, hidden in ((cast.admin, 404), (cast.outsider, 404), (cast.sales, 403)):
        enable_totp(user)
        client.force_login(user)
        assert client.get("/staff/party-links/").status_code == hidden
        assert client.get(f"/staff/party-links/{link_request.pk}/").status_code == hidden
        assert client.post(f"/staff/party-links/{link_request.pk}/approve/").status_code == \
            hidden
    assert PartyLinkRequest.objects.get().is_pending


# -- after approval: choose the organization, Sending via Peppol ------------------------


def test_it_lists_the_linked_organizations_on_the_next_sign_in(client, cast, orgs, entra,
                                                               anna):
    identity = EntraIdentity.objects.get()
    link_request = submit(identity, cast, orgs)
    link_request.decide(cast.techsupport, {
        link_request.items.first().pk: (orgs[0], {"can_send": True})})

    entra_sign_in(client, entra, anna)
    page = client.get("/entra/connection/").content.decode()

    assert "Select the organization" in page
    assert "Acme Trading BV" in page and "Acme Services BV" not in page
    assert "No partyIds linked yet" not in page


def test_it_is_active_only_once_sending_via_peppol_is_checked(client, cast, orgs, entra,
                                                              anna):
    link = PartyLink.grant(identity=EntraIdentity.objects.get(), organization=orgs[0],
                           broker="production", can_send=True, can_receive=False,
                           by=cast.techsupport)
    entra_sign_in(client, entra, anna)

    review = client.get(f"/entra/connection/{link.pk}/").content.decode()
    assert "Not active" in review and orgs[0].company_id in review
    assert "Sending via Peppol" in review

    checked = client.post(f"/entra/connection/{link.pk}/", {"sending_enabled": "on"},
                          follow=True)

    assert "Connection active" in checked.content.decode()
    link.refresh_from_db()
    assert link.sending_enabled and link.is_connected
    event = AuditEvent.objects.get(action="party_link.sending_switched")
    assert event.environment == cast.company and event.after["sending_enabled"] is True

    client.post(f"/entra/connection/{link.pk}/", {})
    link.refresh_from_db()
    assert not link.sending_enabled


def test_it_reviews_only_identifiers_in_effect_as_sending_and_receiving(client, cast, orgs,
                                                                         entra, anna):
    verified = OrganizationIdentifier.add(orgs[0], cast.admin, "0106", "12345678")
    verified.verify(cast.techsupport)
    verified.switch(cast.admin, "receive", True)
    waiting = OrganizationIdentifier.add(orgs[0], cast.admin, "0088", "8712345000011")
    waiting.switch(cast.admin, "receive", True)
    assert waiting.can_send and not waiting.is_verified
    link = PartyLink.grant(identity=EntraIdentity.objects.get(), organization=orgs[0],
                           broker="production", can_send=True, can_receive=True,
                           by=cast.techsupport)
    entra_sign_in(client, entra, anna)

    review = html.unescape(client.get(f"/entra/connection/{link.pk}/").content.decode())

    items = [item.split("</li>")[0] for item in review.split("<li><code>")[1:]]
    identifiers = {item.split("</code>")[0]: re.sub(r"<[^>]+>", " ", item.split("</code>")[1])
                   for item in items}
    assert identifiers["0088:8712345000011"].split() == ["Waiting", "for", "TechSupport"]
    assert identifiers["0106:12345678"].split()[-2:] == ["send", "receive"]


def test_it_refuses_sending_for_a_link_made_for_receiving(client, cast, orgs, entra, anna):
    link = PartyLink.grant(identity=EntraIdentity.objects.get(), organization=orgs[0],
                           broker="production", can_send=False, can_receive=True,
                           by=cast.techsupport)
    client.force_login(cast.admin)

    response = client.post(f"/entra/connection/{link.pk}/", {"sending_enabled": "on"})

    assert response.status_code == 400
    assert response.context["form"].errors["sending_enabled"] == [
        "TechSupport linked this organization for receiving only."]
    link.refresh_from_db()
    assert not link.sending_enabled


def test_it_keeps_links_to_the_identitys_own_user(client, cast, orgs, entra, anna):
    link = PartyLink.grant(identity=EntraIdentity.objects.get(), organization=orgs[0],
                           broker="production", can_send=True, can_receive=False,
                           by=cast.techsupport)
    for user in (cast.basic, cast.outsider):
        client.force_login(user)
        assert client.get(f"/entra/connection/{link.pk}/").status_code == 404
        assert client.post(f"/entra/connection/{link.pk}/",
                           {"sending_enabled": "on"}).status_code == 404


# -- revocation ------------------------------------------------------------------------


def test_it_lets_techsupport_revoke_and_the_identity_loses_access_at_once(
        client, support, cast, orgs, entra, anna):
    identity = EntraIdentity.objects.get()
    link_request = submit(identity, cast, orgs[:1])
    link_request.decide(cast.techsupport, {
        link_request.items.get().pk: (orgs[0], {"can_send": True})})
    link = PartyLink.objects.get()
    entra_sign_in(client, entra, anna)
    client.post(f"/entra/connection/{link.pk}/", {"sending_enabled": "on"})

    asked = support.get(f"/staff/party-links/links/{link.pk}/revoke/").content.decode()
    assert "can no longer send or receive for" in asked
    assert PartyLink.objects.get().is_active  # asking changes nothing

    response = support.post(f"/staff/party-links/links/{link.pk}/revoke/")

    assert response["Location"] == f"/staff/party-links/{link_request.pk}/"
    again = support.get(f"/staff/party-links/links/{link.pk}/revoke/", follow=True)
    assert "This party link was revoked already." in again.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == cast.techsupport
    assert not link.sending_enabled
    assert client.get(f"/entra/connection/{link.pk}/").status_code == 404
    assert "No partyIds linked yet" in client.get("/entra/connection/").content.decode()
    assert AuditEvent.objects.filter(action="party_link.revoked",
                                     environment=cast.company).count() == 1


def test_it_lets_the_organizations_administrator_revoke(client, cast, orgs, entra):
    owen = link_identity(cast.outsider, entra_user(entra, "owen@other.onmicrosoft.com"))
    link = PartyLink.grant(identity=owen, organization=orgs[0], broker="production",
                           can_send=True, can_receive=True, by=cast.techsupport)

    for user in (cast.basic, cast.outsider):
        client.force_login(user)
        assert "owen@other" not in client.get("/party-links/").content.decode()
        assert client.post(f"/party-links/{link.pk}/revoke/").status_code == 404
    assert PartyLink.objects.active().count() == 1

    client.force_login(cast.admin)
    assert "owen@other.onmicrosoft.com" in client.get("/party-links/").content.decode()
    client.post(f"/party-links/{link.pk}/revoke/")
    assert not PartyLink.objects.active().exists()
    assert client.post(f"/party-links/{link.pk}/revoke/").status_code == 404


def test_it_lets_an_organization_administrator_who_is_a_basic_user_revoke(client, cast, orgs,
                                                                           entra):
    OrganizationMember.objects.create(organization=orgs[1], user=cast.basic,
                                      role=OrganizationMember.OrgRole.ADMINISTRATOR)
    owen = link_identity(cast.outsider, entra_user(entra, "owen@other.onmicrosoft.com"))
    theirs = PartyLink.grant(identity=owen, organization=orgs[1], broker="production",
                             can_send=True, can_receive=False, by=cast.techsupport)
    not_theirs = PartyLink.grant(identity=owen, organization=orgs[0], broker="production",
                                 can_send=True, can_receive=False, by=cast.techsupport)
    client.force_login(cast.basic)

    assert client.post(f"/party-links/{not_theirs.pk}/revoke/").status_code == 404
    client.post(f"/party-links/{theirs.pk}/revoke/")

    assert list(PartyLink.objects.active()) == [not_theirs]


def test_it_ends_the_links_of_an_unlinked_identity(client, cast, orgs, entra, anna):
    identity = EntraIdentity.objects.get()
    PartyLink.grant(identity=identity, organization=orgs[0], broker="production",
                    can_send=True, can_receive=False, by=cast.techsupport)
    client.force_login(cast.admin)

    client.post(f"/entra/identities/{identity.pk}/unlink/")

    assert not PartyLink.objects.exists()
    assert AuditEvent.objects.filter(action="party_link.revoked").count() == 1


# -- preparation -----------------------------------------------------------------------


def test_it_keeps_the_preparation_checklist(client, cast, entra):
    client.force_login(cast.admin)
    page = client.get("/entra/preparation/").content.decode()
    assert "user name of the person who sets up the integration" in page
    assert "global admin or super admin" in page
    assert "0 of 4 ready." in page

    client.post("/entra/preparation/", {"setup_user_known": "on", "admin_available": "on"})

    checklist = PreparationChecklist.objects.get(user=cast.admin)
    assert checklist.setup_user_known and checklist.admin_available
    assert not checklist.organizations_known
    again = client.get("/entra/preparation/")
    assert "2 of 4 ready." in again.content.decode()
    assert again.context["form"].initial["admin_available"] is True
