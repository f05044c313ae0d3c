"""Peppol identifiers send and receive only once they are shown to be the organization's:
by its checked registry number, by the KvK register (the stand-in on 127.0.0.1), or by
TechSupport."""

import pytest
from django.conf import settings as django_settings

from onboarding.models import AuditEvent, Organization, OrganizationIdentifier
from tests.conftest import mails_to, sign_in
from tests.onboarding.test_organization_pages import field_error
from tests.standins.kvk import KvKStandIn

pytestmark = pytest.mark.django_db

VERIFIED = OrganizationIdentifier.Verification.VERIFIED
PENDING = OrganizationIdentifier.Verification.PENDING


@pytest.fixture
def kvk(settings, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with KvKStandIn(api_key="test-key", preload=False) as standin:
        settings.KVK_API_URL = standin.base_url
        settings.KVK_API_KEY = "test-key"
        settings.KVK_TIMEOUT = 2.0
        standin.add_company("69123456", "Korenaar Bakkerijen B.V.", "Langestraat", 12,
                            "3811AB", "Amersfoort")
        standin.add_company("12345678", "Korenaar Bakkerijen B.V.", "Kerkstraat", 1,
                            "3811AC", "Amersfoort")
        standin.add_company("99887766", "Someone Else Holding B.V.", "Dorpsweg", 3,
                            "1234AB", "Ergens")
        yield standin


def organization(cast, status=Organization.Status.DRAFT):
    org = Organization.create(environment=cast.company, by=cast.admin,
                              name="Korenaar Bakkerijen B.V.", registry_number="69123456",
                              registry_checked=True)
    Organization.objects.filter(pk=org.pk).update(status=status)
    org.refresh_from_db()
    return org


def add(client, org, scheme, value):
    return client.post(f"/organizations/{org.pk}/identifiers/add/",
                       {"scheme": scheme, "value": value})


def test_it_verifies_the_checked_registry_number_at_once(cast):
    org = organization(cast, Organization.Status.ACTIVE)
    identifier = OrganizationIdentifier.add(org, cast.admin, "0106", "69123456")
    assert identifier.verification == VERIFIED
    assert identifier.verified_via == "register"
    assert identifier.sends


def test_it_verifies_another_kvk_number_by_the_register_when_it_names_the_company(
        client, cast, kvk):
    org = organization(cast, Organization.Status.ACTIVE)
    sign_in(client, cast.admin)

    add(client, org, "0106", "12345678")
    add(client, org, "0106", "99887766")

    same, other = OrganizationIdentifier.objects.order_by("id")
    assert (same.verification, same.verified_via) == (VERIFIED, "register")
    assert other.verification == PENDING and not other.sends
    assert other.register_snapshot["naam"] == "Someone Else Holding B.V."
    assert [r.path for r in kvk.requests] == ["/api/v1/basisprofielen/12345678",
                                              "/api/v1/basisprofielen/99887766"]
    page = client.get(f"/organizations/{org.pk}/").content.decode()
    assert "Waiting for TechSupport" in page and "not yet in effect" in page
    # TechSupport's queue links the register and says whose number it is.
    client.force_login(cast.techsupport)
    queue = client.get("/staff/identifiers/").content.decode()
    assert 'href="https://www.kvk.nl/zoeken/?source=all&amp;q=99887766"' in queue
    assert "Register name: Someone Else Holding B.V." in queue


def test_it_leaves_an_identifier_to_techsupport_when_the_register_cannot_answer(
        client, cast, settings):
    settings.KVK_API_KEY = ""
    org = organization(cast, Organization.Status.ACTIVE)
    sign_in(client, cast.admin)

    response = add(client, org, "0106", "12345678")

    assert response.status_code == 302
    assert OrganizationIdentifier.objects.get().verification == PENDING


def test_it_lets_techsupport_verify_or_reject_from_its_queue(client, cast):
    org = organization(cast, Organization.Status.ACTIVE)
    gln = OrganizationIdentifier.add(org, cast.admin, "0088", "1234567890128")
    vat = OrganizationIdentifier.add(org, cast.admin, "9944", "NL123456782B01")
    client.force_login(cast.techsupport)

    queue = client.get("/staff/identifiers/").content.decode()
    assert "0088:1234567890128" in queue and "9944:NL123456782B01" in queue

    client.post(f"/staff/identifiers/{gln.pk}/verify/")
    client.post(f"/staff/identifiers/{gln.pk}/verify/")  # a double click changes nothing
    refused = client.post(f"/staff/identifiers/{vat.pk}/reject/", {"reason": ""})
    assert refused.status_code == 400
    # The error is the field's own, for a screen reader on the field too.
    assert (f'aria-invalid="true" aria-describedby="reason-{vat.pk}-error"'
            in refused.content.decode())
    assert f'id="reason-{vat.pk}-error"' in refused.content.decode()
    client.post(f"/staff/identifiers/{vat.pk}/reject/", {"reason": "Not their VAT number."})

    gln.refresh_from_db()
    vat.refresh_from_db()
    assert gln.sends and gln.verified_by == cast.techsupport
    assert not vat.sends and vat.rejection_reason == "Not their VAT number."
    assert AuditEvent.objects.filter(action="identifier.verified").count() == 1
    assert AuditEvent.objects.filter(action="identifier.rejected").count() == 1
    assert "No identifiers wait" in client.get("/staff/identifiers/").content.decode()
    # The administrators read the reason the form asked for.
    [told] = [m for m in mails_to(cast.admin.email) if "was not verified" in m.subject]
    assert told.subject == "[Peppol portal] 9944:NL123456782B01 of Korenaar Bakkerijen B.V. " \
        "was not verified"
    assert "Reason: Not their VAT number." in told.body
    assert f"{django_settings.PORTAL_URL}/organizations/{org.pk}/#identifiers" in told.body
    # And that the other one was verified, once for the double click.
    [verified] = [m for m in mails_to(cast.admin.email) if "is verified" in m.subject]
    assert verified.subject == "[Peppol portal] 0088:1234567890128 of Korenaar Bakkerijen " \
        "B.V. is verified"
    assert "It now sends and receives as its switches" in verified.body


def test_it_keeps_the_first_decision_when_a_reviewer_decides_from_an_older_page(client, cast):
    org = organization(cast, Organization.Status.ACTIVE)
    gln = OrganizationIdentifier.add(org, cast.admin, "0088", "1234567890128")
    vat = OrganizationIdentifier.add(org, cast.admin, "9944", "NL123456782B01")
    client.force_login(cast.techsupport)
    client.post(f"/staff/identifiers/{gln.pk}/verify/")
    client.post(f"/staff/identifiers/{vat.pk}/reject/", {"reason": "Not their VAT number."})
    mailed = len(mails_to(cast.admin.email))

    stale_reject = client.post(f"/staff/identifiers/{gln.pk}/reject/",
                               {"reason": "Looks wrong."}, follow=True)
    stale_verify = client.post(f"/staff/identifiers/{vat.pk}/verify/", follow=True)

    assert "0088:1234567890128 was decided already: Verified." in \
        stale_reject.content.decode()
    assert "9944:NL123456782B01 was decided already: Not verified." in \
        stale_verify.content.decode()
    gln.refresh_from_db()
    vat.refresh_from_db()
    assert (gln.verification, gln.sends) == (VERIFIED, True)
    assert vat.verification == OrganizationIdentifier.Verification.REJECTED and not vat.sends
    assert len(mails_to(cast.admin.email)) == mailed
    assert AuditEvent.objects.filter(action__startswith="identifier.").exclude(
        action="identifier.added").count() == 2


def test_it_verifies_identifiers_with_the_activation_that_lists_them(client, cast):
    org = organization(cast)
    own = OrganizationIdentifier.add(org, cast.admin, "0106", "69123456")
    extra = OrganizationIdentifier.add(org, cast.admin, "0106", "12345678")
    # What the register answered when it was added: another company's name.
    OrganizationIdentifier.objects.filter(pk=extra.pk).update(
        register_snapshot={"kvkNummer": "12345678", "naam": "Stichting Groene Haven"})
    org.request_activation(cast.admin, requester_name="Anna", requester_role="Director",
                           registry_number="69123456")
    client.force_login(cast.techsupport)

    page = client.get(f"/staff/activations/{org.pk}/").content.decode()
    listed = page[page.index('id="activation-identifiers"'):]
    assert "0106:69123456" in listed and "0106:12345678" in listed
    assert "Another KvK number than the organization" in listed
    assert 'href="https://www.kvk.nl/zoeken/?source=all&amp;q=12345678"' in listed
    assert "Register name: Stichting Groene Haven" in listed
    assert not extra.sends
    # Not in TechSupport's identifier queue: the activation decides it.
    assert "0106:12345678" not in client.get("/staff/identifiers/").content.decode()

    client.post(f"/staff/activations/{org.pk}/approve/", {"confirm": "on"})

    own.refresh_from_db()
    extra.refresh_from_db()
    assert own.sends and extra.sends
    assert extra.verified_via == "activation" and extra.verified_by == cast.techsupport


def test_it_says_an_identifier_is_already_the_organizations_own(client, cast):
    org = organization(cast)
    OrganizationIdentifier.add(org, cast.admin, "0106", "69123456")
    other = Organization.create(environment=cast.company, by=cast.admin, name="Other BV")
    OrganizationIdentifier.add(other, cast.admin, "0088", "1234567890128")
    sign_in(client, cast.admin)

    own = add(client, org, "0106", "69123456")
    taken = add(client, org, "0088", "1234567890128")

    assert field_error(own, "value") == (
        "This identifier is already one of this organization's identifiers.")
    assert "already in use by an organization on the platform" in field_error(taken, "value")
