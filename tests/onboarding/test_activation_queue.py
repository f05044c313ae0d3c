import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from onboarding.models import ActivationRequest, AuditEvent, Organization, Subscription
from tests.conftest import enable_totp, give_identifier, mails_to, make_user

pytestmark = pytest.mark.django_db

CONFIRMED = {"confirm": "on"}

BASISPROFIEL = {
    "kvkNummer": "12345678",
    "naam": "Acme Trading B.V.",
    "_embedded": {"hoofdvestiging": {"adressen": [{
        "type": "bezoekadres", "straatnaam": "Keizersgracht", "huisnummer": 1,
        "postcode": "1015 CJ", "plaats": "Amsterdam",
    }]}},
}


def pending_org(cast, name="Acme Trading BV", environment=None, by=None, **fields):
    environment = environment or cast.company
    by = by or cast.admin
    fields.setdefault("registry_number", "12345678")
    fields.setdefault("registry_checked", True)
    org = Organization.create(environment=environment, by=by, name=name, **fields)
    give_identifier(org, by)
    org.request_activation(by, requester_name="Anna Admin", requester_role="Director",
                           registry_number=fields["registry_number"])
    return org


@pytest.fixture
def company(cast):
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    return cast.company


@pytest.fixture
def support(client, cast):
    client.force_login(cast.techsupport)
    return client


def test_it_lists_pending_organizations_oldest_first_with_their_age(support, cast, company):
    newer = pending_org(cast, name="Newer BV")
    older = pending_org(cast, name="Older BV", registry_number="87654321")
    ActivationRequest.objects.filter(organization=older).update(
        requested_at=timezone.now() - timedelta(days=3))
    Organization.create(environment=company, by=cast.admin, name="Still a draft BV")

    page = support.get("/staff/activations/").content.decode()

    assert page.index("Older BV") < page.index("Newer BV")
    assert "3\xa0days" in page
    assert newer.company_id in page and "Anna Admin" in page
    assert "Still a draft BV" not in page


def test_it_searches_by_name_company_id_kvk_number_and_environment(support, cast, company):
    acme = pending_org(cast, name="Acme Trading BV")
    pending_org(cast, name="Bakery Shop BV", environment=cast.client, by=cast.client_admin,
                registry_number="11112222")

    def found(query):
        page = support.get("/staff/activations/", {"q": query}).content.decode()
        return {name for name in ("Acme Trading BV", "Bakery Shop BV") if name in page}

    assert found("trading") == {"Acme Trading BV"}
    assert found(acme.company_id) == {"Acme Trading BV"}
    assert found("11112222") == {"Bakery Shop BV"}
    assert found("Bakery") == {"Bakery Shop BV"}
    assert found("nothing like it") == set()


def test_it_pages_the_queue(support, cast, company):
    for number in range(27):
        pending_org(cast, name=f"Org {number:02d}", registry_number=f"1000{number:04d}")

    first = support.get("/staff/activations/")
    second = support.get("/staff/activations/", {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.content.decode()
    assert [o.name for o in second.context["page"].object_list] == ["Org 25", "Org 26"]


def test_it_shows_the_requester_and_the_register_snapshot_beside_todays_data(support, cast,
                                                                             company):
    org = Organization.create(
        environment=company, by=cast.admin, name="Acme Trading B.V.", registry_number="12345678",
        registry_checked=True, registry_snapshot=BASISPROFIEL, street="Keizersgracht 1",
        postal_code="1015CJ", city="Amsterdam")
    give_identifier(org, cast.admin)
    org.request_activation(cast.admin, requester_name="Anna Admin",
                           requester_role="Financial director", registry_number="12345678")
    Organization.objects.filter(pk=org.pk).update(city="Rotterdam")

    page = support.get(f"/staff/activations/{org.pk}/").content.decode()

    assert "Anna Admin, Financial director" in page
    assert "KvK at request time" in page
    assert page.count("differs</span>") == 1  # the city; "1015 CJ" and "1015CJ" are the same
    assert "Amsterdam" in page and "Rotterdam" in page


def test_it_lets_support_vouch_for_a_hand_typed_registry_number(support, cast, company):
    org = pending_org(cast, country="DE", registry_number="HRB 1234", registry_checked=False)

    refused = support.post(f"/staff/activations/{org.pk}/approve/", CONFIRMED, follow=True)
    assert "Check the registry number before activating" in refused.content.decode()
    assert Organization.objects.get(pk=org.pk).status == Organization.Status.PENDING

    support.post(f"/staff/activations/{org.pk}/registry-checked/")
    assert Organization.objects.get(pk=org.pk).registry_checked
    event = AuditEvent.objects.get(action="organization.registry_checked")
    assert event.actor == cast.techsupport and event.environment == company

    support.post(f"/staff/activations/{org.pk}/approve/", CONFIRMED)
    assert Organization.objects.get(pk=org.pk).status == Organization.Status.ACTIVE


def test_it_approves_and_tells_the_requester_in_their_language(
    support, cast, company, django_capture_on_commit_callbacks
):
    cast.admin.language = "nl"
    cast.admin.save()
    org = pending_org(cast)

    with django_capture_on_commit_callbacks(execute=True):
        response = support.post(f"/staff/activations/{org.pk}/approve/", CONFIRMED, follow=True)

    assert "is active" in response.content.decode()
    assert Organization.objects.get(pk=org.pk).status == Organization.Status.ACTIVE
    [message] = mails_to(cast.admin.email)
    assert "Acme Trading BV" in message.subject
    decided_at = ActivationRequest.objects.get(organization=org).decided_at
    with translation.override("nl"):
        assert date_format(timezone.localtime(decided_at), "DATE_FORMAT") in message.body
    # Receiving waits for the administrator, who may switch it on at once.
    assert "je kunt het altijd aanzetten op de pagina van de organisatie" in message.body
    # Approving again is no second decision and no second email.
    with django_capture_on_commit_callbacks(execute=True):
        support.post(f"/staff/activations/{org.pk}/approve/", CONFIRMED)
    assert len(mails_to(cast.admin.email)) == 1
    assert AuditEvent.objects.filter(action="organization.activated").count() == 1


def test_it_approves_only_the_identifiers_the_page_listed(support, cast, company):
    from onboarding.models import OrganizationIdentifier

    org = pending_org(cast)
    page = support.get(f"/staff/activations/{org.pk}/").content.decode()
    listed = page.split('name="identifiers" value="')[1].split('"')[0]
    assert listed == str(org.identifiers.get().pk)
    # The customer adds one more while the reviewer reads the page.
    added = OrganizationIdentifier.add(org, cast.admin, "0088", "8712345000011")

    refused = support.post(f"/staff/activations/{org.pk}/approve/",
                           {**CONFIRMED, "identifiers": listed}, follow=True)

    assert "Its Peppol identifiers changed since this page was opened." in \
        refused.content.decode()
    org.refresh_from_db()
    added.refresh_from_db()
    assert org.status == Organization.Status.PENDING
    assert added.verification == OrganizationIdentifier.Verification.PENDING
    # The page now lists both, and approving from it makes both live.
    page = refused.content.decode()
    listed = page.split('name="identifiers" value="')[1].split('"')[0]
    support.post(f"/staff/activations/{org.pk}/approve/", {**CONFIRMED, "identifiers": listed})
    org.refresh_from_db()
    added.refresh_from_db()
    assert org.status == Organization.Status.ACTIVE
    assert added.verification == OrganizationIdentifier.Verification.VERIFIED


def test_it_rejects_only_with_a_reason_and_shows_it_on_the_dashboard(
    support, cast, company, django_capture_on_commit_callbacks
):
    org = pending_org(cast)

    blank = support.post(f"/staff/activations/{org.pk}/reject/", {"reason": "  "})
    assert blank.status_code == 400
    assert 'id="error_1_id_reason"' in blank.content.decode()
    assert "Give the reason; the requester will read it." in blank.content.decode()
    assert Organization.objects.get(pk=org.pk).status == Organization.Status.PENDING
    assert not mails_to(cast.admin.email)

    with django_capture_on_commit_callbacks(execute=True):
        support.post(f"/staff/activations/{org.pk}/reject/",
                     {"reason": "The KvK extract names another director."})
    assert Organization.objects.get(pk=org.pk).status == Organization.Status.REJECTED
    assert "The KvK extract names another director." in mails_to(cast.admin.email)[0].body

    admin = Client()
    admin.force_login(cast.admin)
    dashboard = admin.get("/").content.decode()
    assert "Recent decisions" in dashboard
    assert "Not activated" in dashboard
    assert "The KvK extract names another director." in dashboard
    # From there to the organization, to correct it and ask again.
    assert f'href="/organizations/{org.pk}/#status">Correct it and ask again</a>' in dashboard

    outsider = Client()
    outsider.force_login(cast.outsider)
    assert "The KvK extract" not in outsider.get("/").content.decode()


def test_it_keeps_the_history_of_earlier_requests(support, cast, company):
    org = pending_org(cast)
    org.reject(cast.techsupport, "Wrong director")
    org.request_activation(cast.admin, requester_name="Anna Admin", requester_role="Director",
                           registry_number="12345678")

    page = support.get(f"/staff/activations/{org.pk}/").content.decode()

    assert "Wrong director" in page
    assert page.count("requested by Anna Admin") == 2


def test_it_hides_the_queue_from_everyone_but_techsupport(client, cast, company):
    org = pending_org(cast)
    for user, hidden in ((cast.admin, 404), (cast.outsider, 404), (cast.sales, 403)):
        enable_totp(user)
        client.force_login(user)
        assert client.get("/staff/activations/").status_code == hidden
        assert client.get(f"/staff/activations/{org.pk}/").status_code == hidden
        assert client.post(f"/staff/activations/{org.pk}/approve/",
                           CONFIRMED).status_code == hidden
    assert Organization.objects.get(pk=org.pk).status == Organization.Status.PENDING


def test_it_sends_techsupport_without_mfa_to_set_it_up(client, cast):
    client.force_login(make_user("new-support@portal.example", is_techsupport=True))
    response = client.get("/staff/activations/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"


@pytest.mark.django_db(transaction=True)
def test_it_makes_one_decision_when_two_reviewers_approve_at_once(cast):
    org = pending_org(cast)
    second = make_user("support2@portal.example", is_techsupport=True)
    enable_totp(second)
    clients = []
    for user in (cast.techsupport, second):
        reviewer = Client()
        reviewer.force_login(user)
        clients.append(reviewer)
    barrier = threading.Barrier(2)
    statuses = []

    def approve(reviewer):
        try:
            barrier.wait()
            url = f"/staff/activations/{org.pk}/approve/"
            statuses.append(reviewer.post(url, CONFIRMED).status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=approve, args=[c]) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302, 302]
    assert AuditEvent.objects.filter(action="organization.activated").count() == 1
    assert len(mails_to(cast.admin.email)) == 1


def test_it_tells_the_second_reviewer_that_the_request_was_decided(support, cast, company):
    org = pending_org(cast)
    org.approve(cast.techsupport)

    response = support.post(f"/staff/activations/{org.pk}/reject/", {"reason": "Too late"},
                            follow=True)

    assert "This organization is active; that step is not possible now." in (
        response.content.decode())
    assert Organization.objects.get(pk=org.pk).status == Organization.Status.ACTIVE
    assert not AuditEvent.objects.filter(action="organization.rejected").exists()
