"""The receiver's processing status of a received invoice (under review, approved, …, paid),
and what the sender on the platform sees of it."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from invoices.models import Direction, Document, Status
from portal.errors import ChangeRefused
from tests.conftest import sign_in, text
from tests.invoices.conftest import invoice, received_over_peppol

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(client, post, cast, sender, receiver):
    """An invoice sent in the portal by the sender and delivered to the receiver here:
    (the sender's copy, the receiver's copy)."""
    sign_in(client, cast.admin)
    post(f"/organizations/{sender.pk}/documents/upload/",
         {"file": SimpleUploadedFile("invoice.xml", invoice("F-70"), content_type="text/xml")})
    client.logout()
    return (Document.objects.get(direction=Direction.OUTGOING),
            Document.objects.get(direction=Direction.INCOMING))


def test_it_moves_a_received_invoice_through_the_processing_statuses(delivered, cast):
    sent, received = delivered

    assert received.set_processing_status(cast.client_admin, Status.UNDER_REVIEW) is True
    assert received.set_processing_status(cast.client_admin, Status.UNDER_REVIEW) is False
    assert received.set_processing_status(cast.client_admin, Status.APPROVED_FOR_PAYMENT)
    # Set too soon: it may go back a step.
    assert received.set_processing_status(cast.client_admin, Status.APPROVED)
    assert received.set_processing_status(cast.client_admin, Status.PAID)

    received.refresh_from_db()
    assert received.status == Status.PAID
    assert [e.to_status for e in received.events.all()] == [
        Status.RECEIVED, Status.UNDER_REVIEW, Status.APPROVED_FOR_PAYMENT, Status.APPROVED,
        Status.PAID]
    assert received.events.last().actor == cast.client_admin
    # Paid is too late to reject.
    with pytest.raises(ChangeRefused):
        received.reject(cast.client_admin, "Wrong amount")


def test_it_shows_the_sender_under_review_and_paid_with_the_receivers_word(delivered, cast):
    sent, received = delivered

    received.set_processing_status(cast.client_admin, Status.UNDER_REVIEW)
    sent.refresh_from_db()
    assert (sent.status, sent.status_reason) == (Status.UNDER_REVIEW,
                                                 "Bakery Client BV: Under review")
    # The outbox knows no "approved": the sender's copy stays under review, and its
    # history and reason name the receiver's own word.
    received.set_processing_status(cast.client_admin, Status.APPROVED_FOR_PAYMENT)
    sent.refresh_from_db()
    assert (sent.status, sent.status_reason) == (Status.UNDER_REVIEW,
                                                 "Bakery Client BV: Approved for payment")
    received.set_processing_status(cast.client_admin, Status.PAID)
    sent.refresh_from_db()
    assert sent.status == Status.PAID
    assert [(e.from_status, e.to_status, e.actor_label, e.detail)
            for e in sent.events.filter(actor_label="Bakery Client BV")] == [
        (Status.DELIVERED, Status.UNDER_REVIEW, "Bakery Client BV",
         "Bakery Client BV: Under review"),
        (Status.UNDER_REVIEW, Status.UNDER_REVIEW, "Bakery Client BV",
         "Bakery Client BV: Approved for payment"),
        (Status.UNDER_REVIEW, Status.PAID, "Bakery Client BV", "Bakery Client BV: Paid")]
    # Read in Dutch, the receiver's word is said again in Dutch.
    with translation.override("nl"):
        assert sent.events.last().detail_shown == "Bakery Client BV: Betaald"


def test_it_lets_the_receiver_reject_while_processing_and_tells_the_sender(delivered, cast):
    sent, received = delivered
    received.set_processing_status(cast.client_admin, Status.APPROVED)

    assert received.reject(cast.client_admin, "Wrong order number") is True

    sent.refresh_from_db()
    assert (sent.status, sent.status_reason) == (
        Status.REJECTED, "Rejected by Bakery Client BV: Wrong order number")
    with pytest.raises(ChangeRefused):
        received.set_processing_status(cast.client_admin, Status.PAID)


def test_it_refuses_a_status_that_is_not_a_processing_status(delivered, cast):
    _sent, received = delivered
    for status in (Status.DELIVERED, Status.DOWNLOADED, Status.REJECTED, "lost"):
        with pytest.raises(ChangeRefused) as refused:
            received.set_processing_status(cast.client_admin, status)
        assert refused.value.field == "status"
    received.refresh_from_db()
    assert received.status == Status.RECEIVED and received.events.count() == 1


def test_it_takes_no_processing_status_on_a_held_duplicate(receiver):
    held = received_over_peppol(receiver, "F-71", Status.DUPLICATE)
    assert not held.may_be_processed
    with pytest.raises(ChangeRefused):
        held.set_processing_status(None, Status.UNDER_REVIEW)
    held.refresh_from_db()
    assert held.status == Status.DUPLICATE


def test_it_sets_a_processing_status_in_the_portal(client, post, delivered, cast):
    sent, received = delivered
    url = f"/documents/{received.pk}/status/"
    sign_in(client, cast.client_admin)
    page = client.get(f"/documents/{received.pk}/").content.decode()
    assert f'href="{url}" id="set-status"' in page
    form = text(client.get(url))
    assert "The sender sends through this platform" in form
    assert re.search(r'id="seen-approved_for_payment">The sender sees: under review.<', form)

    response = post(url, {"status": "approved_for_payment"})

    assert response.status_code == 302 and response.url == f"/documents/{received.pk}/"
    page = text(client.get(response.url))
    assert "F-70 is now approved for payment." in page
    assert re.search(r'id="document-status">Approved for payment<', page)
    # An unknown status changes nothing and says why.
    refused = post(url, {"status": "delivered"})
    assert "Choose one of the processing statuses." in text(client.get(refused.url))
    received.refresh_from_db()
    assert received.status == Status.APPROVED_FOR_PAYMENT
    # The sender reads it on its copy.
    sign_in(client, cast.admin)
    assert 'id="set-status"' not in client.get(f"/documents/{sent.pk}/").content.decode()
    sent_page = text(client.get(f"/documents/{sent.pk}/"))
    assert re.search(r'id="processing-notice"><strong>From the receiver:</strong> Bakery '
                     r"Client BV: Approved for payment<", sent_page)
    outbox = text(client.get(f"/organizations/{sent.organization_id}/outbox/"
                             "?status=under_review"))
    assert "F-70" in outbox


def test_it_says_who_sees_the_status_and_starts_from_where_it_is(client, post, cast, sender):
    received = received_over_peppol(sender, "F-72")
    url = f"/documents/{received.pk}/status/"
    # Received over Peppol: only the receiver's organization sees the status.
    sign_in(client, cast.admin)
    assert "only your organization sees the status" in text(client.get(url))
    post(url, {"status": "paid"})
    received.refresh_from_db()
    assert received.status == Status.PAID
    # Paid may still go back a step, and the form starts from where it is.
    assert 'value="paid" id="status-paid" required checked' in client.get(url).content.decode()
    # Rejected takes no processing status any more.
    Document.objects.filter(pk=received.pk).update(status=Status.REJECTED)
    assert "This document is rejected: it takes no processing status." in text(
        client.get(url))


def test_it_lets_software_mark_downloaded_after_a_status_was_set_without_a_fault(delivered,
                                                                                cast):
    _sent, received = delivered
    received.set_processing_status(cast.client_admin, Status.UNDER_REVIEW)
    arrived_keep = received.keep_until

    assert received.mark_downloaded(None, actor_label="connection key AK") is False

    received.refresh_from_db()
    assert (received.status, received.keep_until) == (Status.UNDER_REVIEW, arrived_keep)
    assert not received.events.filter(to_status=Status.DOWNLOADED).exists()


def test_it_opens_a_fetched_invoice_when_a_person_reads_it_and_tells_the_sender(
        client, delivered, cast):
    sent, received = delivered
    received.mark_downloaded(None, actor_label="connection key AK")
    sign_in(client, cast.client_admin)

    page = text(client.get(f"/documents/{received.pk}/"))

    assert re.search(r'id="document-status">Opened<', page)
    received.refresh_from_db()
    assert received.status == Status.OPENED
    assert received.events.last().actor == cast.client_admin
    sent.refresh_from_db()
    assert (sent.status, sent.status_reason) == (Status.OPENED, "Bakery Client BV: Opened")
    # Reading it again, or its file, records nothing more.
    client.get(f"/documents/{received.pk}/")
    assert client.get(f"/documents/{received.pk}/ubl/").status_code == 200
    assert received.events.filter(to_status=Status.OPENED).count() == 1
    # The sender's outbox lists it as opened.
    sign_in(client, cast.admin)
    outbox = text(client.get(f"/organizations/{sent.organization_id}/outbox/?status=opened"))
    assert "F-70" in outbox


def test_it_keeps_an_unfetched_invoice_new_for_the_software_when_a_person_reads_it(
        client, delivered, cast):
    sent, received = delivered
    sign_in(client, cast.client_admin)

    client.get(f"/documents/{received.pk}/")
    assert client.get(f"/documents/{received.pk}/ubl/").status_code == 200

    received.refresh_from_db()
    assert received.status == Status.RECEIVED
    assert Document.objects.awaiting_fetching().filter(pk=received.pk).exists()
    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED


def test_it_opens_a_fetched_invoice_by_its_file_and_leaves_one_further_on(
        client, delivered, cast, receiver):
    _sent, received = delivered
    received.mark_downloaded(None)
    further = received_over_peppol(receiver, "F-73")
    further.mark_downloaded(None)
    further.set_processing_status(cast.client_admin, Status.APPROVED)
    sign_in(client, cast.client_admin)

    assert client.get(f"/documents/{received.pk}/ubl/").status_code == 200
    client.get(f"/documents/{further.pk}/")

    received.refresh_from_db()
    further.refresh_from_db()
    assert (received.status, further.status) == (Status.OPENED, Status.APPROVED)


def test_it_does_not_open_an_invoice_for_a_prefetch_a_head_or_a_missing_attachment(
        client, delivered, cast):
    _sent, received = delivered
    received.mark_downloaded(None)
    sign_in(client, cast.client_admin)
    url = f"/documents/{received.pk}/"

    # A browser fetching pages ahead in case they are read, and one asking for headers only.
    assert client.get(url, headers={"Sec-Purpose": "prefetch"}).status_code == 200
    assert client.get(url, headers={"Purpose": "prefetch"}).status_code == 200
    assert client.head(url).status_code == 200
    assert client.get(f"{url}attachments/9/").status_code == 404

    received.refresh_from_db()
    assert received.status == Status.DOWNLOADED
    assert not received.events.filter(to_status=Status.OPENED).exists()


def test_it_does_not_open_an_invoice_that_techsupport_reads(client, delivered, cast):
    _sent, received = delivered
    received.mark_downloaded(None)
    client.force_login(cast.techsupport)

    assert client.get(f"/staff/documents/{received.pk}/").status_code == 200

    received.refresh_from_db()
    assert received.status == Status.DOWNLOADED


def test_a_second_window_hears_that_the_status_was_set_already(client, post, delivered,
                                                              cast):
    _sent, received = delivered
    sign_in(client, cast.client_admin)
    url = f"/documents/{received.pk}/status/"
    first = post(url, {"status": Status.APPROVED})
    assert "F-70 is now approved." in text(client.get(first.url))
    again = post(url, {"status": Status.APPROVED})
    assert "Nothing was changed: F-70 is approved already." in text(client.get(again.url))
