"""Receiving over Peppol: another access point (the stand-in) sends AS4 messages to the
portal's endpoint; the portal verifies them with its trust settings, answers with a signed
receipt or an ebMS error, and puts the document in the receiver's inbox."""

import pytest
from as4.peppol import parse_peppol_receipt
from django.core import mail

from invoices.models import Channel, Direction, Document, PeppolEvidence, Status
from tests.invoices.as4_world import REMOTE_KVK, REMOTE_SEAT
from tests.invoices.conftest import RECEIVER_KVK, invoice
from tests.standins.dns_smp import INVOICE

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliver(client, peppol_world, django_capture_on_commit_callbacks):
    """Send `ubl` from the remote access point to the portal's AS4 endpoint."""
    def deliver(ubl, *, recipient=f"0106:{RECEIVER_KVK}", signer=None, tamper=None):
        headers, body, message = peppol_world.remote_ap.build(
            ubl, to=peppol_world.platform, sender=f"0106:{REMOTE_KVK}", recipient=recipient,
            document_type=INVOICE, signer=signer)
        if tamper:
            body = tamper(body)
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.generic("POST", "/as4/", body,
                                    content_type=headers["Content-Type"])
        return answer, message
    return deliver


def signal_of(answer, peppol_world):
    """The portal's answer, its signature checked against the platform's certificate."""
    assert answer.status_code == 200, answer.content[:500]
    assert answer["Content-Type"].startswith("application/soap+xml")
    return parse_peppol_receipt(answer.content, peppol_world.platform.certificate)


def test_it_puts_a_received_document_in_the_receivers_inbox_and_answers_a_receipt(
        deliver, peppol_world, receiver, client, cast):
    answer, message = deliver(invoice("F-IN-1", customer_kvk=RECEIVER_KVK,
                                      supplier_kvk=REMOTE_KVK, supplier_name="Remote BV"))

    receipt = signal_of(answer, peppol_world)
    assert receipt.error is None
    assert receipt.original_message_id == message.message_id
    receipt.verify_non_repudiation(message.signed_references)
    document = Document.objects.get(direction=Direction.INCOMING)
    assert (document.organization, document.status, document.channel) == (
        receiver, Status.RECEIVED, Channel.PEPPOL)
    assert (document.number, document.counterparty_name) == ("F-IN-1", "Remote BV")
    assert document.validation["valid"] is True
    assert document.delivery_id is not None
    evidence = PeppolEvidence.objects.get(document=document)
    assert evidence.message_id == message.message_id
    assert f"CN={REMOTE_SEAT}" in evidence.access_point_subject
    assert evidence.receipt.encode() == answer.content

    client.force_login(cast.client_admin)
    page = client.get(document.get_absolute_url()).content.decode()
    assert message.message_id in page and "Sending access point" in page


def test_it_holds_a_second_copy_as_a_duplicate_and_mails_the_receiver(
        deliver, peppol_world, receiver, cast):
    data = invoice("F-IN-2", customer_kvk=RECEIVER_KVK, supplier_kvk=REMOTE_KVK)
    deliver(data)

    answer, _message = deliver(data)

    assert signal_of(answer, peppol_world).error is None
    assert list(Document.objects.inbox().values_list("status", flat=True)
                .order_by("id")) == [Status.RECEIVED, Status.DUPLICATE]
    assert any("F-IN-2" in m.subject and cast.client_admin.email in m.to
               for m in mail.outbox)


def test_it_stores_a_message_sent_twice_once(client, peppol_world, receiver,
                                             django_capture_on_commit_callbacks):
    headers, body, _message = peppol_world.remote_ap.build(
        invoice("F-IN-3", customer_kvk=RECEIVER_KVK, supplier_kvk=REMOTE_KVK),
        to=peppol_world.platform, sender=f"0106:{REMOTE_KVK}",
        recipient=f"0106:{RECEIVER_KVK}", document_type=INVOICE)
    for _ in range(2):
        answer = client.generic("POST", "/as4/", body, content_type=headers["Content-Type"])
        assert signal_of(answer, peppol_world).error is None

    assert Document.objects.inbox().count() == 1


def test_it_refuses_a_tampered_message(deliver, peppol_world, receiver):
    def tamper(body):
        # The original sender in the signed eb:Messaging header, changed on the way.
        assert body.count(f">0106:{REMOTE_KVK}<".encode()) == 1
        return body.replace(f">0106:{REMOTE_KVK}<".encode(), b">0106:66666666<")

    answer, _message = deliver(invoice(customer_kvk=RECEIVER_KVK), tamper=tamper)

    error = signal_of(answer, peppol_world).error
    assert error.error_code == "EBMS:0101"
    assert not Document.objects.exists()


def test_it_refuses_a_message_signed_with_an_untrusted_certificate(deliver, peppol_world,
                                                                   receiver):
    answer, _message = deliver(invoice(customer_kvk=RECEIVER_KVK),
                               signer=peppol_world.stranger)

    error = signal_of(answer, peppol_world).error
    assert error.error_code == "EBMS:0101"
    assert "rejected" in error.error_detail.value
    assert not Document.objects.exists()


def test_it_answers_not_serviced_for_a_receiver_not_on_the_platform(deliver, peppol_world,
                                                                    receiver):
    answer, _message = deliver(invoice(customer_kvk="55554444"), recipient="0106:55554444")

    error = signal_of(answer, peppol_world).error
    assert (error.error_code, error.error_detail.value) == ("EBMS:0004", "PEPPOL:NOT_SERVICED")
    assert not Document.objects.exists()


def test_it_refuses_an_invoice_for_another_buyer_than_the_recipient(deliver, peppol_world,
                                                                   receiver):
    answer, _message = deliver(invoice(customer_kvk="55554444", supplier_kvk=REMOTE_KVK),
                               recipient=f"0106:{RECEIVER_KVK}")

    error = signal_of(answer, peppol_world).error
    assert error is not None
    assert "0106:55554444 is not the message's recipient 0106:" in error.error_detail.value
    assert not Document.objects.exists()


def test_it_answers_an_error_for_a_payload_that_is_not_an_invoice(deliver, peppol_world,
                                                                  receiver):
    answer, _message = deliver(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')

    error = signal_of(answer, peppol_world).error
    assert error is not None
    assert not Document.objects.exists()


def test_it_refuses_a_message_over_the_size_limit_before_reading_it(client, peppol_world,
                                                                    settings):
    settings.DOCUMENT_MAX_MB = 0

    answer = client.generic("POST", "/as4/", b"x" * (300 * 1024),
                            content_type="multipart/related; boundary=x")

    assert answer.status_code == 413


def test_it_answers_garbage_without_a_server_error(client, peppol_world):
    answer = client.generic("POST", "/as4/", b"\x00\x01 not mime",
                            content_type="application/octet-stream")

    assert answer.status_code in (200, 400)
    assert not Document.objects.exists()


def test_it_has_no_as4_endpoint_without_access_point_settings(client):
    assert client.post("/as4/", b"", content_type="text/plain").status_code == 404
