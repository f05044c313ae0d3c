"""What the mails about other people's answers say, and which of them a user may switch
off: an authorisation request answered, an identifier decided on, an organization
activated at an accountant's request, a partnership ended."""

import pytest
from django.conf import settings as django_settings
from django.core import mail

from onboarding.models import (
    AuthorisationRequest,
    Membership,
    Organization,
    OrganizationIdentifier,
    Partnership,
    Role,
    Subscription,
)
from tests.conftest import mails_to, make_user, sign_in
from tests.onboarding.test_authorisation_requests import as_accountant
from tests.onboarding.test_connection_keys import active_org

pytestmark = pytest.mark.django_db

KVK = "11223344"
MAIL_SETTINGS = f"{django_settings.PORTAL_URL}/accounts/notifications/"


@pytest.fixture
def asked(cast):
    """The accountant's request to the client, who typed their client's name differently
    from how the organization is registered."""
    cast.client_admin.first_name, cast.client_admin.last_name = "Olga", "Owner"
    cast.client_admin.save(update_fields=["first_name", "last_name"])
    cast.client.subscription = Subscription.BASIC
    cast.client.save(update_fields=["subscription"])
    cast.accountancy.subscription = Subscription.BASIC
    cast.accountancy.save(update_fields=["subscription"])
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number=KVK)
    request = AuthorisationRequest.send(
        environment=cast.accountancy, by=cast.accountant, client_name="Basic Bakker",
        client_email="owner@bakery.nl", software="afas", registry_number=KVK)
    return bakery, request


def answer(client, cast, request, data):
    sign_in(client, cast.client_admin)
    mail.outbox.clear()
    client.post(f"/authorisation/requests/{request.pk}/", data)
    [told] = mails_to(cast.accountant.email)
    return told


def test_it_names_the_organization_chosen_and_who_accepted(client, cast, asked):
    bakery, request = asked

    told = answer(client, cast, request, {"organization": bakery.pk, "accept": ""})

    assert told.subject == ("[Peppol portal] Olga Owner accepted your authorisation request "
                            "for Bakery BV")
    assert told.body.startswith(f"Olga Owner accepted your authorisation request for Bakery BV "
                                f"(KvK number {KVK}).")
    assert "Basic Bakker" not in told.subject + told.body
    # A reply reaches the person who accepted.
    assert told.reply_to == ["owner@bakery.nl"]


def test_it_names_who_declined(client, cast, asked):
    _bakery, request = asked

    told = answer(client, cast, request, {"decline": ""})

    assert told.subject == ("[Peppol portal] Olga Owner declined your authorisation request "
                            f"for KvK number {KVK}")
    assert "which you sent to Basic Bakker" in told.body


def test_the_partnership_mails_have_no_blank_lines_where_no_keys_were_involved(
        client, cast, asked):
    bakery, request = asked
    request.accept(cast.client_admin, bakery)
    partnership = Partnership.objects.get()
    sign_in(client, cast.client_admin)
    client.post(f"/partnerships/{partnership.pk}/end/")
    [ended] = [m for m in mails_to(cast.accountant.email) if "ended your access" in m.subject]
    assert ("You can no longer see or set up the organization in the portal.\n\n"
            f"{django_settings.PORTAL_URL}/") in ended.body
    assert "\n\n\n" not in ended.body

    again = AuthorisationRequest.send(
        environment=cast.accountancy, by=cast.accountant, client_name="Basic Bakker",
        client_email="owner@bakery.nl", software="afas", registry_number=KVK)
    again.accept(cast.client_admin, bakery)
    partnership = Partnership.objects.get(ended_at__isnull=True)
    as_accountant(client, cast)
    client.post(f"/clients/partnerships/{partnership.pk}/stop/")
    [stopped] = [m for m in mails_to(cast.client_admin.email)
                 if "no longer works for you" in m.subject]
    assert ("they can no longer see or set up the organization in the portal.\n\n"
            f"{django_settings.PORTAL_URL}/") in stopped.body
    assert "\n\n\n" not in stopped.body


def test_administrators_may_switch_off_the_mail_that_an_identifier_was_decided(client, cast):
    org = Organization.create(environment=cast.company, by=cast.admin,
                              name="Korenaar Bakkerijen B.V.", registry_number="69123456",
                              registry_checked=True)
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
    colleague = make_user("colleague@acme.nl")
    Membership.objects.create(environment=cast.company, user=colleague,
                              role=Role.ADMINISTRATOR)
    gln = OrganizationIdentifier.add(org, cast.admin, "0088", "1234567890128")
    vat = OrganizationIdentifier.add(org, cast.admin, "9944", "NL123456782B01")
    sign_in(client, colleague)
    settings_page = client.get("/accounts/notifications/").content.decode()
    assert "An identifier was verified or not" in settings_page
    colleague.choose_mail(["identifier_decided"])
    client.force_login(cast.techsupport)

    client.post(f"/staff/identifiers/{gln.pk}/verify/")
    client.post(f"/staff/identifiers/{vat.pk}/reject/", {"reason": "Not their VAT number."})

    assert not mails_to(colleague.email)
    verified, rejected = mails_to(cast.admin.email)
    assert "is verified" in verified.subject and "was not verified" in rejected.subject
    for told in (verified, rejected):
        assert f"You can switch mails like this one off in your mail settings: " \
               f"{MAIL_SETTINGS}" in told.body


def test_client_administrators_may_switch_off_the_mail_that_an_accountant_got_activated(
        client, cast, asked, django_capture_on_commit_callbacks):
    draft, _identifier, _problem = Organization.create_with_identifier(
        environment=cast.client, by=cast.client_admin, name="Bakery Two BV",
        registry_number="87654321", registry_checked=True, street="Markt 1",
        postal_code="3511 AA", city="Utrecht")
    AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                              client_name="Olga Owner", client_email="owner@bakery.nl",
                              software="afas", registry_number="87654321",
                              ).accept(cast.client_admin, draft)
    colleague = make_user("baker@bakery.nl")
    Membership.objects.create(environment=cast.client, user=colleague, role=Role.ADMINISTRATOR)
    cast.client_admin.choose_mail(["organization_activated"])
    as_accountant(client, cast)
    client.post(f"/organizations/{draft.pk}/activate/", {
        "requester_name": "Alex Accountant", "requester_role": "Accountant at Numbers",
        "registry_number": "87654321", "authorised": "on"})
    client.logout()
    sign_in(client, cast.techsupport)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/activations/{draft.pk}/approve/", {"confirm": "on"})

    # Who asked always hears the answer, with nothing to switch off.
    [to_accountant] = mails_to(cast.accountant.email)
    assert "is active on Peppol" in to_accountant.subject
    assert "mail settings" not in to_accountant.body
    assert not mails_to(cast.client_admin.email)
    [to_colleague] = mails_to(colleague.email)
    assert "TechSupport activated Bakery Two BV" in to_colleague.body
    assert MAIL_SETTINGS in to_colleague.body
