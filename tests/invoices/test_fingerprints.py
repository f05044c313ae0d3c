"""A received document that is deleted or purged leaves a fingerprint, so the same invoice
sent again is still held as a possible duplicate rather than booked a second time."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from invoices.models import Channel, Direction, Document, ReceivedFingerprint, Status
from invoices.retention import purge_due
from invoices.transport.receiving import store_incoming
from onboarding.models import ConnectionKey, Software
from tests.api.conftest import acme, acme_key, http  # noqa: F401 - fixtures
from tests.invoices.conftest import invoice

pytestmark = pytest.mark.django_db

SUPPLIER = "0106:12345678"


def arrive(organization, number="F-1", document_type="invoice", issue_date=date(2026, 11, 30)):
    return store_incoming(organization, invoice(number), channel=Channel.PEPPOL,
                          actor_label="test", fields={
                              "supplier_id": SUPPLIER, "number": number,
                              "issue_date": issue_date, "document_type": document_type})


def held_because(document):
    return document.events.get().detail_shown


def deleted_reason(document):
    day = date_format(timezone.localdate(document.created_at), "DATE_FORMAT")
    return (f"Same supplier, number and issue date as a document received on {day} and since "
            "deleted.")


def age(document, days):
    Document.objects.filter(pk=document.pk).update(
        created_at=timezone.now() - timedelta(days=days),
        keep_until=timezone.now() - timedelta(days=days) + timedelta(days=90))
    document.refresh_from_db()


@pytest.mark.django_db(transaction=True)
def test_it_holds_an_invoice_sent_again_after_the_receivers_software_deleted_it(
        live_server, http, acme_key, receiver, cast):  # noqa: F811
    receiver_key = ConnectionKey.issue(organization=receiver, software=Software.AFAS,
                                       by=cast.client_admin)
    receiver_auth = (receiver_key.key.app_key, receiver_key.secret)

    def send():
        response = http.post(f"{live_server.url}/api/v1/documents", data=invoice("F-77"),
                             auth=(acme_key.key.app_key, acme_key.secret), timeout=60,
                             headers={"Content-Type": "application/xml"})
        assert response.status_code == 202, response.text

    def inbox(query=""):
        return http.get(f"{live_server.url}/api/v1/inbox{query}", auth=receiver_auth,
                        timeout=30).json()["results"]

    send()
    first = Document.objects.inbox().get()
    assert [d["id"] for d in inbox()] == [first.pk]
    deleted = http.delete(f"{live_server.url}/api/v1/inbox/{first.pk}", auth=receiver_auth,
                          timeout=30)
    assert deleted.status_code == 204
    assert not Document.objects.inbox().exists()

    send()

    again = Document.objects.inbox().get()
    assert again.status == Status.DUPLICATE
    assert held_because(again) == deleted_reason(first)
    # The receiver's software is not offered it, and sees why it is held when it asks.
    assert inbox() == []
    [held] = inbox("?include_duplicates=true")
    assert held["id"] == again.pk and held["status"] == "duplicate"


def test_it_holds_an_invoice_sent_again_after_it_was_purged(receiver):
    first = arrive(receiver)
    age(first, 91)
    assert purge_due() == 1
    assert not Document.objects.exists()

    again = arrive(receiver)

    assert again.status == Status.DUPLICATE
    assert again.status_reason == ("Possible duplicate: not offered for download until it is "
                                   "marked as original.")
    assert held_because(again) == deleted_reason(first)


def test_it_keeps_only_what_the_duplicate_check_needs(receiver):
    first = arrive(receiver, document_type="credit_note")
    assert first.discard(None)

    fingerprint = ReceivedFingerprint.objects.get()
    assert (fingerprint.organization, fingerprint.supplier_id, fingerprint.number,
            fingerprint.issue_date, fingerprint.document_type, fingerprint.received_at) == (
        receiver, SUPPLIER, "F-1", date(2026, 11, 30), "credit_note", first.created_at)
    assert fingerprint.forgotten_at >= first.created_at
    # An invoice is not a copy of a credit note with its number, nor is another number or day.
    assert arrive(receiver, document_type="invoice").status == Status.RECEIVED
    assert arrive(receiver, "F-2", document_type="credit_note").status == Status.RECEIVED
    assert arrive(receiver, document_type="credit_note",
                  issue_date=date(2026, 12, 1)).status == Status.RECEIVED
    assert arrive(receiver, document_type="credit_note").status == Status.DUPLICATE


def test_it_says_an_earlier_document_that_is_still_there_first(receiver, cast):
    first, released = arrive(receiver), arrive(receiver)
    released.mark_original(cast.client_admin, "Delivered twice on purpose")
    first.discard(None)
    assert ReceivedFingerprint.objects.count() == 1

    assert held_because(arrive(receiver)) == ("Same supplier, number and issue date as a "
                                              "document received earlier.")


def test_it_leaves_no_fingerprint_of_a_rejected_document(receiver, cast):
    rejected = arrive(receiver)
    rejected.reject(cast.client_admin, "Not ours")
    rejected.discard(None)
    purged = arrive(receiver, "F-2")
    purged.reject(cast.client_admin, "Not ours either")
    age(purged, 91)
    assert purge_due() == 1

    assert not ReceivedFingerprint.objects.exists()
    assert arrive(receiver).status == Status.RECEIVED
    assert arrive(receiver, "F-2").status == Status.RECEIVED


def test_it_leaves_no_fingerprint_of_a_duplicate_whose_original_is_still_known(receiver):
    original = arrive(receiver)
    held = arrive(receiver)
    held.discard(None)
    assert not ReceivedFingerprint.objects.exists()

    original.discard(None)
    resent = arrive(receiver)
    resent.discard(None)

    assert ReceivedFingerprint.objects.count() == 1
    assert arrive(receiver).status == Status.DUPLICATE


def test_it_remembers_an_original_and_its_duplicate_purged_together_once(receiver):
    original, held = arrive(receiver), arrive(receiver)
    age(original, 92)
    age(held, 91)

    assert purge_due() == 2

    fingerprint = ReceivedFingerprint.objects.get()
    assert fingerprint.received_at == original.created_at
    assert held_because(arrive(receiver)) == deleted_reason(original)


def test_it_remembers_a_document_that_came_after_a_rejected_copy(receiver, cast):
    arrive(receiver).reject(cast.client_admin, "Wrong amount")
    second = arrive(receiver)
    assert second.status == Status.RECEIVED
    second.discard(None)

    assert held_because(arrive(receiver)) == deleted_reason(second)


def test_it_forgets_a_fingerprint_after_its_time(receiver, settings):
    settings.DOCUMENT_FINGERPRINT_DAYS = 730
    expired, kept = arrive(receiver), arrive(receiver, "F-2")
    expired.discard(None)
    kept.discard(None)
    ReceivedFingerprint.objects.filter(number="F-1").update(
        forgotten_at=timezone.now() - timedelta(days=731))
    ReceivedFingerprint.objects.filter(number="F-2").update(
        forgotten_at=timezone.now() - timedelta(days=729))

    assert purge_due() == 0

    assert list(ReceivedFingerprint.objects.values_list("number", flat=True)) == ["F-2"]
    assert arrive(receiver).status == Status.RECEIVED
    assert arrive(receiver, "F-2").status == Status.DUPLICATE


def test_it_never_counts_an_expired_fingerprint_the_purge_did_not_reach_yet(receiver,
                                                                            settings):
    settings.DOCUMENT_FINGERPRINT_DAYS = 30
    arrive(receiver).discard(None)
    ReceivedFingerprint.objects.update(forgotten_at=timezone.now() - timedelta(days=31))

    assert arrive(receiver).status == Status.RECEIVED


def test_it_never_holds_an_invoice_for_another_organizations_fingerprint(receiver, cast):
    from tests.invoices.conftest import make_sender

    other = make_sender(cast)
    arrive(receiver).discard(None)

    assert arrive(other).status == Status.RECEIVED
    assert ReceivedFingerprint.objects.get().organization == receiver


def test_it_forgets_the_fingerprints_with_their_organization(receiver, cast):
    arrive(receiver).discard(None)
    receiver.deactivate(cast.client_admin)
    receiver.delete_by(cast.client_admin, receiver.name)

    assert not ReceivedFingerprint.objects.exists()


def test_it_writes_the_fingerprint_with_the_deletion_or_not_at_all(receiver, monkeypatch):
    document = arrive(receiver)

    def fails(self, *args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Document, "delete", fails)
    with pytest.raises(RuntimeError):
        document.discard(None)

    assert not ReceivedFingerprint.objects.exists()
    assert Document.objects.filter(pk=document.pk, direction=Direction.INCOMING).exists()
