"""Delivery over Peppol, three edges: a retry the sender asks for goes out under the message
id of the earlier tries, the sender's mail says whether the receiving access point refused
the document or the tries ran out, and an access point the SMP gives a plain http address
is not used outside tests and `make run`."""

import base64

import pytest

from invoices.models import Document, PeppolEvidence, Status
from invoices.peppol import smp
from onboarding.models import ConnectionKey, Software
from tests.api.conftest import acme  # noqa: F401 - a fixture
from tests.conftest import sign_in, text
from tests.invoices.as4_world import REMOTE_KVK
from tests.invoices.conftest import RECEIVER_KVK, invoice, make_receiver
from tests.invoices.test_as4_delivery_failures import (
    answering,
    failure_mails,
    took_it_but_answered_late,
)
from tests.invoices.test_as4_sending import retries, send  # noqa: F401 - fixtures
from tests.standins.dns_smp import INVOICE

pytestmark = pytest.mark.django_db


def took_it_but_answered_busy(call, headers, body, original):
    """The first try reaches the receiver's access point, which keeps it, but the answer
    the sender gets is an error."""
    answer = original(headers, body)
    return (503, {"Content-Type": "text/plain"}, b"busy") if call == 1 else answer


# -- 1. a retry the sender asks for keeps the message id ------------------------------------

def test_it_sends_a_manual_retry_after_a_timeout_under_the_first_message_id(
        send, peppol_world, settings, monkeypatch, client, cast,  # noqa: F811
        django_capture_on_commit_callbacks):
    settings.PEPPOL_AP_TIMEOUT = 0.5
    settings.PEPPOL_AP_RETRY_MINUTES = []  # the first failure is the last
    peppol_world.register_remote()

    answering(monkeypatch, peppol_world, took_it_but_answered_late)
    document = send(invoice("F-MANUAL", customer_kvk=REMOTE_KVK))
    assert document.status == Status.DELIVERY_FAILED
    [first] = peppol_world.remote_ap.received
    sign_in(client, cast.admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/documents/{document.pk}/retry-delivery/")

    document.refresh_from_db()
    assert document.status == Status.DELIVERED
    took, again = peppol_world.remote_ap.received
    assert took.message_id == again.message_id == first.message_id
    evidence = PeppolEvidence.objects.get(document=document)
    assert evidence.message_id == first.message_id
    assert (evidence.attempts, evidence.last_error, evidence.last_error_detail) == (1, "", "")
    assert evidence.receipt and evidence.completed_at is not None
    page = text(client.get(response.url))
    assert f'<code id="peppol-message-id">{first.message_id}</code>' in page
    assert 'id="peppol-last-error"' not in page and 'id="failed-notice"' not in page


def test_it_keeps_the_message_id_when_the_software_asks_to_try_again(
        send, peppol_world, settings, monkeypatch, client, acme, cast,  # noqa: F811
        django_capture_on_commit_callbacks):
    settings.PEPPOL_AP_RETRY_MINUTES = []
    peppol_world.register_remote()
    answering(monkeypatch, peppol_world, took_it_but_answered_busy)
    document = send(invoice("F-API-AGAIN", customer_kvk=REMOTE_KVK))
    assert document.status == Status.DELIVERY_FAILED
    issued = ConnectionKey.issue(organization=acme, software=Software.AFAS, by=cast.admin)
    token = base64.b64encode(f"{issued.key.app_key}:{issued.secret}".encode()).decode()

    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(f"/api/v1/documents/{document.pk}/retry",
                              HTTP_AUTHORIZATION=f"Basic {token}")

    assert retried.status_code == 200, retried.content
    answer = client.get(f"/api/v1/documents/{document.pk}",
                        HTTP_AUTHORIZATION=f"Basic {token}").json()
    assert answer["status"] == "delivered"
    took, again = peppol_world.remote_ap.received
    assert answer["peppol"]["message_id"] == took.message_id == again.message_id
    assert (answer["peppol"]["attempts"], answer["peppol"]["last_error"]) == (1, "")


def test_it_shows_no_earlier_failure_as_current_once_delivery_is_tried_again(
        send, peppol_world, settings, monkeypatch, client, cast):  # noqa: F811
    settings.PEPPOL_AP_RETRY_MINUTES = []
    peppol_world.register_remote()
    answering(monkeypatch, peppol_world, took_it_but_answered_busy)
    document = send(invoice("F-FRESH", customer_kvk=REMOTE_KVK))
    message_id = PeppolEvidence.objects.get(document=document).message_id

    # Queued again; the next try has not run yet (its routing waits for the commit).
    assert document.retry_delivery(cast.admin)

    evidence = PeppolEvidence.objects.get(document=document)
    assert evidence.message_id == message_id
    assert (evidence.attempts, evidence.last_error, evidence.last_error_said,
            evidence.last_error_detail, evidence.receipt, evidence.access_point_url) == (
        0, "", None, "", "", "")
    assert evidence.next_attempt_at is None and evidence.completed_at is None
    client.force_login(cast.admin)
    page = text(client.get(document.get_absolute_url()))
    assert 'id="document-status">Queued<' in page
    assert 'id="failed-notice"' not in page and 'id="peppol-last-error"' not in page
    assert message_id in page
    client.force_login(cast.techsupport)
    staff_page = text(client.get(f"/staff/documents/{document.pk}/"))
    assert message_id in staff_page
    assert 'id="peppol-error-detail"' not in staff_page
    assert 'id="peppol-last-error"' not in staff_page


def test_it_keeps_no_peppol_evidence_when_a_retry_delivers_inside_the_platform(
        send, peppol_world, settings, cast, django_capture_on_commit_callbacks):  # noqa: F811
    settings.PEPPOL_AP_RETRY_MINUTES = []
    peppol_world.register_remote(RECEIVER_KVK)
    peppol_world.remote_ap.fail_with = 503
    document = send(invoice("F-JOINED", customer_kvk=RECEIVER_KVK))
    assert document.status == Status.DELIVERY_FAILED
    make_receiver(cast)  # the receiver joins the platform meanwhile

    with django_capture_on_commit_callbacks(execute=True):
        document.retry_delivery(cast.admin)

    document.refresh_from_db()
    assert document.status == Status.DELIVERED
    assert "inside the platform" in document.events.last().detail
    assert not PeppolEvidence.objects.filter(document=document).exists()
    assert Document.objects.inbox().count() == 1


# -- 2. what the sender's mail says ----------------------------------------------------------

def test_it_mails_the_sender_that_the_receivers_access_point_refused_it_and_why(
        send, peppol_world, cast):  # noqa: F811
    peppol_world.register_remote()
    peppol_world.remote_ap.serves = {"0106:00000000"}

    document = send(invoice("F-NO", customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERY_FAILED
    assert peppol_world.remote_ap.requests == 1
    [message] = failure_mails("F-NO")
    assert cast.admin.email in message.to
    body = " ".join(message.body.split())
    assert "The receiver's Peppol access point refused it" in body
    assert f"Reason: {document.status_reason}" in body
    assert "EBMS:0004" in body and "PEPPOL:NOT_SERVICED" in body
    assert "several attempts" not in body


def test_it_mails_the_sender_that_it_gave_up_after_several_attempts(
        send, peppol_world, settings, cast):  # noqa: F811
    settings.PEPPOL_AP_RETRY_MINUTES = [1.0]
    peppol_world.register_remote()
    peppol_world.remote_ap.fail_with = 503

    document = send(invoice("F-TRIED", customer_kvk=REMOTE_KVK))

    assert peppol_world.remote_ap.requests == 2
    [message] = failure_mails("F-TRIED")
    body = " ".join(message.body.split())
    assert "could not be delivered over the Peppol network, even after several attempts" \
        in body
    assert "Gave up after 2 attempts" in body and document.status_reason in body
    assert "refused" not in body


# -- 3. plain http addresses for access points -----------------------------------------------

def test_it_fails_delivery_to_an_access_point_with_a_plain_http_address(
        send, peppol_world, settings, retries, client, cast):  # noqa: F811
    settings.PEPPOL_ALLOW_HTTP_ENDPOINTS = False
    peppol_world.register_remote()
    assert peppol_world.remote_ap.url.startswith("http://")

    document = send(invoice("F-HTTP", customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERY_FAILED
    assert document.status_reason == (
        "The receiver's Peppol access point cannot be used: its address, as the receiver's "
        "Peppol service provider publishes it, uses http, and Peppol requires https.")
    assert peppol_world.remote_ap.requests == 0
    assert retries == []
    evidence = PeppolEvidence.objects.get(document=document)
    assert (evidence.attempts, evidence.next_attempt_at) == (1, None)
    assert peppol_world.remote_ap.url in evidence.last_error_detail
    client.force_login(cast.admin)
    page = text(client.get(document.get_absolute_url()))
    assert "uses http, and Peppol requires https" in page


def test_it_delivers_to_a_plain_http_address_where_the_setting_allows_it(
        send, peppol_world, settings):  # noqa: F811
    settings.PEPPOL_ALLOW_HTTP_ENDPOINTS = True
    peppol_world.register_remote()

    document = send(invoice("F-LOCAL", customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERED
    assert len(peppol_world.remote_ap.received) == 1


def test_it_takes_an_https_address_without_the_setting(peppol_world, settings):
    from invoices.recipients import sml_config
    from invoices.transport.base import smp_trust

    address = "https://ap.example.test/as4"
    peppol_world.network.register("0106", REMOTE_KVK, [INVOICE])
    peppol_world.network.smp.add_endpoint("0106", REMOTE_KVK, INVOICE, address,
                                          peppol_world.remote.certificate_der)

    endpoint = smp.service_endpoint("0106", REMOTE_KVK, INVOICE, sml_config(),
                                    smp_trust=smp_trust(), allow_http=False)

    assert endpoint.url == address
