
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onboarding.models import (
    AuditEvent,
    Organization,
    OrganizationIdentifier,
    OrganizationMember,
    Subscription,
)
from tests.conftest import (
    field_error,
    field_hint,
    give_identifier,
    link_names,
    sign_in,
    text,
)

pytestmark = pytest.mark.django_db


def make_org(cast, name="Acme Trading BV", environment=None, by=None, **fields):
    fields.setdefault("registry_number", "12345678")
    fields.setdefault("registry_checked", True)
    return Organization.create(environment=environment or cast.company, by=by or cast.admin,
                               name=name, **fields)


def activate(org, cast):
    give_identifier(org, cast.admin)
    org.request_activation(cast.admin, requester_name="Anna Admin", requester_role="Director",
                           registry_number=org.registry_number)
    org.approve(cast.techsupport)
    org.refresh_from_db()
    return org


def manual(country="DE", **fields):
    data = {"country": country, "action": "save", "name": "Müller GmbH",
            "registry_number": "HRB 12345", "street": "Hauptstraße 1", "postal_code": "10115",
            "city": "Berlin"}
    data.update(fields)
    return data


# -- list ---------------------------------------------------------------------------


def test_it_lists_organizations_with_company_id_status_and_receiving(client, cast):
    org = make_org(cast)
    make_org(cast, name="Elsewhere BV", environment=cast.other, by=cast.outsider)
    sign_in(client, cast.admin)

    page = text(client.get("/organizations/"))

    assert "Acme Trading BV" in page
    assert org.company_id in page and "Bedrijfs-ID" in page
    assert "Netherlands" in page and "12345678" in page
    assert 'data-status="draft"' in page and "Not decided" in page
    assert "Elsewhere BV" not in page


def test_it_searches_by_name_company_id_and_registry_number(client, cast):
    cast.company.subscription = Subscription.BASIC
    cast.company.save()
    bakery = make_org(cast, name="Bakery BV", registry_number="11111111")
    make_org(cast, name="Garage BV", registry_number="22222222")
    sign_in(client, cast.admin)

    assert "Garage BV" not in text(client.get("/organizations/?q=bake"))
    by_id = text(client.get(f"/organizations/?q={bakery.company_id.lower()}"))
    assert "Bakery BV" in by_id and "Garage BV" not in by_id
    by_number = text(client.get("/organizations/?q=2222"))
    assert "Garage BV" in by_number and "Bakery BV" not in by_number
    assert "No organizations match “nothing”." in text(client.get("/organizations/?q=nothing"))


def test_it_pages_through_many_organizations(client, cast):
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    for number in range(30):
        make_org(cast, name=f"Client {number:02d}", registry_number="")
    sign_in(client, cast.admin)

    first = text(client.get("/organizations/"))
    second = text(client.get("/organizations/?page=2"))

    assert "Client 00" in first and "Client 24" in first and "Client 25" not in first
    assert "Client 25" in second and "Client 29" in second and "Page 2 of 2" in second


def test_it_lists_any_number_of_organizations_with_the_same_queries(client, cast):
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    make_org(cast, name="First")
    sign_in(client, cast.admin)
    with CaptureQueriesContext(connection) as one:
        client.get("/organizations/")
    for number in range(10):
        org = make_org(cast, name=f"More {number}", registry_number="")
        OrganizationMember.objects.create(organization=org, user=cast.basic)
    with CaptureQueriesContext(connection) as eleven:
        page = client.get("/organizations/")
    assert "More 9" in text(page)
    assert len(eleven) == len(one)


def test_it_explains_what_to_do_without_organizations(client, cast):
    sign_in(client, cast.admin)
    page = text(client.get("/organizations/"))
    assert 'id="organizations-empty"' in page
    assert "Add your own company first" in page
    assert 'href="/organizations/add/"' in page

    sign_in(client, cast.basic)
    page = text(client.get("/organizations/"))
    assert "You are not a member of any organization yet" in page
    assert 'href="/organizations/add/"' not in page


def test_it_links_the_organizations_in_the_navigation(client, cast):
    sign_in(client, cast.basic)
    assert 'href="/organizations/"' in text(client.get("/"))


# -- basic users --------------------------------------------------------------------


def test_it_shows_basic_users_only_their_own_organizations_read_only(client, cast):
    own = make_org(cast, name="Own BV")
    other = make_org(cast, name="Not Mine BV", registry_number="87654321")
    OrganizationMember.objects.create(organization=own, user=cast.basic)
    OrganizationIdentifier.add(own, cast.admin, "0106", "12345678")
    sign_in(client, cast.basic)

    listing = text(client.get("/organizations/"))
    assert "Own BV" in listing and "Not Mine BV" not in listing
    assert "Add organization" not in listing

    detail = client.get(f"/organizations/{own.pk}/")
    assert detail.status_code == 200
    page = text(detail)
    assert own.company_id in page and "0106:12345678" in page
    assert 'method="post"' not in page.split('id="main"')[1].split("<footer")[0]
    assert client.get(f"/organizations/{other.pk}/").status_code == 404


def test_it_refuses_basic_users_every_change(client, cast):
    org = make_org(cast)
    OrganizationMember.objects.create(organization=org, user=cast.basic)
    sign_in(client, cast.basic)

    assert client.get("/organizations/add/").status_code == 403
    assert client.post("/organizations/add/", manual()).status_code == 403
    assert client.post(f"/organizations/{org.pk}/identifiers/add/",
                       {"scheme": "0088", "value": "1234567890128"}).status_code == 403
    assert client.post(f"/organizations/{org.pk}/delete/",
                       {"confirm_name": org.name}).status_code == 403
    assert Organization.objects.count() == 1
    assert not OrganizationIdentifier.objects.exists()


# -- add ----------------------------------------------------------------------------


def test_it_asks_for_the_country_first(client, cast):
    sign_in(client, cast.admin)
    page = text(client.get("/organizations/add/"))
    assert "Where is the organization registered?" in page
    assert 'value="NL"' in page and 'value="BE"' in page and 'value="XX"' in page
    assert client.get("/organizations/add/?country=ZZ").status_code == 400
    # "Next" with no country chosen says so beside the choice.
    unchosen = client.get("/organizations/add/?chosen=1")
    assert unchosen.status_code == 400
    assert field_error(unchosen, "country")


def test_it_adds_an_organization_by_hand_as_unchecked(client, cast):
    sign_in(client, cast.admin)
    form = text(client.get("/organizations/add/?country=DE"))
    assert "TechSupport must check the registry number" in form

    response = client.post("/organizations/add/", manual())

    org = Organization.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/organizations/{org.pk}/"
    assert (org.name, org.country, org.registry_number) == ("Müller GmbH", "DE", "HRB 12345")
    assert org.registry_checked is False and org.registry_snapshot == {}
    assert org.company_id.startswith("XCDE")
    page = text(client.get(response["Location"]))
    assert "Bedrijfs-ID (company ID)" in page
    assert "needed when you set up AFAS, Accept or 4PS".lower() in page.lower()
    assert 'id="registry-unchecked"' in page


def test_it_adds_a_belgian_enterprise_number_as_identifier_0208(client, cast):
    sign_in(client, cast.admin)
    response = client.post("/organizations/add/", manual(
        "BE", name="Brasserie NV", registry_number="BE 0403.170.701", postal_code="1000",
        city="Brussel"))
    org = Organization.objects.get()
    assert response.status_code == 302
    assert org.registry_number == "0403170701"
    assert [str(i) for i in org.identifiers.all()] == ["0208:0403170701"]
    assert "as Peppol identifier 0208:0403170701" in text(client.get(response["Location"]))


def test_it_shows_a_wrong_registry_number_next_to_the_field(client, cast):
    sign_in(client, cast.admin)
    response = client.post("/organizations/add/", manual("NL", registry_number="1234 567"))
    assert response.status_code == 200
    assert field_error(response, "registry_number") == "A KvK number has 8 digits; this one has 7."
    assert not Organization.objects.exists()


def test_it_shows_the_free_subscription_limit_and_saves_nothing(client, cast):
    make_org(cast, name="One")
    make_org(cast, name="Two", registry_number="87654321")
    sign_in(client, cast.admin)

    assert 'id="free-limit-hint"' in text(client.get("/organizations/add/"))
    response = client.post("/organizations/add/", manual())

    assert response.status_code == 200
    assert "The free Invoice Portal subscription covers 2 organizations" in text(response)
    assert Organization.objects.count() == 2


def test_it_keeps_the_organization_when_its_kvk_number_is_taken_as_identifier(client, cast):
    elsewhere = make_org(cast, name="Elsewhere", environment=cast.other, by=cast.outsider)
    OrganizationIdentifier.add(elsewhere, cast.outsider, "0106", "12345678")
    sign_in(client, cast.admin)

    response = client.post("/organizations/add/", manual(
        "NL", name="Acme BV", registry_number="12345678", postal_code="1234 ab", city="Utrecht"))

    org = Organization.objects.get(environment=cast.company)
    assert org.identifiers.count() == 0 and org.postal_code == "1234AB"
    page = text(client.get(response["Location"]))
    assert ("Acme BV was added without Peppol identifier: its KvK number could not become "
            "identifier 0106:12345678. This identifier is already in use by an organization on "
            "the platform.") in page
    assert "Give it another identifier below, such as a GLN" in page


def test_it_names_the_organization_here_that_has_the_kvk_number_already(client, cast):
    first = make_org(cast, name="Demo Bakery B.V.")
    OrganizationIdentifier.add(first, cast.admin, "0106", "12345678")
    sign_in(client, cast.admin)

    response = client.post("/organizations/add/", manual(
        "NL", name="Test BV", registry_number="12345678", postal_code="1234 ab", city="Utrecht"))

    page = text(client.get(response["Location"]))
    assert "its KvK number could not become identifier 0106:12345678. Demo Bakery B.V. in " \
        "this environment already has it." in page


def test_it_refuses_a_dutch_postal_code_in_another_shape(client, cast):
    sign_in(client, cast.admin)

    response = client.post("/organizations/add/", manual(
        "NL", name="Acme BV", registry_number="12345678", postal_code="XYZ", city="Utrecht"))

    assert field_error(response, "postal_code") == \
        "A Dutch postal code is four digits and two letters, such as 3811 AB."
    assert not Organization.objects.exists()


@pytest.mark.parametrize("country, postal_code, said", [
    ("BE", "!!@@##", "A Belgian postal code is four digits, such as 1000."),
    ("BE", "0999", "A Belgian postal code is four digits, such as 1000."),
    ("DE", "!!@@##", "A postal code holds letters and digits, with at most a space or a "
                     "hyphen between them, such as 10115 or SW1A 1AA."),
    ("DE", "10 -115", "A postal code holds letters and digits, with at most a space or a "
                      "hyphen between them, such as 10115 or SW1A 1AA."),
])
def test_it_refuses_a_foreign_postal_code_that_no_country_writes(client, cast, country,
                                                                 postal_code, said):
    sign_in(client, cast.admin)
    registry = {"BE": "0403170701", "DE": "HRB 12345"}[country]

    response = client.post("/organizations/add/", manual(
        country, registry_number=registry, postal_code=postal_code))

    assert field_error(response, "postal_code") == said
    assert not Organization.objects.exists()


@pytest.mark.parametrize("postal_code", ["10115", "SW1A 1AA", "00-950", "Dublin 2"])
def test_it_takes_foreign_postal_codes_as_their_countries_write_them(client, cast,
                                                                      postal_code):
    sign_in(client, cast.admin)

    client.post("/organizations/add/", manual("XX", postal_code=f" {postal_code} "))

    assert Organization.objects.get().postal_code == postal_code


# -- identifiers --------------------------------------------------------------------


def test_it_adds_an_identifier(client, cast):
    org = make_org(cast)
    sign_in(client, cast.admin)
    page = text(client.get(f"/organizations/{org.pk}/"))
    # The schemes Dutch bookkeepers use come first.
    assert page.index('value="0106"') < page.index('value="0088"') < page.index('value="0002"')

    response = client.post(f"/organizations/{org.pk}/identifiers/add/",
                           {"scheme": "0088", "value": "1234567890128"})

    assert response.status_code == 302
    assert [str(i) for i in org.identifiers.all()] == ["0088:1234567890128"]
    assert AuditEvent.objects.filter(action="identifier.added").exists()


def test_it_offers_a_belgian_organization_the_enterprise_number_scheme_first(client, cast):
    org = make_org(cast, name="Brasserie NV", country="BE", registry_number="0403170701")
    sign_in(client, cast.admin)

    page = text(client.get(f"/organizations/{org.pk}/"))

    assert '<option value="0208" selected>' in page
    assert "for example 0403170701. Pasted whole as 0208:0403170701" in page
    assert "12345678" not in page


def test_it_shows_a_bad_gln_next_to_the_value(client, cast):
    org = make_org(cast)
    sign_in(client, cast.admin)
    response = client.post(f"/organizations/{org.pk}/identifiers/add/",
                           {"scheme": "0088", "value": "1234567890123"})
    assert response.status_code == 200
    assert field_error(response, "value") == (
        "The last digit of this GLN does not match the others; check for a typo.")
    assert not org.identifiers.exists()


def test_it_refuses_an_identifier_that_is_already_in_use(client, cast):
    org = make_org(cast)
    elsewhere = make_org(cast, name="Elsewhere", environment=cast.other, by=cast.outsider)
    OrganizationIdentifier.add(elsewhere, cast.outsider, "0088", "1234567890128")
    sign_in(client, cast.admin)
    response = client.post(f"/organizations/{org.pk}/identifiers/add/",
                           {"scheme": "0088", "value": "1234567890128"})
    assert response.status_code == 200
    assert "already in use" in field_error(response, "value")
    assert not org.identifiers.exists()


def test_it_switches_sending_and_receiving_per_identifier(client, cast):
    org = activate(make_org(cast), cast)
    identifier = org.identifiers.get(scheme="0106", value="12345678")
    sign_in(client, cast.admin)
    url = f"/organizations/identifiers/{identifier.pk}/switch/"

    response = client.post(url, {"direction": "receive", "enabled": "1"})
    client.post(url, {"direction": "receive", "enabled": "1"})  # a double click changes nothing
    client.post(url, {"direction": "send", "enabled": "0"})

    assert response["Location"] == f"/organizations/{org.pk}/#identifiers"
    identifier.refresh_from_db()
    assert identifier.can_receive is True and identifier.can_send is False
    events = list(AuditEvent.objects.filter(action="identifier.switched").order_by("id"))
    assert [e.after for e in events] == [
        {"identifier": "0106:12345678", "can_receive": True},
        {"identifier": "0106:12345678", "can_send": False},
    ]
    assert events[0].actor == cast.admin
    page = text(client.get(f"/organizations/{org.pk}/"))
    assert f'aria-checked="true" data-switch="receive-{identifier.pk}"' in page
    assert client.post(url, {"direction": "both", "enabled": "1"}).status_code == 400


def test_it_removes_an_identifier_after_confirmation(client, cast):
    org = make_org(cast)
    identifier = OrganizationIdentifier.add(org, cast.admin, "0106", "12345678")
    sign_in(client, cast.admin)
    url = f"/organizations/identifiers/{identifier.pk}/remove/"

    asked = text(client.get(url))
    assert "can no longer be reached on Peppol as 0106:12345678" in asked
    assert f'<a class="btn btn-link" href="/organizations/{org.pk}/#identifiers">Cancel</a>' \
        in asked and '<button class="btn btn-danger" type="submit">Remove identifier' in asked
    assert org.identifiers.exists()
    client.post(url)

    assert not org.identifiers.exists()
    assert AuditEvent.objects.get(action="identifier.removed").before == {
        "identifier": "0106:12345678"}


# -- activation, receiving, deactivation ----------------------------------------------


def test_it_asks_for_activation_with_the_kvk_number_as_a_check(client, cast):
    org = make_org(cast)
    give_identifier(org, cast.admin)
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/activate/"
    data = {"requester_name": "Anna Admin", "requester_role": "Director",
            "registry_number": "87654321", "authorised": "on"}

    wrong = client.post(url, data)
    assert wrong.status_code == 200
    assert field_error(wrong, "registry_number") == (
        "The KvK number does not match this organization's.")
    org.refresh_from_db()
    assert org.status == Organization.Status.DRAFT

    response = client.post(url, {**data, "registry_number": "1234 5678"}, follow=True)
    org.refresh_from_db()
    assert org.status == Organization.Status.PENDING
    assert "Your activation request was sent to TechSupport" in text(response)
    request = org.activation_requests.get()
    assert (request.requester_name, request.requester_role) == ("Anna Admin", "Director")
    # Asking again while waiting makes no second request.
    client.post(url, {**data, "registry_number": "12345678"})
    assert org.activation_requests.count() == 1


def test_it_sends_an_organization_without_identifier_to_add_one_before_activation(client,
                                                                                  cast):
    org = make_org(cast)
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/activate/"

    detail = text(client.get(f"/organizations/{org.pk}/"))
    page = text(client.get(url))
    client.post(url, {"requester_name": "Anna", "requester_role": "Director",
                      "registry_number": "12345678", "authorised": "on"})

    assert "Add a Peppol identifier below, then ask TechSupport to activate" in detail
    assert "Ask TechSupport to activate</a>" not in detail
    assert "Add a Peppol identifier first" in page
    assert f'href="/organizations/{org.pk}/#identifiers"' in page
    assert "Send the activation request to TechSupport" not in page
    org.refresh_from_db()
    assert org.status == Organization.Status.DRAFT and not org.activation_requests.exists()


def test_it_says_that_activating_sends_a_request_to_techsupport(client, cast):
    org = make_org(cast)
    give_identifier(org, cast.admin)
    sign_in(client, cast.admin)

    detail = text(client.get(f"/organizations/{org.pk}/"))
    form = text(client.get(f"/organizations/{org.pk}/activate/"))
    sent = client.post(f"/organizations/{org.pk}/activate/", {
        "requester_name": "Anna", "requester_role": "Director", "registry_number": "12345678",
        "authorised": "on"}, follow=True)

    assert "Ask TechSupport to activate" in detail and "Activate now" not in detail
    assert "Send the activation request to TechSupport" in form
    assert "Your activation request was sent to TechSupport" in text(sent)


def test_it_needs_the_confirmation_that_the_requester_may_act(client, cast):
    org = make_org(cast)
    give_identifier(org, cast.admin)
    sign_in(client, cast.admin)
    response = client.post(f"/organizations/{org.pk}/activate/", {
        "requester_name": "Anna", "requester_role": "Director", "registry_number": "12345678"})
    assert field_error(response, "authorised") == "This field is required."
    org.refresh_from_db()
    assert org.status == Organization.Status.DRAFT


def test_it_switches_receiving_on_only_for_an_active_organization(client, cast):
    org = make_org(cast)
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/receiving/"

    refused = client.post(url, {"enabled": "1"})
    assert refused.status_code == 400
    assert "Only an active organization can receive." in text(refused)
    org.refresh_from_db()
    assert org.receive_decision == Organization.ReceiveDecision.UNDECIDED

    activate(org, cast)
    client.post(url, {"enabled": "1"})
    org.refresh_from_db()
    assert org.receiving_enabled
    assert AuditEvent.objects.get(action="organization.receiving").after == {
        "receive_decision": "enabled", "identifiers": ["0106:12345678"]}


def test_it_deactivates_an_active_organization_after_confirmation(client, cast):
    org = activate(make_org(cast), cast)
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/deactivate/"
    assert "no longer sends or receives" in text(client.get(url))

    client.post(url)

    org.refresh_from_db()
    assert org.status == Organization.Status.DEACTIVATED
    assert "Only an active organization can be deactivated" in text(client.get(url))


# -- delete ---------------------------------------------------------------------------


def test_it_refuses_to_delete_an_active_organization(client, cast):
    org = activate(make_org(cast), cast)
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/delete/"

    assert "Deactivate it before deleting it." in text(client.get(url))
    response = client.post(url, {"confirm_name": org.name})

    assert response.status_code == 400
    assert "Deactivate the organization before deleting it." in text(response)
    assert Organization.objects.filter(pk=org.pk).exists()


def test_it_deletes_only_when_the_name_is_typed_exactly(client, cast):
    org = make_org(cast)
    OrganizationIdentifier.add(org, cast.admin, "0106", "12345678")
    sign_in(client, cast.admin)
    url = f"/organizations/{org.pk}/delete/"
    page = client.get(url)
    assert "documents" in text(page)
    assert field_hint(page, "id_confirm_name") == "Type Acme Trading BV exactly."

    wrong = client.post(url, {"confirm_name": "Acme"})
    assert wrong.status_code == 400
    assert field_error(wrong, "confirm_name") == (
        "Type the organization's name exactly to confirm.")
    assert Organization.objects.filter(pk=org.pk).exists()

    response = client.post(url, {"confirm_name": "Acme Trading BV"})
    assert response["Location"] == "/organizations/"
    assert not Organization.objects.exists() and not OrganizationIdentifier.objects.exists()
    assert AuditEvent.objects.filter(action="organization.deleted").exists()


# -- members --------------------------------------------------------------------------


def test_it_adds_changes_and_removes_members(client, cast):
    org = make_org(cast)
    sign_in(client, cast.admin)
    page = text(client.get(f"/organizations/{org.pk}/"))
    assert "basic@acme.nl" in page and "outsider@other.nl" not in page

    client.post(f"/organizations/{org.pk}/members/add/",
                {"user": cast.basic.pk, "role": "member"})
    member = OrganizationMember.objects.get(organization=org)
    assert member.user == cast.basic and member.role == "member"
    # Each row's actions say whom they act on, for a screen reader that lists the links.
    names = link_names(client.get(f"/organizations/{org.pk}/"))
    assert f"Change role {cast.basic.email}" in names and f"Remove {cast.basic.email}" in names

    client.post(f"/organizations/members/{member.pk}/role/", {"role": "administrator"})
    member.refresh_from_db()
    assert member.role == "administrator"

    assert "will no longer see Acme Trading BV" in text(
        client.get(f"/organizations/members/{member.pk}/remove/"))
    client.post(f"/organizations/members/{member.pk}/remove/")
    assert not OrganizationMember.objects.exists()
    assert list(AuditEvent.objects.filter(action__startswith="organization.member_")
                .order_by("id").values_list("action", flat=True)) == [
        "organization.member_added", "organization.member_role_changed",
        "organization.member_removed"]


def test_it_refuses_a_user_from_another_environment_as_member(client, cast):
    org = make_org(cast)
    sign_in(client, cast.admin)
    response = client.post(f"/organizations/{org.pk}/members/add/",
                           {"user": cast.outsider.pk, "role": "member"})
    assert response.status_code == 200
    assert "Select a valid choice" in field_error(response, "user")
    assert not OrganizationMember.objects.exists()
