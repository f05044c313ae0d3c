"""The documents API over real HTTP: sending, the recipient query, the status of a sent
document, and the inbox (list, download, mark downloaded, delete), each for the key's own
organization only."""

import base64
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from invoices.models import Direction, Document, Status
from invoices.peppol.smp import INVOICE_DOCUMENT_TYPE
from invoices.submission import check_and_route
from onboarding.models import AuditEvent, ConnectionKey, Software
from tests.api.conftest import get
from tests.conftest import mails_to
from tests.invoices.conftest import invoice, make_receiver, with_attachment
from tests.standins.dns_smp import PeppolNetwork

pytestmark = pytest.mark.django_db(transaction=True)

PROBLEM = "application/problem+json"


@pytest.fixture
def receiver(cast):
    return make_receiver(cast)


@pytest.fixture
def receiver_key(receiver, cast):
    return ConnectionKey.issue(organization=receiver, software=Software.AFAS,
                               by=cast.client_admin)


def auth(issued):
    return (issued.key.app_key, issued.secret)


def send(http, live_server, issued, body, client_id=None, **headers):
    if client_id is not None:
        headers["X-Client-Document-Id"] = client_id
    return http.post(f"{live_server.url}/api/v1/documents", data=body, auth=auth(issued),
                     headers={"Content-Type": "application/xml", **headers}, timeout=60)


def call(http, method, live_server, path, issued, **kwargs):
    return http.request(method, f"{live_server.url}{path}", auth=auth(issued), timeout=30,
                        **kwargs)


@pytest.fixture
def delivered(http, live_server, acme_key, receiver):
    """An invoice Acme sent by API, delivered into the receiver's inbox."""
    response = send(http, live_server, acme_key, invoice())
    assert response.status_code == 202, response.text
    return Document.objects.get(direction=Direction.INCOMING)


def test_it_accepts_a_document_and_routes_it_into_the_receivers_inbox(
        live_server, http, acme, acme_key, receiver):
    data = invoice("F-API-1")
    response = send(http, live_server, acme_key, data, client_id="ERP-000001")

    assert response.status_code == 202
    body = response.json()
    outgoing = Document.objects.get(direction=Direction.OUTGOING)
    assert body["id"] == outgoing.pk
    assert body["delivery_id"] == str(outgoing.delivery_id)
    assert body["client_document_id"] == "ERP-000001"
    assert response.headers["Location"] == f"/api/v1/documents/{outgoing.pk}"
    assert outgoing.channel == "connection_key"
    assert outgoing.connection_key == acme_key.key
    assert outgoing.organization == acme
    assert outgoing.status == Status.DELIVERED
    incoming = Document.objects.get(direction=Direction.INCOMING)
    assert (incoming.organization, bytes(incoming.content)) == (receiver, data)
    assert incoming.delivery_id == outgoing.delivery_id

    status = call(http, "GET", live_server, body["location"], acme_key).json()
    assert status["status"] == "delivered"
    assert status["valid"] is True
    assert status["receiver"] == "0106:87654321"
    assert [(e["from_status"], e["to_status"]) for e in status["events"]] == [
        ("", "created"), ("created", "queued"), ("queued", "delivered")]
    assert status["events"][0]["detail"] == ""


def test_it_answers_at_once_and_leaves_the_rules_and_routing_to_the_queue(
        live_server, http, settings, acme_key, receiver):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    response = send(http, live_server, acme_key, invoice())

    assert response.status_code == 202
    assert response.json()["status"] == "created"
    document = Document.objects.get()
    assert document.status == Status.CREATED and document.delivery_id is not None
    assert document.validation == {}
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [document.pk]

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    document.refresh_from_db()
    assert document.status == Status.DELIVERED
    assert str(document.delivery_id) == response.json()["delivery_id"]
    assert Document.objects.inbox().get().organization == receiver


def test_sending_takes_few_statements_and_answers_the_status_it_stored(
        client, settings, acme_key):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    credentials = f"{acme_key.key.app_key}:{acme_key.secret}".encode()
    headers = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials).decode()}
    client.post("/api/v1/documents", invoice("WARM-1"), content_type="application/xml",
                **headers)

    with CaptureQueriesContext(connection) as statements:
        response = client.post("/api/v1/documents", invoice(), content_type="application/xml",
                               **headers)

    assert response.status_code == 202 and response.json()["status"] == "created"
    # The document, its event, its audit entry and its task in one transaction; nothing
    # reads the document back.
    assert len(statements) <= 8, "\n".join(q["sql"][:120] for q in statements)
    assert not any(q["sql"].startswith('SELECT "invoices_document"') for q in statements)


def test_the_check_and_routing_of_a_sent_document_take_few_statements(
        live_server, http, settings, acme_key, receiver):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert send(http, live_server, acme_key, invoice()).status_code == 202
    document = Document.objects.get()

    with CaptureQueriesContext(connection) as statements:
        assert check_and_route(document.pk) == Status.DELIVERED

    # One lock for the report, Queued, the copy and Delivered.
    assert len(statements) <= 20, "\n".join(q["sql"][:120] for q in statements)
    assert sum(q["sql"].startswith("COMMIT") for q in statements) == 1
    # Integration runs follow what the key's software sent, not what the receiver got, and
    # once for the transaction that moved it twice.
    assert sum("integrationrun" in q["sql"] for q in statements) == 1
    document.refresh_from_db()
    assert document.status == Status.DELIVERED and document.validation["valid"] is True
    assert document.rules and Document.objects.inbox().get().organization == receiver


def test_it_tries_a_failed_delivery_again_when_the_software_asks(live_server, http, cast,
                                                                acme_key):
    response = send(http, live_server, acme_key, invoice("F-AGAIN"))
    sent = Document.objects.get(pk=response.json()["id"])
    assert sent.status == Status.QUEUED  # nobody receives for it yet
    sent.mark_delivery_failed(None, "The receiver is not on the Peppol network.")
    path = f"/api/v1/documents/{sent.pk}/retry"
    receiver = make_receiver(cast)  # who joins the platform meanwhile

    first = call(http, "POST", live_server, path, acme_key)
    again = call(http, "POST", live_server, path, acme_key)

    assert first.status_code == 200
    assert (first.json()["status"], first.json()["status_reason"]) == ("delivered", "")
    assert [e["to_status"] for e in first.json()["events"]][-3:] == [
        "delivery_failed", "queued", "delivered"]
    assert Document.objects.inbox().get().organization == receiver
    assert again.status_code == 409 and again.headers["Content-Type"] == PROBLEM
    assert "delivered" in again.json()["detail"]
    assert sent.events.get(to_status=Status.QUEUED, from_status=Status.DELIVERY_FAILED) \
        .actor_label == f"connection key {acme_key.key.app_key}"


def test_it_says_why_in_the_language_the_request_asks_whoever_caused_it(
        live_server, http, acme_key):
    from django.utils import translation

    response = send(http, live_server, acme_key, invoice("F-WAIT"))
    sent = Document.objects.get(pk=response.json()["id"])
    # Someone retries it from the portal in Dutch; it waits for the Peppol network again.
    sent.mark_delivery_failed(None, "The receiver is not on the Peppol network.")
    with translation.override("nl"):
        sent.retry_delivery(None)
    sent.refresh_from_db()
    assert sent.status_reason.startswith("Wacht op het Peppol-netwerk")

    path = f"/api/v1/documents/{sent.pk}"
    english = call(http, "GET", live_server, path, acme_key,
                   headers={"Accept-Language": "en"}).json()
    dutch = call(http, "GET", live_server, path, acme_key,
                 headers={"Accept-Language": "nl"}).json()
    assert english["status_reason"].startswith("Waiting for the Peppol network")
    assert english["events"][-2]["detail"] == "Delivery is tried again."
    assert dutch["status_reason"].startswith("Wacht op het Peppol-netwerk")


def test_it_answers_409_with_the_first_document_for_a_client_id_sent_again(
        live_server, http, acme_key, receiver):
    first = send(http, live_server, acme_key, invoice("F-1"), client_id="ERP-42-abc")
    again = send(http, live_server, acme_key, invoice("F-2"), client_id="ERP-42-abc")

    assert again.status_code == 409
    assert again.headers["Content-Type"] == PROBLEM
    assert again.headers["Location"] == first.headers["Location"]
    assert again.json()["document_id"] == first.json()["id"]
    assert again.json()["delivery_id"] == first.json()["delivery_id"]
    assert Document.objects.outbox().count() == 1
    assert Document.objects.inbox().count() == 1


def test_it_keeps_client_ids_apart_per_organization(live_server, http, acme_key, receiver,
                                                   receiver_key):
    from tests.invoices.conftest import RECEIVER_KVK, SENDER_KVK

    assert send(http, live_server, acme_key, invoice(), client_id="SAME-ID-1").status_code \
        == 202
    back = invoice("R-1", supplier_kvk=RECEIVER_KVK, customer_kvk=SENDER_KVK,
                   supplier_name="Bakery Client BV")
    assert send(http, live_server, receiver_key, back, client_id="SAME-ID-1").status_code \
        == 202
    assert Document.objects.outbox().count() == 2


@pytest.mark.parametrize("client_id", ["short", "has space 1", "x" * 101])
def test_it_refuses_a_client_id_that_is_not_one(live_server, http, acme_key, client_id):
    response = send(http, live_server, acme_key, invoice(), client_id=client_id)

    assert response.status_code == 400
    assert response.json()["type"].endswith(":client-document-id")
    assert not Document.objects.exists()


def test_it_refuses_a_body_over_the_limit_before_reading_it(live_server, http, settings,
                                                            acme_key):
    settings.DOCUMENT_MAX_MB = 1
    response = send(http, live_server, acme_key, b"<a/>" + b" " * (1024 * 1024))

    assert response.status_code == 413
    assert response.headers["Content-Type"] == PROBLEM
    assert "1 MB" in response.json()["detail"]
    assert not Document.objects.exists()


def test_it_takes_a_document_just_under_the_limit_whose_pdf_is_one_long_text(
        live_server, http, acme_key, receiver):
    # The PDF's base64 text is over ten million characters, libxml2's usual cap on one
    # text node, while the document stays under the 10 MB the API takes.
    data = with_attachment(invoice("F-BIG"), b"%PDF-1.4\n" + b"0" * 7_700_000)
    assert len(data) < 10 * 1024 * 1024

    response = send(http, live_server, acme_key, data)

    assert response.status_code == 202, response.text
    document = Document.objects.outbox().get()
    assert document.size == len(data) and document.status != Status.REFUSED


@pytest.mark.parametrize("content_type", ["application/json", "application/problem+json",
                                          "application/x-www-form-urlencoded"])
def test_it_refuses_a_body_that_is_not_sent_as_xml(live_server, http, acme_key,
                                                   content_type):
    response = send(http, live_server, acme_key, invoice(), **{"Content-Type": content_type})

    assert response.status_code == 415
    assert response.headers["Content-Type"] == PROBLEM
    assert response.json()["type"].endswith(":not-xml")
    assert "Content-Type application/xml" in response.json()["detail"]
    assert not Document.objects.exists()


@pytest.mark.parametrize("body, words", [
    (b"", "no document"),
    (b"not xml", "This is not readable XML"),
    (b'<!DOCTYPE x [<!ENTITY e "e">]><Invoice>&e;</Invoice>', "DOCTYPE"),
])
def test_it_refuses_what_cannot_be_read_and_stores_nothing(live_server, http, acme_key, body,
                                                           words):
    response = send(http, live_server, acme_key, body)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == PROBLEM
    assert words in response.json()["detail"]
    assert not Document.objects.exists()


def test_it_shows_a_document_that_fails_the_rules_as_refused_with_the_messages(
        live_server, http, acme_key, receiver):
    response = send(http, live_server, acme_key, invoice(buyer_reference=""))

    assert response.status_code == 202
    status = call(http, "GET", live_server, response.headers["Location"], acme_key).json()
    assert status["status"] == "refused"
    assert status["valid"] is False
    assert "PEPPOL-EN16931-R003" in [m["rule_id"] for m in status["messages"]]
    assert not Document.objects.inbox().exists()


def test_it_refuses_to_send_for_an_identifier_that_is_not_the_organizations(
        live_server, http, acme_key, receiver):
    response = send(http, live_server, acme_key, invoice(supplier_kvk="11112222"))

    status = call(http, "GET", live_server, response.headers["Location"], acme_key).json()
    assert status["status"] == "refused"
    assert "0106:11112222" in status["status_reason"]


def test_it_lists_received_documents_newest_first_a_page_at_a_time(
        live_server, http, acme_key, receiver, receiver_key):
    for data in (invoice("F-1"), invoice("F-2"), with_attachment(invoice("F-3"))):
        assert send(http, live_server, acme_key, data).status_code == 202

    first = call(http, "GET", live_server, "/api/v1/inbox?page_size=2", receiver_key).json()
    assert [d["number"] for d in first["results"]] == ["F-3", "F-2"]
    assert [d["attachments"] for d in first["results"]] == [1, 0]
    second = http.get(first["next"], auth=auth(receiver_key), timeout=10).json()
    assert [d["number"] for d in second["results"]] == ["F-1"]
    assert second["next"] is None
    document = first["results"][0]
    assert document["sender"] == "0106:12345678"
    assert document["supplier_name"] == "Acme Trading BV"
    assert document["status"] == "received"
    assert document["download"] == f"/api/v1/inbox/{document['id']}/download"


@pytest.mark.parametrize("position", ["p=abc", "p=99999999999999999999999", "p=-1", "o=x"])
def test_it_refuses_a_cursor_it_did_not_give(live_server, http, receiver_key, position):
    import base64

    cursor = base64.b64encode(position.encode()).decode()

    response = call(http, "GET", live_server, f"/api/v1/inbox?cursor={cursor}", receiver_key)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "This is not a cursor the inbox gave" in response.text


def test_it_leaves_duplicates_out_unless_asked(live_server, http, acme_key, receiver,
                                              receiver_key):
    send(http, live_server, acme_key, invoice("F-1"))
    send(http, live_server, acme_key, invoice("F-1"))

    plain = call(http, "GET", live_server, "/api/v1/inbox", receiver_key).json()
    asked = call(http, "GET", live_server, "/api/v1/inbox?include_duplicates=true",
                 receiver_key).json()
    only = call(http, "GET", live_server, "/api/v1/inbox?status=duplicate",
                receiver_key).json()

    assert [d["status"] for d in plain["results"]] == ["received"]
    assert [d["status"] for d in asked["results"]] == ["duplicate", "received"]
    assert [d["status"] for d in only["results"]] == ["duplicate"]
    duplicate = only["results"][0]["id"]
    refused = call(http, "GET", live_server, f"/api/v1/inbox/{duplicate}/download",
                   receiver_key)
    assert refused.status_code == 409
    assert "duplicate" in refused.json()["detail"]
    marked = call(http, "POST", live_server, f"/api/v1/inbox/{duplicate}/downloaded",
                  receiver_key)
    assert marked.status_code == 409
    assert marked.json()["detail"] == "This document is held as a possible duplicate: mark " \
        "it as original first, in the portal."


def test_it_filters_received_documents_by_status_and_date(live_server, http, acme_key,
                                                          receiver, receiver_key):
    send(http, live_server, acme_key, invoice("F-1"))
    send(http, live_server, acme_key, invoice("F-2"))
    old = Document.objects.inbox().get(number="F-1")
    Document.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    old.mark_downloaded(None)
    since = (timezone.now() - timedelta(days=1)).isoformat()

    recent = call(http, "GET", live_server, "/api/v1/inbox", receiver_key,
                  params={"created_after": since}).json()
    earlier = call(http, "GET", live_server, "/api/v1/inbox", receiver_key,
                   params={"created_before": since}).json()
    downloaded = call(http, "GET", live_server, "/api/v1/inbox?status=downloaded",
                      receiver_key).json()
    wrong = call(http, "GET", live_server, "/api/v1/inbox?status=delivered", receiver_key)

    assert [d["number"] for d in recent["results"]] == ["F-2"]
    assert [d["number"] for d in earlier["results"]] == ["F-1"]
    assert [d["number"] for d in downloaded["results"]] == ["F-1"]
    assert wrong.status_code == 400
    assert wrong.headers["Content-Type"] == PROBLEM
    assert "status" in wrong.json()["errors"]


def test_it_reads_a_moment_with_any_offset_iso_8601_allows(live_server, http, acme_key,
                                                            receiver_key):
    send(http, live_server, acme_key, invoice("F-1"))
    # PostgreSQL itself refuses offsets beyond 15:59; the filter compares in UTC instead.
    answer = call(http, "GET", live_server, "/api/v1/inbox", receiver_key,
                  params={"created_after": "1506-01-21T23:58:09.17+16:06"})
    assert answer.status_code == 200
    assert [d["number"] for d in answer.json()["results"]] == ["F-1"]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_it_refuses_a_moment_outside_the_years_utc_has(live_server, http, receiver_key, moment):
    answer = call(http, "GET", live_server, "/api/v1/inbox", receiver_key,
                  params={"created_after": moment, "created_before": moment})

    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == PROBLEM
    assert answer.json()["errors"]["created_after"] == [
        "This moment lies outside the years 1 to 9999 in UTC."]


def test_it_downloads_a_received_document_byte_for_byte(live_server, http, receiver_key,
                                                       delivered):
    response = call(http, "GET", live_server, f"/api/v1/inbox/{delivered.pk}/download",
                    receiver_key, headers={"Accept": "application/xml"})

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml"
    assert response.content == bytes(delivered.content)
    assert "attachment" in response.headers["Content-Disposition"]


def test_it_marks_a_received_document_downloaded_once(live_server, http, receiver_key,
                                                     delivered):
    path = f"/api/v1/inbox/{delivered.pk}/downloaded"
    first = call(http, "POST", live_server, path, receiver_key)
    again = call(http, "POST", live_server, path, receiver_key)

    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == "downloaded"
    assert first.json()["downloaded_at"] is not None
    delivered.refresh_from_db()
    assert delivered.status == Status.DOWNLOADED
    assert delivered.events.filter(to_status=Status.DOWNLOADED).count() == 1
    assert delivered.events.get(to_status=Status.DOWNLOADED).actor_label == \
        f"connection key {receiver_key.key.app_key}"


def test_it_refuses_to_mark_a_rejected_document_downloaded(live_server, http, cast,
                                                          receiver_key, delivered):
    delivered.reject(cast.client_admin, "Wrong price")
    response = call(http, "POST", live_server, f"/api/v1/inbox/{delivered.pk}/downloaded",
                    receiver_key)

    assert response.status_code == 409
    assert "rejected" in response.json()["detail"]


def test_it_rejects_a_received_document_and_the_sender_reads_why(
        live_server, http, acme_key, receiver_key, delivered, cast):
    path = f"/api/v1/inbox/{delivered.pk}/rejected"
    first = call(http, "POST", live_server, path, receiver_key, json={"reason": " Wrong price "})
    again = call(http, "POST", live_server, path, receiver_key, json={"reason": "Once more"})

    assert first.status_code == again.status_code == 200
    assert (first.json()["status"], first.json()["status_reason"]) == ("rejected",
                                                                      "Wrong price")
    assert again.json()["status_reason"] == "Wrong price"
    assert delivered.events.get(to_status=Status.REJECTED).actor_label == \
        f"connection key {receiver_key.key.app_key}"
    sent = call(http, "GET", live_server, f"/api/v1/documents/{delivered.source_id}",
                acme_key).json()
    assert sent["status"] == "rejected"
    assert sent["status_reason"] == "Rejected by Bakery Client BV: Wrong price"
    [told] = mails_to(cast.admin.email)
    assert "Bakery Client BV rejected document" in told.subject


@pytest.mark.parametrize("body", [{}, {"reason": "   "}, {"reason": "x" * 401}])
def test_it_refuses_a_rejection_without_a_fitting_reason_and_changes_nothing(
        live_server, http, receiver_key, delivered, body):
    response = call(http, "POST", live_server, f"/api/v1/inbox/{delivered.pk}/rejected",
                    receiver_key, json=body)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == PROBLEM
    assert "reason" in response.text
    delivered.refresh_from_db()
    assert delivered.status == Status.RECEIVED


def test_it_answers_409_when_the_document_is_deleted_while_it_is_rejected(
        live_server, http, receiver_key, delivered, monkeypatch):
    locked = Document.locked

    def deleted_meanwhile(self, **kwargs):
        Document.objects.filter(pk=self.pk).delete()
        return locked(self, **kwargs)

    monkeypatch.setattr(Document, "locked", deleted_meanwhile)
    response = call(http, "POST", live_server, f"/api/v1/inbox/{delivered.pk}/rejected",
                    receiver_key, json={"reason": "Wrong price"})

    assert response.status_code == 409
    assert response.headers["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "This document was deleted meanwhile."


def test_it_sets_a_processing_status_the_sender_follows(live_server, http, acme_key,
                                                       receiver_key, delivered):
    path = f"/api/v1/inbox/{delivered.pk}/status"
    review = call(http, "POST", live_server, path, receiver_key,
                  json={"status": "under_review"})
    again = call(http, "POST", live_server, path, receiver_key,
                 json={"status": "under_review"})
    sent_path = f"/api/v1/documents/{delivered.source_id}"
    reviewing = call(http, "GET", live_server, sent_path, acme_key).json()
    paid = call(http, "POST", live_server, path, receiver_key, json={"status": "paid"})

    assert review.status_code == again.status_code == paid.status_code == 200
    assert (review.json()["status"], paid.json()["status"]) == ("under_review", "paid")
    assert delivered.events.filter(to_status=Status.UNDER_REVIEW).count() == 1
    assert delivered.events.get(to_status=Status.PAID).actor_label == \
        f"connection key {receiver_key.key.app_key}"
    assert (reviewing["status"], reviewing["status_reason"]) == (
        "under_review", "Bakery Client BV: Under review")
    assert call(http, "GET", live_server, sent_path, acme_key).json()["status"] == "paid"
    listed = call(http, "GET", live_server, "/api/v1/inbox?status=paid", receiver_key).json()
    assert [d["id"] for d in listed["results"]] == [delivered.pk]


@pytest.mark.parametrize("body", [{}, {"status": "delivered"}, {"status": "rejected"}])
def test_it_refuses_a_status_that_is_not_a_processing_status(live_server, http,
                                                            receiver_key, delivered, body):
    response = call(http, "POST", live_server, f"/api/v1/inbox/{delivered.pk}/status",
                    receiver_key, json=body)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == PROBLEM
    assert "status" in response.json()["errors"]
    delivered.refresh_from_db()
    assert delivered.status == Status.RECEIVED


def test_it_answers_409_to_a_processing_status_for_a_rejected_document(
        live_server, http, cast, receiver_key, acme_key, delivered):
    delivered.reject(cast.client_admin, "Wrong price")
    response = call(http, "POST", live_server, f"/api/v1/inbox/{delivered.pk}/status",
                    receiver_key, json={"status": "paid"})
    # Nor can the sender set it on its own copy: the path is the receiver's.
    sender_side = call(http, "POST", live_server,
                       f"/api/v1/inbox/{delivered.source_id}/status", acme_key,
                       json={"status": "paid"})

    assert response.status_code == 409
    assert response.headers["Content-Type"] == PROBLEM
    assert "rejected" in response.json()["detail"]
    assert sender_side.status_code == 404


def test_it_deletes_a_received_document_and_keeps_that_in_the_audit_log(
        live_server, http, receiver_key, delivered):
    path = f"/api/v1/inbox/{delivered.pk}"
    assert call(http, "GET", live_server, path, receiver_key).json()["id"] == delivered.pk
    response = call(http, "DELETE", live_server, path, receiver_key)

    assert response.status_code == 204
    assert not Document.objects.filter(pk=delivered.pk).exists()
    event = AuditEvent.objects.get(action="document.deleted")
    assert event.target_id == str(delivered.pk)
    assert event.actor_label == f"connection key {receiver_key.key.app_key}"
    assert call(http, "DELETE", live_server, path, receiver_key).status_code == 404


def test_it_never_lets_a_key_reach_another_organizations_document(
        live_server, http, acme_key, receiver_key, delivered):
    sent = Document.objects.outbox().get()
    attempts = [
        ("GET", f"/api/v1/inbox/{delivered.pk}"),
        ("GET", f"/api/v1/inbox/{delivered.pk}/download"),
        ("POST", f"/api/v1/inbox/{delivered.pk}/downloaded"),
        ("POST", f"/api/v1/inbox/{delivered.pk}/rejected"),
        ("DELETE", f"/api/v1/inbox/{delivered.pk}"),
    ]
    for method, path in attempts:
        response = call(http, method, live_server, path, acme_key)
        assert response.status_code == 404, path
        assert response.headers["Content-Type"] == PROBLEM
    assert call(http, "GET", live_server, f"/api/v1/documents/{sent.pk}",
                receiver_key).status_code == 404
    # A received document is not a sent one, even for its own organization.
    assert call(http, "GET", live_server, f"/api/v1/documents/{delivered.pk}",
                receiver_key).status_code == 404
    assert call(http, "GET", live_server, "/api/v1/inbox", acme_key).json()["results"] == []
    assert call(http, "GET", live_server, f"/api/v1/inbox/{2 ** 70}",
                acme_key).status_code == 404
    delivered.refresh_from_db()
    assert delivered.status == Status.RECEIVED


def test_it_tells_who_can_receive_on_the_platform_and_over_peppol(live_server, http,
                                                                  settings, acme_key,
                                                                  receiver):
    with PeppolNetwork() as network:
        network.register("0106", "55556666", [INVOICE_DOCUMENT_TYPE])
        sml = network.sml_settings()
        settings.PEPPOL_SML_ZONE = sml["zone"]
        settings.PEPPOL_DNS_SERVERS = sml["nameservers"]
        settings.PEPPOL_DNS_PORT = sml["port"]
        response = call(http, "POST", live_server, "/api/v1/recipients", acme_key, json={
            "identifiers": ["0106: 87654321", "0106:55556666", "0106:99998888", "0106:1"]})

    assert response.status_code == 200
    platform, peppol, nowhere, invalid = response.json()
    # Each answer names the id as asked, and as the platform writes it.
    assert (platform["asked"], platform["identifier"]) == ("0106: 87654321", "0106:87654321")
    assert invalid["asked"] == "0106:1"
    assert (platform["platform"], platform["peppol"], platform["reachable"]) == (
        True, False, True)
    assert INVOICE_DOCUMENT_TYPE in platform["document_types"]
    assert (peppol["platform"], peppol["peppol"]) == (False, True)
    assert peppol["document_types"] == [INVOICE_DOCUMENT_TYPE]
    assert (nowhere["reachable"], nowhere["error"]) == (False, "")
    assert invalid["valid"] is False and invalid["error"]


def test_it_refuses_a_recipient_query_without_identifiers(live_server, http, acme_key):
    response = call(http, "POST", live_server, "/api/v1/recipients", acme_key,
                    json={"identifiers": []})

    assert response.status_code == 400
    assert response.headers["Content-Type"] == PROBLEM


def test_it_asks_for_a_key_on_every_documents_endpoint(live_server, http):
    for method, path in [("POST", "/api/v1/documents"), ("GET", "/api/v1/documents/1"),
                         ("GET", "/api/v1/inbox"), ("GET", "/api/v1/inbox/1/download"),
                         ("POST", "/api/v1/recipients")]:
        response = http.request(method, f"{live_server.url}{path}", timeout=10)
        assert response.status_code == 401, path
        assert response.headers["Content-Type"] == PROBLEM


def test_it_limits_the_rate_of_a_key_as_for_the_rest_of_the_api(live_server, http,
                                                                 settings, acme_key):
    settings.API_RATE_LIMIT = "2/min"
    answers = [get(http, live_server, "/api/v1/inbox", acme_key).status_code
               for _ in range(3)]

    assert answers == [200, 200, 429]
    assert send(http, live_server, acme_key, invoice()).status_code == 429
    assert not Document.objects.exists()


def document_urls():
    """Every documents API address that takes a document id, with the methods it answers."""
    from invoices.api import urls

    found = []
    for pattern in urls.urlpatterns:
        if "<int:pk>" in str(pattern.pattern):
            view = pattern.callback.view_class
            methods = [m.upper() for m in ("get", "post", "delete")
                       if hasattr(view, m) and m in view.http_method_names]
            found.append((pattern.name, methods))
    return found


def test_it_answers_404_on_every_document_address_to_another_organizations_key(
        live_server, http, acme_key, receiver_key, delivered):
    from django.urls import reverse

    sent = Document.objects.outbox().get()
    urls = document_urls()
    assert len(urls) >= 4
    for name, methods in urls:
        for document in (sent, delivered):
            owner_key = acme_key if document == sent else receiver_key
            stranger = receiver_key if owner_key is acme_key else acme_key
            # The service broker's paths name the caller's own organization.
            party = {"party_id": stranger.key.organization.company_id} \
                if name.startswith("broker-") else {}
            path = reverse(f"documents_api:{name}", kwargs={"pk": document.pk, **party})
            for method in methods:
                response = call(http, method, live_server, path, stranger)
                assert response.status_code == 404, (method, path)
    assert Document.objects.count() == 2
    delivered.refresh_from_db()
    assert delivered.status == Status.RECEIVED


def test_it_says_which_types_it_answers_in(live_server, http, acme_key):
    html = call(http, "GET", live_server, "/api/v1/inbox", acme_key,
                headers={"Accept": "text/html"})

    assert html.status_code == 406, html.text
    assert html.headers["Content-Type"] == PROBLEM
    assert "application/json" in html.json()["detail"]
