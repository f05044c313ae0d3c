"""Each topic is fired by the document change it names, for the organization it concerns."""

from datetime import timedelta

import pytest
from django.utils import timezone

from invoices.models import Channel, Direction, Document, Status
from invoices.signals import delivery_retried
from invoices.submission import submit
from tests.invoices.conftest import invoice
from tests.webhooks.conftest import subscribe
from webhooks.models import Delivery, Topic, Webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(django_capture_on_commit_callbacks, cast):
    def send(organization, data):
        with django_capture_on_commit_callbacks(execute=True):
            document = submit(organization, data, Channel.PORTAL, cast.admin).document
        document.refresh_from_db()
        return document
    return send


def topics_heard(endpoint):
    return [(r.json["topic"], r.json["partyId"]) for r in endpoint.received if r.accepted]


def test_it_tells_the_sender_sent_and_the_receiver_received(
        send, cast, sender, receiver, endpoint):
    subscribe(endpoint, sender, cast.admin, topics=[Topic.INVOICE_SENT])
    subscribe(endpoint, receiver, cast.client_admin, topics=[Topic.INVOICE_RECEIVED])
    outgoing = send(sender, invoice())
    assert outgoing.status == Status.DELIVERED
    incoming = Document.objects.get(direction=Direction.INCOMING)
    assert sorted(topics_heard(endpoint)) == [("InvoiceReceived", receiver.company_id),
                                              ("InvoiceSent", sender.company_id)]
    received = next(r.json for r in endpoint.received if r.json["topic"] == "InvoiceReceived")
    assert received["documentId"] == str(incoming.pk)
    assert received["details"]["deliveryId"] == str(incoming.delivery_id)
    assert "F-2026-001" in received["message"]


def test_it_ends_a_message_on_a_name_with_a_full_stop_once(
        send, cast, sender, receiver, endpoint):
    subscribe(endpoint, receiver, cast.client_admin, topics=[Topic.INVOICE_RECEIVED])

    send(sender, invoice(supplier_name="Acme Trading B.V."))

    [received] = [r.json for r in endpoint.received if r.accepted]
    assert received["message"] == "Document F-2026-001 received from Acme Trading B.V."


def test_it_tells_of_a_duplicate_and_not_of_a_receipt(send, cast, sender, receiver, endpoint):
    subscribe(endpoint, receiver, cast.client_admin,
              topics=[Topic.INVOICE_RECEIVED, Topic.DUPLICATE])
    send(sender, invoice())
    send(sender, invoice())
    assert topics_heard(endpoint) == [("InvoiceReceived", receiver.company_id),
                                      ("InvoiceReceivedError", receiver.company_id)]
    assert "duplicate" in endpoint.received[-1].json["message"]


def test_it_tells_of_a_failed_delivery_with_the_reason(
        django_capture_on_commit_callbacks, cast, sender, endpoint):
    subscribe(endpoint, sender, cast.admin, topics=[Topic.SENDING_FAILED])
    document = submit(sender, invoice(), Channel.PORTAL, cast.admin).document
    with django_capture_on_commit_callbacks(execute=True):
        document.mark_delivery_failed(None, "The receiver is not on Peppol.")
    [heard] = endpoint.received
    assert heard.json["topic"] == "InvoiceSentError"
    assert heard.json["details"]["reason"] == "The receiver is not on Peppol."


def test_it_tells_of_a_document_refused_before_sending_with_the_reason(
        send, cast, sender, endpoint):
    subscribe(endpoint, sender, cast.admin, topics=[Topic.SENDING_FAILED])

    refused = send(sender, invoice("F-9", supplier_kvk="99999999"))

    assert refused.status == Status.REFUSED
    [heard] = [r.json for r in endpoint.received if r.accepted]
    assert heard["topic"] == "InvoiceSentError"
    assert heard["documentId"] == str(refused.pk)
    assert heard["message"].startswith("Document F-9 was refused and not sent: ")
    assert heard["details"]["reason"] == refused.status_reason


def test_it_tells_the_sender_what_the_receiver_said_of_its_invoice(
        django_capture_on_commit_callbacks, send, cast, sender, receiver, endpoint):
    subscribe(endpoint, sender, cast.admin, topics=[Topic.STATUS_CHANGED])
    subscribe(endpoint, receiver, cast.client_admin, topics=[Topic.STATUS_CHANGED])
    send(sender, invoice())
    incoming = Document.objects.get(direction=Direction.INCOMING)
    with django_capture_on_commit_callbacks(execute=True):
        incoming.set_processing_status(cast.client_admin, Status.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        incoming.reject(cast.client_admin, "Wrong order number")

    # Only the sender hears: the receiver set it itself.
    assert topics_heard(endpoint) == [("InvoiceStatusChanged", sender.company_id)] * 2
    approved, rejected = (r.json for r in endpoint.received)
    assert approved["details"]["status"] == "under_review"
    assert approved["details"]["reason"] == "Bakery Client BV: Approved"
    assert approved["message"] == ("Document F-2026-001, from its receiver: Bakery Client "
                                   "BV: Approved")
    assert rejected["details"]["status"] == "rejected"
    assert rejected["details"]["reason"] == "Rejected by Bakery Client BV: Wrong order number"


def test_it_tells_of_a_retry_with_its_moment(cast, sender, endpoint):
    subscribe(endpoint, sender, cast.admin, topics=[Topic.SENDING_RETRIED])
    document = submit(sender, invoice(), Channel.PORTAL, cast.admin).document
    retry_at = timezone.now() + timedelta(minutes=5)
    delivery_retried.send(Document, document=document, attempt=2, reason="Connection refused",
                          retry_at=retry_at)
    [heard] = endpoint.received
    assert heard.json["topic"] == "InvoiceSentRetry"
    assert heard.json["details"]["attempt"] == 2
    assert heard.json["details"]["retryAt"].endswith("Z")


def test_it_leaves_out_topics_not_chosen_and_keeps_a_paused_hooks_events(
        send, cast, sender, receiver, endpoint):
    subscribe(endpoint, sender, cast.admin, topics=[Topic.SENDING_FAILED])
    paused = subscribe(endpoint, receiver, cast.client_admin, topics=[Topic.INVOICE_RECEIVED])
    paused.pause(cast.client_admin, cast.client)
    send(sender, invoice())
    assert endpoint.received == []
    assert not Delivery.objects.filter(webhook__organization=sender).exists()
    # The paused hook's event waits for it, and goes out when it is resumed.
    [waiting] = Delivery.objects.filter(webhook=paused)
    assert (waiting.topic, waiting.status, waiting.attempts) == (
        Topic.INVOICE_RECEIVED, Delivery.Status.RETRYING, 0)
    paused.resume(cast.client_admin, cast.client)
    assert topics_heard(endpoint) == [("InvoiceReceived", receiver.company_id)]


def test_it_tells_an_accountants_environment_hook_of_a_clients_invoice(
        send, cast, sender, receiver, endpoint):
    from onboarding.models import Partnership

    Partnership.start(accountant=cast.accountancy, organization=receiver, by=cast.client_admin)
    _hook, endpoint.secret = Webhook.create(by=cast.accountant, environment=cast.accountancy,
                                            url=endpoint.url, topics=[Topic.INVOICE_RECEIVED])
    send(sender, invoice())
    assert topics_heard(endpoint) == [("InvoiceReceived", receiver.company_id)]


def test_it_finds_the_hooks_for_a_change_in_one_query(
        send, cast, sender, receiver, endpoint, django_assert_num_queries):
    from webhooks import events

    subscribe(endpoint, sender, cast.admin, topics=[Topic.SENDING_FAILED])
    document = Document.objects.select_related("organization").get(
        pk=send(sender, invoice()).pk)
    with django_assert_num_queries(1):
        assert events.announce(Topic.INVOICE_SENT, document, "m", {}) == []


def test_a_failure_to_queue_events_never_breaks_the_documents_change(
        send, cast, sender, receiver, endpoint, monkeypatch):
    from webhooks import events

    subscribe(endpoint, receiver, cast.client_admin, topics=[Topic.INVOICE_RECEIVED])

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(events, "announce", broken)
    assert send(sender, invoice()).status == Status.DELIVERED
    assert endpoint.received == []


def test_it_posts_what_the_openapi_document_says_an_event_is(
        send, cast, sender, receiver, endpoint):
    from drf_spectacular.generators import SchemaGenerator
    from jsonschema import Draft202012Validator

    subscribe(endpoint, sender, cast.admin)
    subscribe(endpoint, receiver, cast.client_admin)
    outgoing = send(sender, invoice())
    delivery_retried.send(Document, document=outgoing, attempt=2, reason="Connection refused",
                          retry_at=timezone.now())
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    # Nothing the document leaves out: every field a receiver gets is described.
    for name in ("WebhookEvent", "WebhookEventDetails"):
        schemas[name]["additionalProperties"] = False
    validator = Draft202012Validator({"$ref": "#/components/schemas/WebhookEvent",
                                      "components": {"schemas": schemas}})

    bodies = [r.json for r in endpoint.received]
    assert {"InvoiceSent", "InvoiceReceived", "InvoiceSentRetry"} <= \
        {body["topic"] for body in bodies}
    for body in bodies:
        assert list(validator.iter_errors(body)) == [], body
