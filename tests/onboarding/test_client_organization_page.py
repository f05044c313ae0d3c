"""An accountant opens a client's organization page through the partnership: asks for its
activation and looks after its Peppol identifiers; its members and receiving stay the
client's."""

import pytest

from onboarding.models import (
    AuditEvent,
    AuthorisationRequest,
    Membership,
    Organization,
    OrganizationIdentifier,
    Partnership,
    Role,
    Subscription,
)
from tests.conftest import field_error, mails_to, make_user, sign_in, text
from tests.onboarding.test_authorisation_requests import work_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def bakery(cast):
    """The client's draft organization, with its KvK number as identifier, looked after by
    the accountancy."""
    organization, _identifier, _problem = Organization.create_with_identifier(
        environment=cast.client, by=cast.client_admin, name="Bakery BV",
        registry_number="87654321", registry_checked=True, street="Markt 1",
        postal_code="3511 AA", city="Utrecht")
    cast.accountancy.subscription = Subscription.BASIC
    cast.accountancy.save(update_fields=["subscription"])
    AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                              client_name="Olga Owner", client_email="owner@bakery.nl",
                              software="afas", registry_number="87654321",
                              ).accept(cast.client_admin, organization)
    return organization


@pytest.fixture
def accountant(client, cast):
    sign_in(client, cast.accountant)
    return work_in(client, cast.accountancy)


def test_it_names_the_client_once_when_its_environment_bears_the_organizations_name(
        accountant, bakery, cast):
    cast.client.name = "Bakery BV"
    cast.client.save(update_fields=["name"])

    page = text(accountant.get(f"/organizations/{bakery.pk}/"))

    assert "You look after Bakery BV through your partnership. You can ask" in page
    assert "for Bakery BV" not in page


def latest_event(cast):
    return AuditEvent.objects.filter(environment=cast.client).order_by("-id").first()


def test_it_shows_the_accountant_the_client_page_with_what_they_look_after(accountant, bakery):
    response = accountant.get(f"/organizations/{bakery.pk}/")

    page = text(response)
    assert response.status_code == 200
    assert "You look after Bakery BV for Bakery, through your partnership" in page
    assert bakery.company_id in page and "0106:87654321" in page
    assert 'id="identifier-form"' in response.content.decode()
    assert "Ask TechSupport to activate" in page
    # The breadcrumb goes back to the clients, not to the accountancy's own organizations.
    assert '<a href="/clients/">Clients</a>' in response.content.decode()
    assert 'class="nav-link active" aria-current="page" href="/clients/"' in \
        response.content.decode()
    assert 'class="nav-link active" aria-current="page" href="/organizations/"' not in \
        response.content.decode()
    # Members, receiving, deactivation and deletion are the client's own.
    assert 'id="members"' not in response.content.decode()
    assert "owner@bakery.nl" not in page
    assert "Switch receiving on" not in page
    assert "Bakery BV's own administrators switch it on or off" in page
    assert f"/organizations/{bakery.pk}/delete/" not in response.content.decode()


def test_it_lets_the_accountant_add_an_identifier_under_their_firm_name(accountant, cast,
                                                                        bakery):
    response = accountant.post(f"/organizations/{bakery.pk}/identifiers/add/",
                               {"scheme": "0088", "value": "8712345000011"})

    assert response.status_code == 302
    added = bakery.identifiers.get(scheme="0088")
    assert added.value == "8712345000011"
    event = latest_event(cast)
    assert event.action == "identifier.added"
    assert event.actor_label == "accountant@numbers.nl (Numbers Accountants)"
    assert Partnership.objects.get(organization=bakery).last_activity_at is not None


def test_it_shows_a_bad_identifier_next_to_the_field_for_the_accountant(accountant, bakery):
    response = accountant.post(f"/organizations/{bakery.pk}/identifiers/add/",
                               {"scheme": "0106", "value": "12"})

    assert field_error(response, "value")
    assert bakery.identifiers.count() == 1


def test_it_lets_the_accountant_switch_sending_but_not_receiving(accountant, cast, bakery):
    identifier = bakery.identifiers.get()
    Organization.objects.filter(pk=bakery.pk).update(status=Organization.Status.ACTIVE)

    accountant.post(f"/organizations/identifiers/{identifier.pk}/switch/",
                    {"direction": "send", "enabled": "0"})
    refused = accountant.post(f"/organizations/identifiers/{identifier.pk}/switch/",
                              {"direction": "receive", "enabled": "1"}, follow=True)

    identifier.refresh_from_db()
    assert identifier.can_send is False
    assert latest_event(cast).actor_label == "accountant@numbers.nl (Numbers Accountants)"
    assert identifier.can_receive is False
    assert "Receiving is charged, so Bakery BV's own administrators switch it on or off." \
        in text(refused)
    page = accountant.get(f"/organizations/identifiers/{identifier.pk}/switch/").content.decode()
    assert 'data-switch="send-' in page and 'data-switch="receive-' not in page


def test_it_tells_the_accountant_who_switches_receiving_on(accountant, bakery):
    page = accountant.get(f"/organizations/{bakery.pk}/").content.decode()

    box = page.split('id="receiving-state"')[1].split("</div>")[0]
    assert "stays off until it is switched on" in box and "until you switch" not in box
    assert "Receiving is charged, so Bakery BV's own administrators switch it on or off." \
        in page


def test_it_lets_the_accountant_remove_an_identifier_after_asking(accountant, cast, bakery):
    identifier = bakery.identifiers.get()
    url = f"/organizations/identifiers/{identifier.pk}/remove/"

    asked = accountant.get(url)
    assert asked.status_code == 200 and "Remove identifier" in text(asked)
    assert bakery.identifiers.exists()
    accountant.post(url)

    assert not bakery.identifiers.exists()
    event = latest_event(cast)
    assert event.action == "identifier.removed"
    assert event.actor_label == "accountant@numbers.nl (Numbers Accountants)"


def test_it_keeps_the_clients_receiving_when_the_accountant_removes_identifiers(
        accountant, client, cast, bakery):
    identifier = bakery.identifiers.get()
    Organization.objects.filter(pk=bakery.pk).update(status=Organization.Status.ACTIVE)
    bakery.refresh_from_db()
    bakery.decide_receiving(cast.client_admin, True)
    url = f"/organizations/identifiers/{identifier.pk}/remove/"

    refused = accountant.post(url)

    # The last identifier that receives stays: removing it would switch receiving off.
    assert refused.status_code == 400
    assert ("is the last identifier Bakery BV receives with. Removing it would switch "
            "receiving off, and receiving is charged, so Bakery BV's own administrators "
            "decide that.") in text(refused)
    bakery.refresh_from_db()
    assert bakery.receive_decision == Organization.ReceiveDecision.ENABLED
    assert bakery.identifiers.filter(can_receive=True).count() == 1
    # One that does not receive goes as before.
    other = OrganizationIdentifier.add(bakery, cast.client_admin, "0088", "8712345000011")
    other.switch(cast.client_admin, "receive", False)
    accountant.post(f"/organizations/identifiers/{other.pk}/remove/")
    assert list(bakery.identifiers.all()) == [identifier]
    # The client's own administrator is warned first, and may.
    sign_in(client, cast.client_admin)
    assert "removing it switches receiving off" in text(client.get(url))
    client.post(url)
    bakery.refresh_from_db()
    assert bakery.receive_decision == Organization.ReceiveDecision.DECLINED


def test_it_lets_the_accountant_ask_for_activation_and_tells_techsupport(
        accountant, client, cast, bakery, django_capture_on_commit_callbacks):
    form = accountant.get(f"/organizations/{bakery.pk}/activate/")
    assert "You ask as its accountant, through your partnership" in text(form)

    accountant.post(f"/organizations/{bakery.pk}/activate/", {
        "requester_name": "Alex Accountant", "requester_role": "Accountant at Numbers",
        "registry_number": "87654321", "authorised": "on"})

    bakery.refresh_from_db()
    assert bakery.status == Organization.Status.PENDING
    request = bakery.activation_requests.get()
    assert request.requested_by == cast.accountant and request.accountant == cast.accountancy
    assert latest_event(cast).actor_label == "accountant@numbers.nl (Numbers Accountants)"
    accountant.logout()
    sign_in(client, cast.techsupport)
    review = client.get(f"/staff/activations/{bakery.pk}/")
    assert "Asked as accountant, through the partnership of Numbers Accountants" in text(review)
    assert f"/staff/environments/{cast.accountancy.pk}/" in review.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/activations/{bakery.pk}/approve/", {"confirm": "on"})

    bakery.refresh_from_db()
    assert bakery.status == Organization.Status.ACTIVE
    [to_accountant] = mails_to(cast.accountant.email)
    assert "until the organization's administrators switch it on" in to_accountant.body
    # The client hears its organization is live, and that receiving is its own decision.
    [to_client] = mails_to(cast.client_admin.email)
    assert "TechSupport activated Bakery BV" in to_client.body
    assert "as Numbers Accountants asked" in to_client.body
    assert "until you switch it on" in to_client.body


def test_it_marks_no_accountant_on_a_request_from_the_client_itself(client, cast, bakery):
    sign_in(client, cast.client_admin)

    client.post(f"/organizations/{bakery.pk}/activate/", {
        "requester_name": "Olga Owner", "requester_role": "Owner",
        "registry_number": "87654321", "authorised": "on"})

    assert bakery.activation_requests.get().accountant is None


def test_it_closes_the_client_page_once_the_partnership_ends(accountant, cast, bakery):
    identifier = bakery.identifiers.get()
    Partnership.objects.get(organization=bakery).end(cast.client_admin)

    assert accountant.get(f"/organizations/{bakery.pk}/").status_code == 404
    assert accountant.post(f"/organizations/{bakery.pk}/identifiers/add/",
                           {"scheme": "0088", "value": "8712345000011"}).status_code == 404
    assert accountant.post(f"/organizations/identifiers/{identifier.pk}/remove/") \
        .status_code == 404
    assert accountant.post(f"/organizations/{bakery.pk}/activate/").status_code == 404
    assert bakery.identifiers.count() == 1


def test_it_keeps_members_receiving_and_deletion_with_the_client(accountant, bakery):
    for url, data in ((f"/organizations/{bakery.pk}/members/add/", {}),
                      (f"/organizations/{bakery.pk}/receiving/", {"enabled": "1"}),
                      (f"/organizations/{bakery.pk}/deactivate/", {}),
                      (f"/organizations/{bakery.pk}/delete/", {"confirm_name": "Bakery BV"})):
        refused = accountant.post(url, data)
        # The accountant sees the organization: the refusal says whose step it is.
        assert refused.status_code == 403, url
        assert "Bakery BV's own administrators do this, in their own environment." in \
            refused.content.decode().replace("&#x27;", "'"), url

    bakery.refresh_from_db()
    assert bakery.receive_decision == Organization.ReceiveDecision.UNDECIDED


def test_it_gives_a_basic_user_of_the_accountancy_no_client_page(client, cast, bakery):
    basic = make_user("junior@numbers.nl")
    Membership.objects.create(environment=cast.accountancy, user=basic, role=Role.BASIC)
    sign_in(client, basic)

    assert client.get(f"/organizations/{bakery.pk}/").status_code == 404
    assert client.post(f"/organizations/{bakery.pk}/identifiers/add/",
                       {"scheme": "0088", "value": "8712345000011"}).status_code == 403
    assert OrganizationIdentifier.objects.filter(scheme="0088").count() == 0


def test_it_links_the_client_organization_from_the_clients_page(accountant, bakery):
    page = accountant.get("/clients/").content.decode()

    assert f'<a href="/organizations/{bakery.pk}/">Bakery BV</a>' in page
    assert 'data-status="draft"' in page
