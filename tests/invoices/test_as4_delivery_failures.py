"""Delivery over Peppol when things go wrong, as another access point made them go wrong:
a retry that meets missing settings, a timeout after the receiver took the message, answers
that are not AS4 at all, refusals, and what staff see to diagnose them."""

import time

import pytest
from django.core import mail

from invoices.models import PeppolEvidence, Status
from invoices.schedules import route_waiting_documents
from invoices.submission import WAITING_FOR_PEPPOL
from tests.api.conftest import acme  # noqa: F401 - a fixture
from tests.conftest import text
from tests.invoices.as4_world import PLATFORM_SEAT, REMOTE_KVK, REMOTE_SEAT
from tests.invoices.conftest import invoice
from tests.invoices.test_as4_receiving import deliver, signal_of  # noqa: F401 - a fixture
from tests.invoices.test_as4_sending import retries, send  # noqa: F401 - fixtures
from tests.standins.dns_smp import INVOICE

pytestmark = pytest.mark.django_db


def failure_mails(number):
    return [m for m in mail.outbox if number in m.subject and "could not be delivered" in
            m.subject]


def answering(monkeypatch, peppol_world, respond):
    """The remote access point answers by `respond(call, headers, body, original)`."""
    original = peppol_world.remote_ap.answer
    calls = []

    def answer(headers, body):
        calls.append(1)
        return respond(len(calls), headers, body, original)

    monkeypatch.setattr(peppol_world.remote_ap, "answer", answer)
    return calls


def took_it_but_answered_late(call, headers, body, original):
    """The first try reaches the receiver's access point, which keeps it, but its answer
    comes after the sender's timeout (PEPPOL_AP_TIMEOUT of 0.5 s)."""
    answer = original(headers, body)
    if call == 1:
        time.sleep(1.5)
    return answer


# -- 1. a retry that finds the access point settings missing --------------------------------

def test_it_goes_on_with_the_retries_once_the_settings_are_back(
        send, peppol_world, settings, monkeypatch, django_capture_on_commit_callbacks):  # noqa: F811
    peppol_world.register_remote()

    def respond(call, headers, body, original):
        if call == 1:
            # Attempt 1 fails, and before attempt 2 runs the settings go missing.
            settings.PEPPOL_AP_PARTY_ID = ""
            return 503, {"Content-Type": "text/plain"}, b"busy"
        return original(headers, body)

    calls = answering(monkeypatch, peppol_world, respond)
    document = send(invoice("F-STUCK", customer_kvk=REMOTE_KVK))
    assert (document.status, document.status_reason) == (Status.QUEUED, WAITING_FOR_PEPPOL)
    evidence = PeppolEvidence.objects.get(document=document)
    assert evidence.attempts == 1 and evidence.completed_at is None

    settings.PEPPOL_AP_PARTY_ID = PLATFORM_SEAT
    with django_capture_on_commit_callbacks(execute=True):
        moved = route_waiting_documents.call()

    document.refresh_from_db()
    assert moved == 1
    assert document.status == Status.DELIVERED
    assert len(calls) == 2
    evidence.refresh_from_db()
    assert evidence.attempts == 2 and evidence.next_attempt_at is None
    [arrival] = peppol_world.remote_ap.received
    assert arrival.message_id == evidence.message_id
    # The schedule running again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert route_waiting_documents.call() == 0
    assert len(calls) == 2


# -- 2. one message id for every try -------------------------------------------------------

def test_it_sends_a_retry_after_a_timeout_under_the_first_message_id(
        send, peppol_world, settings, monkeypatch, retries, client, cast):  # noqa: F811
    settings.PEPPOL_AP_TIMEOUT = 0.5
    peppol_world.register_remote()

    answering(monkeypatch, peppol_world, took_it_but_answered_late)

    document = send(invoice("F-TIMEOUT", customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERED
    assert [r["attempt"] for r in retries] == [1]
    first, second = peppol_world.remote_ap.received
    assert first.message_id == second.message_id
    evidence = PeppolEvidence.objects.get(document=document)
    assert evidence.message_id == first.message_id and evidence.attempts == 2
    client.force_login(cast.admin)
    page = client.get(document.get_absolute_url()).content.decode()
    assert f'<code id="peppol-message-id">{evidence.message_id}</code>' in page


def test_it_keeps_the_message_id_of_a_failed_delivery(send, peppol_world, client, cast):  # noqa: F811
    peppol_world.register_remote()
    peppol_world.remote_ap.fail_with = 503

    document = send(invoice("F-KEEP-ID", customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERY_FAILED
    evidence = PeppolEvidence.objects.get(document=document)
    assert evidence.message_id.endswith("@as4")
    client.force_login(cast.admin)
    page = text(client.get(document.get_absolute_url()))
    assert "Peppol message id" in page and evidence.message_id in page


# -- 3. answers that are not AS4 -----------------------------------------------------------

@pytest.mark.parametrize("status, content_type, body", [
    (404, "text/plain", b"Not Found"),
    (200, "text/html", b"<html><body><h1>Welcome to our proxy</h1></body></html>"),
    (401, "text/html", b"<html><body>Log in</body></html>"),
])
def test_it_says_the_access_point_answered_no_as4_message(
        send, peppol_world, monkeypatch, status, content_type, body):  # noqa: F811
    peppol_world.register_remote()
    calls = answering(monkeypatch, peppol_world,
                      lambda call, h, b, o: (status, {"Content-Type": content_type}, body))

    document = send(invoice("F-NOT-AS4", customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERY_FAILED
    assert document.status_reason == (f"The receiver's Peppol access point answered HTTP "
                                      f"{status}, not an AS4 message.")
    assert "could not be verified" not in document.status_reason
    assert len(calls) == 1
    detail = PeppolEvidence.objects.get(document=document).last_error_detail
    assert detail.startswith(f"HTTP {status} {content_type}:")


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 504])
def test_it_tries_again_after_a_temporary_http_error(
        send, peppol_world, monkeypatch, retries, status):  # noqa: F811
    peppol_world.register_remote()

    def respond(call, headers, body, original):
        if call == 1:
            return status, {"Content-Type": "text/html"}, b"<html>later</html>"
        return original(headers, body)

    calls = answering(monkeypatch, peppol_world, respond)

    document = send(invoice(customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERED
    assert len(calls) == 2
    assert [r["attempt"] for r in retries] == [1]
    assert f"temporary error: HTTP {status}, not an AS4 message" in retries[0]["reason"]


def test_it_keeps_unverified_for_a_signal_that_does_not_verify(
        send, peppol_world, monkeypatch, client, cast):  # noqa: F811
    peppol_world.register_remote()

    def respond(call, headers, body, original):
        status, signal_headers, signal = original(headers, body)
        # Another message's id in the receipt: the signature no longer covers it.
        message_id = peppol_world.remote_ap.received[-1].message_id.encode()
        return status, signal_headers, signal.replace(message_id,
                                                      b"0" * len(message_id))

    answering(monkeypatch, peppol_world, respond)

    document = send(invoice("F-UNVERIFIED", customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERY_FAILED
    assert "answered with a receipt that could not be verified" in document.status_reason
    # 4. the sender hears of it
    assert failure_mails("F-UNVERIFIED")
    evidence = PeppolEvidence.objects.get(document=document)
    assert evidence.last_error_detail.startswith("HTTP 200: ")
    client.force_login(cast.techsupport)
    staff_page = text(client.get(f"/staff/documents/{document.pk}/"))
    assert evidence.last_error_detail[:60] in staff_page


# -- 4. the sender hears of a refusal -------------------------------------------------------

def test_it_tells_the_sender_the_receivers_access_point_refused_the_document(
        send, peppol_world, cast):  # noqa: F811
    peppol_world.register_remote()
    peppol_world.remote_ap.serves = {"0106:00000000"}

    document = send(invoice("F-REFUSED", customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERY_FAILED
    assert "EBMS:0004" in document.status_reason
    [message] = failure_mails("F-REFUSED")
    assert cast.admin.email in message.to
    assert peppol_world.remote_ap.requests == 1


def test_it_still_does_not_mail_about_a_receiver_off_peppol(send, peppol_world):  # noqa: F811
    document = send(invoice("F-OFF", customer_kvk="99990000"))

    assert document.status == Status.DELIVERY_FAILED
    assert failure_mails("F-OFF") == []


# -- 5. what staff see ---------------------------------------------------------------------

def test_it_shows_staff_the_technical_detail_and_the_access_point_the_smp_named(
        send, peppol_world, client, cast):  # noqa: F811
    closed = "http://127.0.0.1:1/as4"
    peppol_world.network.register("0106", REMOTE_KVK, [INVOICE])
    peppol_world.network.smp.add_endpoint("0106", REMOTE_KVK, INVOICE, closed,
                                          peppol_world.remote.certificate_der)

    document = send(invoice("F-REFUSED-CONN", customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERY_FAILED
    evidence = PeppolEvidence.objects.get(document=document)
    assert evidence.access_point_url == closed
    assert f"CN={REMOTE_SEAT}" in evidence.access_point_subject
    assert "Connection refused" in evidence.last_error_detail
    assert len(evidence.last_error_detail) <= 1000

    client.force_login(cast.techsupport)
    staff_page = client.get(f"/staff/documents/{document.pk}/").content.decode()
    assert 'id="peppol-error-detail"' in staff_page and "Connection refused" in staff_page
    assert closed in staff_page and REMOTE_SEAT in staff_page

    client.force_login(cast.admin)
    page = client.get(document.get_absolute_url()).content.decode()
    assert closed in page and REMOTE_SEAT in page
    assert "Connection refused" not in page and 'id="peppol-error-detail"' not in page


def test_it_bounds_the_technical_detail(send, peppol_world, monkeypatch):  # noqa: F811
    peppol_world.register_remote()
    answering(monkeypatch, peppol_world,
              lambda call, h, b, o: (404, {"Content-Type": "text/plain"}, b"x " * 5000))

    document = send(invoice(customer_kvk=REMOTE_KVK))

    detail = PeppolEvidence.objects.get(document=document).last_error_detail
    assert 0 < len(detail) <= 1000


# -- 6. a message that carries no invoice ---------------------------------------------------

def test_it_says_a_received_message_carries_no_ubl_invoice(deliver, peppol_world, receiver):  # noqa: F811
    answer, _message = deliver(b'<?xml version="1.0"?><Order xmlns="urn:example:order">'
                               b'<ID>1</ID></Order>')

    error = signal_of(answer, peppol_world).error
    assert error is not None
    assert "not a UBL invoice or credit note" in error.error_detail.value
    assert "is not the message's recipient" not in error.error_detail.value
