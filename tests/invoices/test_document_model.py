"""Each status change of a document: locked, idempotent, audited, and only from where it may
happen; the history only grows."""

from datetime import date

import pytest

from invoices.models import Channel, Direction, Document, DocumentEvent, Status
from onboarding.models import AuditEvent
from portal.errors import ChangeRefused
from tests.invoices.conftest import invoice

pytestmark = pytest.mark.django_db


def outgoing(org, status=Status.CREATED):
    return Document.store(organization=org, direction=Direction.OUTGOING, status=status,
                          content=invoice(), channel=Channel.TEST)


def incoming(org, status=Status.RECEIVED):
    return Document.store(organization=org, direction=Direction.INCOMING, status=status,
                          content=invoice(), channel=Channel.PLATFORM, number="F-1")


def test_it_queues_once_and_gives_one_delivery_id(sender, cast):
    document = outgoing(sender)
    assert document.queue(cast.admin) is True
    delivery_id = document.delivery_id
    assert delivery_id is not None
    assert document.queue(cast.admin) is False
    document.refresh_from_db()
    assert document.delivery_id == delivery_id
    assert document.events.filter(to_status=Status.QUEUED).count() == 1
    assert AuditEvent.objects.filter(action="document.queued", actor=cast.admin).count() == 1


def test_it_refuses_steps_that_do_not_follow(sender, cast):
    document = outgoing(sender)
    with pytest.raises(ChangeRefused):
        document.mark_delivered(None, "too early")
    document.refuse(None, "Fails BR-01")
    with pytest.raises(ChangeRefused):
        document.queue(cast.admin)
    document.refresh_from_db()
    assert (document.status, document.status_reason) == (Status.REFUSED, "Fails BR-01")


def test_it_records_a_failed_delivery_and_a_later_success(sender):
    document = outgoing(sender)
    document.queue(None)
    assert document.mark_delivery_failed(None, "Access point did not answer") is True
    assert document.mark_delivered(None, "Receipt received") is True
    assert [e.to_status for e in document.events.all()] == [
        Status.CREATED, Status.QUEUED, Status.DELIVERY_FAILED, Status.DELIVERED]
    assert document.events.last().actor_label == "system"


def test_it_marks_a_received_document_downloaded_and_keeps_it_a_week_more(receiver, settings):
    document = incoming(receiver)
    arrived_keep = document.keep_until
    assert document.mark_downloaded(None, actor_label="API: AFAS") is True
    assert document.mark_downloaded(None) is False
    document.refresh_from_db()
    assert document.status == Status.DOWNLOADED
    assert document.keep_until < arrived_keep
    assert (document.keep_until - document.downloaded_at).days == 7


def test_it_does_not_offer_a_duplicate_for_download(receiver):
    document = incoming(receiver, Status.DUPLICATE)
    with pytest.raises(ChangeRefused):
        document.mark_downloaded(None)
    assert not Document.objects.offered().exists()


def test_it_rejects_with_a_reason(receiver, cast):
    document = incoming(receiver)
    with pytest.raises(ChangeRefused):
        document.reject(cast.client_admin, "")
    assert document.reject(cast.client_admin, "Wrong customer") is True
    assert document.status == Status.REJECTED


def test_it_refuses_a_reason_longer_than_a_status_line_shows(receiver):
    document = incoming(receiver)
    with pytest.raises(ChangeRefused) as refused:
        document.reject(None, "x" * 401)
    assert refused.value.field == "reason" and "it has 401" in refused.value.message
    document.refresh_from_db()
    assert document.status == Status.RECEIVED and not document.events.filter(
        to_status=Status.REJECTED).exists()


def test_it_refuses_a_reason_that_cannot_be_stored_next_to_the_field(receiver, cast):
    rejected, held = incoming(receiver), incoming(receiver, Status.DUPLICATE)

    for step in (lambda: rejected.reject(None, "a\x00b"),
                 lambda: held.mark_original(cast.client_admin, "a\x00b")):
        with pytest.raises(ChangeRefused) as refused:
            step()
        assert (refused.value.field, refused.value.message) == (
            "reason", "Null characters are not allowed.")
    assert not DocumentEvent.objects.filter(to_status__in=(Status.REJECTED,
                                                           Status.RECEIVED)).exclude(
        from_status="").exists()


def test_it_leaves_a_sent_copy_that_is_not_delivered_as_it_is(sender, receiver):
    sent = outgoing(sender)
    sent.queue(None)
    copy = Document.store(organization=receiver, direction=Direction.INCOMING,
                          status=Status.RECEIVED, content=invoice(), channel=Channel.PLATFORM,
                          source=sent)

    assert copy.reject(None, "Not ours", actor_label="API: AFAS") is True
    sent.refresh_from_db()
    assert sent.status == Status.QUEUED
    assert not sent.events.filter(to_status=Status.REJECTED).exists()


def test_it_refuses_a_step_on_a_document_deleted_meanwhile(receiver):
    document = incoming(receiver)
    Document.objects.filter(pk=document.pk).delete()

    for step in (lambda: document.mark_downloaded(None), lambda: document.reject(None, "No")):
        with pytest.raises(ChangeRefused, match="deleted meanwhile"):
            step()
    assert not AuditEvent.objects.filter(action__in=("document.downloaded",
                                                     "document.rejected")).exists()


def test_it_never_changes_a_history_entry(sender):
    event = outgoing(sender).events.get()
    event.detail = "rewritten"
    with pytest.raises(ValueError):
        event.save()
    assert DocumentEvent.objects.get(pk=event.pk).detail == ""


def test_it_keeps_a_retry_note_to_say_again_in_another_language(sender):
    from django.utils import timezone
    from django.utils.translation import override

    from invoices.peppol.smp import NOT_ON_PEPPOL
    from portal.said import Said

    document = outgoing(sender)
    document.queue(None)
    document.note_delivery_retry(2, Said(NOT_ON_PEPPOL), timezone.now())

    document = Document.objects.get(pk=document.pk)
    event = document.events.last()
    assert document.status_reason.startswith(
        "Attempt 2 failed: The receiver is not on the Peppol network. The next attempt is at ")
    assert event.detail == document.status_reason
    with override("nl"):
        assert document.reason_shown.startswith(
            "Poging 2 is mislukt: De ontvanger is niet aangesloten op het Peppol-netwerk. "
            "De volgende poging is om ")
        assert event.detail_shown == document.reason_shown
    with override("en"):
        assert document.reason_shown == document.status_reason


def test_it_shows_plain_reasons_as_they_were_given(sender):
    from django.utils.translation import override

    document = outgoing(sender)
    document.refuse(None, "Fails BR-01")

    document = Document.objects.get(pk=document.pk)
    assert document.reason_said is None
    with override("nl"):
        assert document.reason_shown == "Fails BR-01"
        assert document.events.last().detail_shown == "Fails BR-01"


def test_a_held_duplicate_names_the_earlier_documents_the_check_on_arrival_found(receiver,
                                                                                   sender,
                                                                                   cast):
    from invoices.transport.receiving import store_incoming

    def arrive(organization, number="F-1"):
        return store_incoming(organization, invoice(number), channel=Channel.PEPPOL,
                              actor_label="test", fields={
                                  "supplier_id": "0106:12345678", "number": number,
                                  "issue_date": date(2026, 11, 30)})

    rejected_before = arrive(receiver)
    rejected_before.reject(cast.client_admin, "Wrong customer")
    first = arrive(receiver)
    arrive(receiver, "F-2")
    arrive(sender)
    held = arrive(receiver)
    later = arrive(receiver)

    assert first.status == Status.RECEIVED and held.status == Status.DUPLICATE
    # A document rejected before this one came was no reason to hold it; a document of
    # another number or another inbox never is.
    assert list(held.originals()) == [first]
    assert list(later.originals()) == [first, held]
    # Rejected after this one came, the earlier document still is what this one repeats.
    first.reject(cast.client_admin, "Paid already")
    assert list(held.originals()) == [first]
    assert list(first.originals()) == []
    held.mark_original(cast.client_admin, "A second delivery")
    assert list(held.originals()) == []


def test_it_counts_a_line_break_the_browser_posts_as_one_character(receiver, cast):
    # 130 short lines: 390 characters as the browser counts them, 519 as it posts them.
    reason = "\r\n".join(["ab"] * 130)
    document = incoming(receiver)
    assert document.reject(None, reason)
    document.refresh_from_db()
    assert document.status_reason == "\n".join(["ab"] * 130)


def test_it_refuses_a_release_reason_longer_than_the_history_keeps(receiver, cast):
    held = incoming(receiver, Status.DUPLICATE)
    with pytest.raises(ChangeRefused) as refused:
        held.mark_original(cast.client_admin, "x" * 2001)
    assert refused.value.field == "reason" and "to 2000 characters" in refused.value.message
    assert held.mark_original(cast.client_admin, "x" * 2000)
    assert held.events.last().detail == "x" * 2000
