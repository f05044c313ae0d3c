"""Delivery over Peppol: a document for a receiver outside the platform is looked up in the
SML and SMP stand-ins and sent over AS4 to a stand-in access point on 127.0.0.1, which
verifies it and answers with a signed receipt."""

import base64

import pytest
from as4.peppol import parse_peppol_receipt
from django.conf import settings as django_settings
from django.core import mail

from invoices.models import Channel, Document, PeppolEvidence, Status
from invoices.peppol import as4 as peppol_as4
from invoices.schedules import route_waiting_documents
from invoices.signals import delivery_retried
from invoices.submission import WAITING_FOR_PEPPOL, submit
from onboarding.models import ConnectionKey, Software
from tests.api.conftest import acme  # noqa: F401 - a fixture
from tests.invoices.as4_world import PLATFORM_SEAT, REMOTE_KVK, REMOTE_SEAT
from tests.invoices.conftest import invoice
from tests.standins.dns_smp import CREDIT_NOTE, INVOICE

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(django_capture_on_commit_callbacks, cast, acme):  # noqa: F811
    def send(data):
        with django_capture_on_commit_callbacks(execute=True):
            result = submit(acme, data, Channel.PORTAL, cast.admin)
        result.document.refresh_from_db()
        return result.document
    return send


@pytest.fixture
def retries():
    heard = []

    def listen(sender, **kwargs):
        heard.append(kwargs)

    delivery_retried.connect(listen)
    yield heard
    delivery_retried.disconnect(listen)


def test_it_delivers_over_as4_and_keeps_the_verified_receipt_as_evidence(
        send, peppol_world, client, cast):
    peppol_world.register_remote()
    data = invoice("F-AS4-1", customer_kvk=REMOTE_KVK)

    document = send(data)

    assert document.status == Status.DELIVERED
    [arrival] = peppol_world.remote_ap.received
    assert (arrival.sender, arrival.recipient) == ("0106:12345678", f"0106:{REMOTE_KVK}")
    assert arrival.document_type == INVOICE.split("::", 1)[1]
    assert arrival.process == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert "CN=PNL000001" in arrival.signer_subject
    assert b"<cbc:ID>F-AS4-1</cbc:ID>" in peppol_as4.business_document(arrival.sbd, 10 ** 7)
    evidence = PeppolEvidence.objects.get(document=document)
    assert evidence.message_id == arrival.message_id
    assert evidence.access_point_url == peppol_world.remote_ap.url
    assert f"CN={REMOTE_SEAT}" in evidence.access_point_subject
    assert "NonRepudiationInformation" in evidence.receipt
    assert evidence.message_id in evidence.receipt
    assert evidence.attempts == 1 and evidence.completed_at is not None
    # The receipt kept is the one the remote access point signed: it verifies again.
    receipt = parse_peppol_receipt(evidence.receipt.encode(), peppol_world.remote.certificate)
    assert receipt.original_message_id == evidence.message_id

    client.force_login(cast.admin)
    page = client.get(document.get_absolute_url()).content.decode()
    assert 'id="peppol-evidence"' in page and evidence.message_id in page
    assert REMOTE_SEAT in page and "Delivered over Peppol" in page


def test_it_answers_the_evidence_in_the_documents_api(send, peppol_world, client, acme,  # noqa: F811
                                                      cast):
    peppol_world.register_remote()
    document = send(invoice("F-AS4-2", customer_kvk=REMOTE_KVK))
    issued = ConnectionKey.issue(organization=acme, software=Software.AFAS, by=cast.admin)
    token = base64.b64encode(f"{issued.key.app_key}:{issued.secret}".encode()).decode()

    answer = client.get(f"/api/v1/documents/{document.pk}",
                        HTTP_AUTHORIZATION=f"Basic {token}")

    assert answer.status_code == 200, answer.content
    peppol = answer.json()["peppol"]
    assert peppol["message_id"] == peppol_world.remote_ap.received[0].message_id
    assert peppol["access_point_url"] == peppol_world.remote_ap.url
    assert "NonRepudiationInformation" in peppol["receipt"]


def test_it_fails_delivery_when_the_receiver_is_not_on_peppol(send, peppol_world):
    document = send(invoice(customer_kvk="99990000"))

    assert document.status == Status.DELIVERY_FAILED
    assert document.status_reason == "The receiver is not on the Peppol network."
    assert peppol_world.remote_ap.requests == 0
    # The sender is not mailed about it (the document says why).
    assert [m for m in mail.outbox if "could not be delivered" in m.subject] == []


def test_it_fails_delivery_when_the_receiver_does_not_accept_the_type(send, peppol_world):
    peppol_world.register_remote(document_types=[CREDIT_NOTE], endpoint_types=[CREDIT_NOTE])

    document = send(invoice(customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERY_FAILED
    assert "does not accept this document type" in document.status_reason
    assert peppol_world.remote_ap.requests == 0


def test_it_fails_delivery_with_the_description_of_an_ebms_error(send, peppol_world):
    peppol_world.register_remote()
    peppol_world.remote_ap.serves = {"0106:00000000"}

    document = send(invoice(customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERY_FAILED
    assert "refused the document" in document.status_reason
    assert "EBMS:0004" in document.status_reason
    assert "PEPPOL:NOT_SERVICED" in document.status_reason
    assert PeppolEvidence.objects.get(document=document).receipt == ""


def test_it_retries_a_busy_access_point_and_tells_the_sender_after_the_last_try(
        send, peppol_world, retries, cast):
    peppol_world.register_remote()
    peppol_world.remote_ap.fail_with = 503

    document = send(invoice("F-AS4-503", customer_kvk=REMOTE_KVK))

    # Three waits listed, so four tries, each one a real request.
    assert peppol_world.remote_ap.requests == 4
    assert [r["attempt"] for r in retries] == [1, 2, 3]
    assert all(r["document"].pk == document.pk for r in retries)
    assert "temporary error" in retries[0]["reason"]
    waits = [(r["retry_at"] - retries[0]["retry_at"]).total_seconds() // 60 for r in retries]
    assert waits[1] >= 3 and waits[2] >= 28  # 1, 5 and 30 minutes after each try
    assert document.status == Status.DELIVERY_FAILED
    assert "Gave up after 4 attempts" in document.status_reason
    evidence = PeppolEvidence.objects.get(document=document)
    assert evidence.attempts == 4 and evidence.next_attempt_at is None
    [message] = [m for m in mail.outbox if "F-AS4-503" in m.subject]
    assert cast.admin.email in message.to
    assert "Delivery failed" in message.body
    assert f"{django_settings.PORTAL_URL}/documents/{document.pk}/\n" in message.body
    queued_notes = document.events.filter(from_status=Status.QUEUED, to_status=Status.QUEUED)
    assert queued_notes.count() == 3


def test_it_tries_a_failed_delivery_again_when_the_sender_asks(
        send, peppol_world, client, cast, django_capture_on_commit_callbacks):
    from tests.conftest import sign_in, text

    peppol_world.register_remote()
    peppol_world.remote_ap.fail_with = 503
    document = send(invoice("F-AS4-AGAIN", customer_kvk=REMOTE_KVK))
    assert document.status == Status.DELIVERY_FAILED
    peppol_world.remote_ap.fail_with = None
    sign_in(client, cast.admin)
    assert 'id="retry-delivery"' in client.get(f"/documents/{document.pk}/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/documents/{document.pk}/retry-delivery/")

    document.refresh_from_db()
    assert document.status == Status.DELIVERED
    assert len(peppol_world.remote_ap.received) == 1
    # The evidence is that of the try that went through, not of the four that failed.
    evidence = PeppolEvidence.objects.get(document=document)
    assert (evidence.attempts, evidence.last_error) == (1, "")
    assert evidence.receipt
    assert [e.to_status for e in document.events.all()][-3:] == [
        Status.DELIVERY_FAILED, Status.QUEUED, Status.DELIVERED]
    page = text(client.get(response.url))
    assert "Delivery of F-AS4-AGAIN is tried again." in page
    assert 'id="retry-delivery"' not in page


def test_it_delivers_when_a_later_try_succeeds(send, peppol_world, retries, monkeypatch):
    peppol_world.register_remote()
    original = peppol_world.remote_ap.answer
    calls = []

    def busy_once(headers, body):
        calls.append(1)
        if len(calls) == 1:
            return 503, {"Content-Type": "text/plain"}, b"busy"
        return original(headers, body)

    monkeypatch.setattr(peppol_world.remote_ap, "answer", busy_once)

    document = send(invoice(customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERED
    assert [r["attempt"] for r in retries] == [1]
    assert PeppolEvidence.objects.get(document=document).attempts == 2


def test_it_waits_with_a_clear_reason_without_access_point_settings(send):
    document = send(invoice(customer_kvk=REMOTE_KVK))

    assert document.status == Status.QUEUED
    assert document.status_reason == WAITING_FOR_PEPPOL
    assert "not configured" in WAITING_FOR_PEPPOL
    assert not PeppolEvidence.objects.exists()
    assert Document.objects.count() == 1


def test_it_fails_delivery_and_tells_the_sender_when_sending_breaks_unexpectedly(
        send, peppol_world, monkeypatch, cast):
    peppol_world.register_remote()

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("invoices.peppol.smp.service_endpoint", broken)

    document = send(invoice("F-AS4-BUG", customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERY_FAILED
    assert document.status_reason == "Sending over Peppol stopped with an unexpected error."
    assert any("F-AS4-BUG" in m.subject and cast.admin.email in m.to for m in mail.outbox)


def test_it_reports_access_point_settings_that_do_not_load(peppol_world, settings, tmp_path):
    from invoices.checks import access_point_readable

    assert access_point_readable(None) == []
    settings.PEPPOL_AP_KEY_FILE = str(tmp_path / "missing.pem")

    [error] = access_point_readable(None)

    assert error.id == "invoices.E001" and "missing.pem" in error.msg


def test_it_warns_a_deployment_that_sends_over_peppol_on_unsigned_service_metadata(
        settings):
    from invoices.checks import service_metadata_trusted

    settings.PEPPOL_AP_PARTY_ID, settings.PEPPOL_SMP_TRUST_FILE = "", ""
    assert service_metadata_trusted(None) == []
    settings.PEPPOL_AP_PARTY_ID = "POP000999"

    [warning] = service_metadata_trusted(None)

    assert warning.id == "invoices.W001" and "PEPPOL_SMP_TRUST_FILE" in warning.hint
    settings.PEPPOL_SMP_TRUST_FILE = "/etc/peppol/smp-ca.pem"
    assert service_metadata_trusted(None) == []


@pytest.mark.parametrize("signer", ["stranger", None])
def test_it_believes_only_service_metadata_a_trusted_smp_signed(send, peppol_world, signer):
    peppol_world.register_remote()
    identity = getattr(peppol_world, signer) if signer else None
    peppol_world.network.smp.signer = (identity.key, identity.certificate_der) \
        if identity else None

    document = send(invoice(customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERY_FAILED
    assert "not signed by a trusted SMP certificate" in document.status_reason
    assert peppol_world.remote_ap.requests == 0


def test_it_refuses_service_metadata_changed_after_signing(peppol_world):
    from invoices.peppol import xmldsig
    from invoices.peppol.xmlsafe import parse_xml

    smp = peppol_world.network.smp
    body = smp.service_metadata_xml(
        f"iso6523-actorid-upis::0106:{REMOTE_KVK}", INVOICE,
        (peppol_world.remote_ap.url, peppol_world.remote.certificate_der,
         "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"))
    assert xmldsig.verify_enveloped(parse_xml(body, 10 ** 6), [peppol_world.ca.certificate])

    changed = body.replace(peppol_world.remote_ap.url.encode(), b"http://127.0.0.1:1/as4")

    with pytest.raises(xmldsig.SignatureInvalid, match="digest"):
        xmldsig.verify_enveloped(parse_xml(changed, 10 ** 6), [peppol_world.ca.certificate])


def test_it_sends_a_waiting_document_once_the_access_point_is_configured(
        send, peppol_world, settings, django_capture_on_commit_callbacks):
    peppol_world.register_remote()
    settings.PEPPOL_AP_PARTY_ID = ""
    document = send(invoice("F-AS4-WAIT", customer_kvk=REMOTE_KVK))
    assert document.status_reason == WAITING_FOR_PEPPOL

    settings.PEPPOL_AP_PARTY_ID = PLATFORM_SEAT
    with django_capture_on_commit_callbacks(execute=True):
        moved = route_waiting_documents.call()

    document.refresh_from_db()
    assert moved == 1
    assert document.status == Status.DELIVERED
    assert [a.message_id for a in peppol_world.remote_ap.received] == [
        PeppolEvidence.objects.get(document=document).message_id]


def test_it_leaves_a_document_waiting_while_nothing_reaches_its_receiver(send):
    document = send(invoice(customer_kvk=REMOTE_KVK))

    assert route_waiting_documents.call() == 0
    document.refresh_from_db()
    assert (document.status, document.status_reason) == (Status.QUEUED, WAITING_FOR_PEPPOL)
    assert document.events.filter(detail=WAITING_FOR_PEPPOL).count() == 1


def test_it_tells_a_dutch_administrator_why_delivery_failed_in_dutch(
        send, peppol_world, cast):
    from django.utils.translation import override

    cast.admin.language = "nl"
    cast.admin.save()
    peppol_world.register_remote()
    peppol_world.remote_ap.fail_with = 503

    document = send(invoice("F-AS4-NL", customer_kvk=REMOTE_KVK))

    assert "Gave up after 4 attempts" in document.status_reason
    [message] = [m for m in mail.outbox if "F-AS4-NL" in m.subject]
    assert "Gestopt na 4 pogingen" in message.body
    assert "Gave up" not in message.body
    evidence = PeppolEvidence.objects.get(document=document)
    with override("nl"):
        assert evidence.last_error_shown.endswith("Gestopt na 4 pogingen.")
        assert "Poging 3 is mislukt" in document.events.filter(
            from_status=Status.QUEUED, to_status=Status.QUEUED).last().detail_shown
