"""The documents API for the service broker: Business Central's extension calls it as the
linked Entra ID user, with an access token from Entra (the stand-in here) and the
organization's company ID in X-Party-Id; the party link decides what it may do."""

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from rest_framework.test import APIClient

from invoices.models import Direction, Document
from onboarding.models import AuditEvent, EntraIdentity, PartyLink
from tests.integrations.helpers import basic
from tests.invoices.conftest import invoice, make_receiver, received_over_peppol
from tests.onboarding.entra_helpers import CLIENT_ID, TENANT, configure
from tests.standins.oidc import OidcStandIn

pytestmark = pytest.mark.django_db

OBJECT_ID = "00000000-0000-4000-9000-00000000b0b1"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def provider():
    with OidcStandIn() as standin:
        yield standin.start()


@pytest.fixture
def entra(settings, provider):
    configure(settings, provider)
    return provider


@pytest.fixture
def identity(cast):
    return EntraIdentity.objects.create(user=cast.admin, tenant_id=TENANT, object_id=OBJECT_ID,
                                        username="anna@acme.nl")


@pytest.fixture
def link(identity, acme, cast):
    link = PartyLink.grant(identity=identity, organization=acme, broker="production",
                           can_send=True, can_receive=False, by=cast.techsupport)
    PartyLink.objects.filter(pk=link.pk).update(sending_enabled=True)
    return link


def token(entra, **claims):
    return entra.access_token(**{"tenant_id": TENANT, "object_id": OBJECT_ID,
                                 "audience": CLIENT_ID, "username": "anna@acme.nl", **claims})


def call(method, path, bearer, party="", **kwargs):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"}
    if party:
        headers["HTTP_X_PARTY_ID"] = party
    return getattr(APIClient(), method)(path, **headers, **kwargs)


def send(bearer, party, data=None):
    return call("post", "/api/v1/documents", bearer, party, data=data or invoice(),
                content_type="application/xml")


def test_it_sends_for_the_linked_organization_and_records_the_identity(
        entra, acme, link, identity, cast, django_capture_on_commit_callbacks):
    make_receiver(cast)
    with django_capture_on_commit_callbacks(execute=True):
        answer = send(token(entra), acme.company_id)
    assert answer.status_code == 202, answer.content
    document = Document.objects.get(pk=answer.json()["id"], direction=Direction.OUTGOING)
    assert document.organization == acme
    assert (document.channel, document.entra_identity, document.connection_key) == (
        "service_broker", identity, None)
    assert document.status == "delivered"
    assert AuditEvent.objects.filter(action="document.created",
                                     actor_label="Entra ID anna@acme.nl (service broker)")
    status = call("get", f"/api/v1/documents/{document.pk}", token(entra), acme.company_id)
    assert status.status_code == 200 and status.json()["status"] == "delivered"


def problem(answer, status):
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"] == PROBLEM
    return answer.json()["detail"]


def test_it_needs_an_approved_link_to_the_named_organization(entra, acme, identity, cast):
    assert "X-Party-Id header" in problem(send(token(entra), ""), 403)
    assert "has no approved party link to XCNL99999999" in problem(
        send(token(entra), "XCNL99999999"), 403)
    assert "has no approved party link" in problem(send(token(entra), acme.company_id), 403)
    assert not Document.objects.exists()


def test_it_checks_the_right_each_call_needs(entra, acme, link, cast):
    assert "no right to receive" in problem(
        call("get", "/api/v1/inbox", token(entra), acme.company_id), 403)
    PartyLink.objects.filter(pk=link.pk).update(sending_enabled=False)
    assert '"Sending via Peppol" is not checked' in problem(
        send(token(entra), acme.company_id), 403)
    PartyLink.objects.filter(pk=link.pk).update(can_send=False, can_receive=True)
    assert "no right to send" in problem(send(token(entra), acme.company_id), 403)
    inbox = call("get", "/api/v1/inbox", token(entra), acme.company_id)
    assert inbox.status_code == 200 and inbox.json()["results"] == []
    link.revoke(cast.techsupport)
    assert "has no approved party link" in problem(
        call("get", "/api/v1/inbox", token(entra), acme.company_id), 403)


def test_it_answers_on_the_service_brokers_own_paths(entra, acme, link, cast, acme_key,
                                                     django_capture_on_commit_callbacks):
    """`{partyId}/salesInvoice/send`, `{partyId}/purchaseInvoice/{id}/download` and its
    DELETE: the organization named in the path, for a token or the organization's own key."""
    make_receiver(cast)
    path = f"/api/v1/{acme.company_id}/salesInvoice/send"
    with django_capture_on_commit_callbacks(execute=True):
        sent = call("post", path, token(entra), data=invoice(), content_type="application/xml")
    assert sent.status_code == 202, sent.content
    assert Document.objects.get(pk=sent.json()["id"]).organization == acme
    PartyLink.objects.filter(pk=link.pk).update(can_receive=True)
    received = received_over_peppol(acme, "F-77")
    download = f"/api/v1/{acme.company_id.lower()}/purchaseInvoice/{received.pk}/download"
    fetched = call("get", download, token(entra))
    assert fetched.status_code == 200 and fetched.content == bytes(received.content)
    # Another organization in the path: no link to it, whatever the header says.
    assert "has no approved party link to XCNL99999999" in problem(
        call("get", f"/api/v1/XCNL99999999/purchaseInvoice/{received.pk}/download",
             token(entra), acme.company_id), 403)
    key = APIClient()
    key.credentials(HTTP_AUTHORIZATION=basic(acme_key.key.app_key, acme_key.secret))
    assert key.get(download).status_code == 200
    assert "the path names XCNL99999999" in problem(
        key.delete(f"/api/v1/XCNL99999999/purchaseInvoice/{received.pk}"), 403)
    PartyLink.objects.filter(pk=link.pk).update(can_remove=True)
    assert call("delete", f"/api/v1/{acme.company_id}/purchaseInvoice/{received.pk}",
                token(entra)).status_code == 204
    assert not Document.objects.filter(pk=received.pk).exists()


def test_it_gives_removing_status_and_webhooks_each_as_a_right_of_its_own(entra, acme, link):
    PartyLink.objects.filter(pk=link.pk).update(can_receive=True)
    received = received_over_peppol(acme, "F-78")
    party = acme.company_id
    address = f"/api/v1/inbox/{received.pk}"
    assert "no right to remove documents" in problem(call("delete", address, token(entra),
                                                          party), 403)
    assert "no right to change the status of documents" in problem(
        call("post", f"{address}/status", token(entra), party, data={"status": "paid"},
             format="json"), 403)
    assert "no right to manage webhooks" in problem(
        call("get", "/api/v1/webhooks", token(entra), party), 403)
    # Reading and marking downloaded are receiving.
    assert call("post", f"{address}/downloaded", token(entra), party).status_code == 200

    PartyLink.objects.filter(pk=link.pk).update(can_remove=True, can_change_status=True,
                                                can_manage_hooks=True)
    assert call("post", f"{address}/status", token(entra), party, data={"status": "paid"},
                format="json").status_code == 200
    hook = call("post", "/api/v1/webhooks", token(entra), party, format="json",
                data={"url": "http://127.0.0.1:9/in", "topics": ["InvoiceReceived"]})
    assert hook.status_code == 201, hook.content
    assert AuditEvent.objects.filter(action="webhook.created",
                                     actor_label="Entra ID anna@acme.nl (service broker)")
    assert call("delete", address, token(entra), party).status_code == 204
    assert not Document.objects.filter(pk=received.pk).exists()


def test_it_refuses_tokens_it_cannot_trust(entra, acme, link):
    party = acme.company_id
    assert "has expired" in problem(send(token(entra, lifetime=-600), party), 401)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert "signature or claims are not valid" in problem(
        send(token(entra, signing_key=other_key), party), 401)
    assert "not for this portal's service broker" in problem(
        send(token(entra, audience="someone-elses-api"), party), 401)
    assert "not for this portal's service broker" in problem(
        send(token(entra, issuer="https://login.example.com/x/v2.0"), party), 401)
    assert "not a Microsoft Entra ID access token" in problem(send("not-a-jwt", party), 401)
    assert "is not linked to a user" in problem(
        send(token(entra, object_id="00000000-0000-4000-9000-000000000bad"), party), 401)
    assert not Document.objects.exists()


def test_it_answers_the_api_scheme_for_a_token_when_brokers_are_not_configured(
        settings, provider, acme, link):
    settings.ENTRA_BROKERS = {"production": {}, "acceptance": {}}
    assert "not for this portal's service broker" in problem(
        send(token(provider), acme.company_id), 401)


def test_it_answers_for_the_named_organization_only(entra, acme, link, cast,
                                                   django_capture_on_commit_callbacks):
    receiver = make_receiver(cast)
    with django_capture_on_commit_callbacks(execute=True):
        sent = send(token(entra), acme.company_id)
    received = Document.objects.get(direction=Direction.INCOMING)
    PartyLink.objects.filter(pk=link.pk).update(can_receive=True)
    assert received.organization == receiver
    assert problem(call("get", f"/api/v1/inbox/{received.pk}", token(entra),
                        acme.company_id), 404)
    assert "has no approved party link" in problem(
        call("get", f"/api/v1/inbox/{received.pk}", token(entra), receiver.company_id), 403)
    own = call("get", f"/api/v1/documents/{sent.json()['id']}", token(entra), acme.company_id)
    assert own.status_code == 200


def test_it_limits_the_rate_per_entra_id_account(entra, acme, link, settings):
    settings.API_RATE_LIMIT = "2/min"
    for _ in range(2):
        assert call("get", "/api/v1/documents/1", token(entra), acme.company_id).status_code \
            == 404
    limited = call("get", "/api/v1/documents/1", token(entra), acme.company_id)
    assert "Too many requests with this Entra ID account" in problem(limited, 429)
    assert int(limited["Retry-After"]) >= 1
