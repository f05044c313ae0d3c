"""The one submission path: checks, storage, the sender check, routing inside the platform,
duplicates and "mark as original"."""

import time

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import translation

from invoices.models import Channel, Direction, Document, Status
from invoices.submission import WAITING_FOR_PEPPOL, DocumentRefused, route, submit
from onboarding.models import AuditEvent, OrganizationIdentifier
from portal.errors import ChangeRefused
from tests.invoices.conftest import invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(django_capture_on_commit_callbacks, cast):
    def send(organization, data, channel=Channel.PORTAL, by=None):
        with django_capture_on_commit_callbacks(execute=True):
            result = submit(organization, data, channel, by or cast.admin)
        result.document.refresh_from_db()
        return result.document
    return send


def test_it_delivers_inside_the_platform_into_the_receivers_inbox(send, sender, receiver):
    data = invoice()
    outgoing = send(sender, data)
    assert outgoing.status == Status.DELIVERED
    assert outgoing.delivery_id is not None
    incoming = Document.objects.get(direction=Direction.INCOMING)
    assert incoming.organization == receiver
    assert incoming.status == Status.RECEIVED
    assert bytes(incoming.content) == data
    assert incoming.delivery_id == outgoing.delivery_id
    assert incoming.counterparty_name == "Acme Trading BV"
    assert incoming.keep_until is not None and outgoing.keep_until is None
    assert [(e.from_status, e.to_status) for e in outgoing.events.all()] == [
        ("", "created"), ("created", "queued"), ("queued", "delivered")]
    assert [(e.from_status, e.to_status) for e in incoming.events.all()] == [("", "received")]


def test_it_stores_the_key_facts_and_the_validation_report(send, sender, receiver):
    document = send(sender, invoice("F-77", buyer_reference="PO-9"))
    assert (document.number, document.buyer_reference, document.currency) == ("F-77", "PO-9",
                                                                               "EUR")
    assert str(document.payable_amount) == "242.00"
    assert document.supplier_id == "0106:12345678"
    assert document.receiver_id == "0106:87654321"
    assert document.document_type == "invoice"
    assert document.validation["valid"] is True
    assert document.rules and document.rules_release == document.validation["release"]
    assert len(document.sha256) == 64 and document.size == len(invoice("F-77",
                                                                      buyer_reference="PO-9"))


def test_it_waits_for_the_peppol_network_when_nobody_here_receives(send, sender):
    document = send(sender, invoice(customer_kvk="11112222"))
    assert document.status == Status.QUEUED
    assert document.status_reason == WAITING_FOR_PEPPOL
    assert not Document.objects.filter(direction=Direction.INCOMING).exists()
    assert route(document.pk) == Status.QUEUED
    assert document.events.filter(detail=WAITING_FOR_PEPPOL).count() == 1
    assert document.waits_for_network


def test_it_finds_a_waiting_document_again_whatever_the_language_it_waited_in(send, sender):
    with translation.override("nl"):
        document = send(sender, invoice(customer_kvk="11112222"))
    assert document.status_reason.startswith("Wacht op het Peppol-netwerk")
    assert list(Document.objects.waiting_for_network()) == [document]
    assert document.waits_for_network
    # Each reader reads it in their own language.
    assert document.reason_shown == WAITING_FOR_PEPPOL
    assert document.events.get(detail_said__isnull=False).detail_shown == WAITING_FOR_PEPPOL


def test_it_gives_documents_that_waited_before_the_message_beside_their_reason(send, sender):
    from importlib import import_module

    from django.apps import apps

    from invoices.models import DocumentEvent

    migration = import_module("invoices.migrations.0011_waiting_for_peppol_said")
    waiting = send(sender, invoice(customer_kvk="11112222"))
    # As documents were stored before: the plain English reason, no message.
    Document.objects.filter(pk=waiting.pk).update(status_reason=migration.PLAIN,
                                                  reason_said=None)
    DocumentEvent.objects.filter(document=waiting, detail_said__isnull=False).update(
        detail=migration.PLAIN, detail_said=None)

    migration.say_it(apps, None)

    waiting.refresh_from_db()
    assert list(Document.objects.waiting_for_network()) == [waiting]
    with translation.override("nl"):
        assert waiting.reason_shown.startswith("Wacht op het Peppol-netwerk")
        assert [e.detail_shown for e in waiting.events.filter(detail_said__isnull=False)] == [
            waiting.reason_shown]


def test_it_waits_when_the_receiver_has_receiving_switched_off(send, sender, receiver, cast):
    receiver.identifiers.get().switch(cast.client_admin, "receive", False)
    assert send(sender, invoice()).status == Status.QUEUED


def test_it_refuses_a_document_that_fails_the_rules_with_the_report(send, sender, receiver):
    document = send(sender, invoice(buyer_reference=""))
    assert document.status == Status.REFUSED
    assert document.delivery_id is None
    fatal = [m["rule_id"] for m in document.validation["messages"] if m["flag"] == "fatal"]
    assert "PEPPOL-EN16931-R003" in fatal
    assert not Document.objects.filter(direction=Direction.INCOMING).exists()


def test_it_refuses_a_supplier_endpoint_that_is_not_the_organizations(send, sender, receiver):
    document = send(sender, invoice(supplier_kvk="55556666"))
    assert document.status == Status.REFUSED
    assert "0106:55556666" in document.status_reason
    assert document.events.last().actor_label == "system: sender check"


def test_it_says_a_document_names_no_supplier_endpoint_and_ends_a_name_on_one_full_stop(
        send, sender, receiver):
    from invoices.submission import sender_problem
    from onboarding.models import Organization

    Organization.objects.filter(pk=sender.pk).update(name="Acme Trading B.V.")
    sender.refresh_from_db()

    # SOAP's SendDocument asks before the rules run, which would refuse it too.
    nameless = sender_problem(sender, "", "")
    other = send(sender, invoice("F-OTHER", supplier_kvk="55556666"))

    assert nameless.startswith("The document names no supplier Endpoint-ID")
    assert "Acme Trading B.V.." not in other.status_reason
    assert "is not an identifier of Acme Trading B.V. Add it" in other.status_reason


def test_it_refuses_when_sending_is_off_for_the_identifier(send, sender, receiver, cast):
    sender.identifiers.get().switch(cast.admin, "send", False)
    document = send(sender, invoice())
    assert document.status == Status.REFUSED
    assert "0106:12345678" in document.status_reason


def test_it_refuses_an_organization_that_is_not_active(send, sender, receiver, cast):
    sender.deactivate(cast.admin)
    document = send(sender, invoice())
    assert document.status == Status.REFUSED
    assert "not active" in document.status_reason


def test_it_refuses_too_large_documents_before_parsing_and_writes_nothing(sender, settings):
    settings.DOCUMENT_MAX_MB = 1
    with pytest.raises(DocumentRefused, match="1 MB"):
        submit(sender, b"<" * (1024 * 1024 + 1), Channel.PORTAL)
    assert not Document.objects.exists()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Invoice>&lol3;</Invoice>"""


@pytest.mark.parametrize("data", [
    BILLION_LAUGHS,
    b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.com/x.dtd"><x/>',
    b"<a>" * 300 + b"</a>" * 300,
    b"not xml at all",
])
def test_it_refuses_hostile_xml_fast_and_writes_nothing(sender, data):
    start = time.perf_counter()
    with pytest.raises(DocumentRefused):
        submit(sender, data, Channel.PORTAL)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0  # generous: the point is that nothing is expanded or fetched
    assert not Document.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="document.").exists()


def test_it_stores_a_document_of_another_type_as_refused(send, sender):
    document = send(sender, b'<?xml version="1.0"?><Order xmlns="urn:x"><ID>1</ID></Order>')
    assert document.status == Status.REFUSED
    assert document.validation["valid"] is False


def test_it_holds_a_second_document_with_the_same_supplier_number_and_date_as_duplicate(
        send, sender, receiver, cast):
    send(sender, invoice("F-1"))
    mail.outbox.clear()
    send(sender, invoice("F-1"))
    first, second = Document.objects.inbox().order_by("id")
    assert (first.status, second.status) == (Status.RECEIVED, Status.DUPLICATE)
    assert list(Document.objects.offered()) == [first]
    assert not second.offered_for_download
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == [cast.client_admin.email]
    assert "F-1" in mail.outbox[0].subject
    assert f"{django_settings.PORTAL_URL}/documents/{second.pk}/\n" in mail.outbox[0].body


def test_it_ends_the_duplicate_notice_once_after_a_supplier_name_ending_in_a_dot(
        send, sender, receiver, cast):
    send(sender, invoice("F-2", supplier_name="Acme Trading B.V."))
    mail.outbox.clear()
    send(sender, invoice("F-2", supplier_name="Acme Trading B.V."))

    (notice,) = mail.outbox
    assert notice.subject.startswith("[Peppol portal] Possible duplicate F-2 received for ")
    assert "from Acme Trading B.V. An earlier document has the same supplier" in notice.body
    assert "B.V.." not in notice.body


def test_it_does_not_call_different_suppliers_with_the_same_number_and_date_duplicates(
        send, sender, receiver, cast):
    other = type(sender).create(environment=cast.company, by=cast.admin, name="Other Supplier",
                                registry_number="22223333", registry_checked=True,
                                street="Laan 3", postal_code="1000 AA", city="Amsterdam")
    type(sender).objects.filter(pk=other.pk).update(status="active")
    other.refresh_from_db()
    OrganizationIdentifier.add(other, cast.admin, "0106", "22223333")
    send(sender, invoice("F-1"))
    send(other, invoice("F-1", supplier_kvk="22223333", supplier_name="Other Supplier"))
    assert sorted(Document.objects.inbox().values_list("status", flat=True)) == [
        Status.RECEIVED, Status.RECEIVED]
    assert mail.outbox == [] or all("duplicate" not in m.subject.lower() for m in mail.outbox)


def test_it_does_not_call_another_number_or_date_a_duplicate(send, sender, receiver):
    from datetime import date

    send(sender, invoice("F-1"))
    send(sender, invoice("F-2"))
    send(sender, invoice("F-1", issue_date=date(2026, 12, 1)))
    assert set(Document.objects.inbox().values_list("status", flat=True)) == {Status.RECEIVED}


def test_it_releases_a_duplicate_marked_as_original_with_a_reason(send, sender, receiver, cast):
    send(sender, invoice("F-1"))
    send(sender, invoice("F-1"))
    duplicate = Document.objects.get(status=Status.DUPLICATE)
    with pytest.raises(ChangeRefused):
        duplicate.mark_original(cast.client_admin, "  ")
    assert duplicate.mark_original(cast.client_admin, "Tweede levering, ander bedrag") is True
    assert duplicate.mark_original(cast.client_admin, "again") is False
    duplicate.refresh_from_db()
    assert duplicate.status == Status.RECEIVED
    event = duplicate.events.last()
    assert (event.from_status, event.to_status, event.actor) == ("duplicate", "received",
                                                                 cast.client_admin)
    assert event.detail == "Tweede levering, ander bedrag"
    assert AuditEvent.objects.filter(action="document.received", actor=cast.client_admin,
                                     target_id=str(duplicate.pk)).exists()


def test_it_lets_techsupport_but_not_a_member_mark_as_original(send, sender, receiver, cast):
    send(sender, invoice("F-1"))
    send(sender, invoice("F-1"))
    duplicate = Document.objects.get(status=Status.DUPLICATE)
    with pytest.raises(ChangeRefused):
        duplicate.mark_original(cast.outsider, "no")
    assert duplicate.mark_original(cast.techsupport, "Checked with the supplier") is True


def test_it_routes_only_once_when_run_again(send, sender, receiver):
    outgoing = send(sender, invoice())
    assert route(outgoing.pk) == Status.DELIVERED
    assert Document.objects.inbox().count() == 1


def test_a_credit_note_is_no_duplicate_of_the_invoice_it_shares_a_number_with(
        send, sender, receiver):
    send(sender, invoice("F-88"))
    send(sender, invoice("F-88", document_type="CreditNote", billing_reference="F-88"))
    held = Document.objects.filter(direction=Direction.INCOMING, status=Status.DUPLICATE)
    assert not held.exists()
    # The same credit note again is one.
    send(sender, invoice("F-88", document_type="CreditNote", billing_reference="F-88"))
    assert list(held.values_list("document_type", flat=True)) == ["credit_note"]


def test_it_does_not_deliver_again_what_the_sender_may_no_longer_send(
        send, sender, receiver, cast, django_capture_on_commit_callbacks):
    from invoices.submission import route_waiting

    waiting = send(sender, invoice("F-89", customer_kvk="11112222"))
    failed = send(sender, invoice("F-90", customer_kvk="11112222"))
    failed.mark_delivery_failed(None, "The access point did not answer.")
    OrganizationIdentifier.objects.filter(organization=sender).update(can_send=False)

    with pytest.raises(ChangeRefused) as refused:
        failed.retry_delivery(cast.admin)
    assert "Sending is switched off for identifier 0106:12345678" in refused.value.message
    failed.refresh_from_db()
    assert failed.status == Status.DELIVERY_FAILED

    route_waiting()
    waiting.refresh_from_db()
    assert waiting.status == Status.DELIVERY_FAILED
    assert waiting.status_reason.startswith("Sending is switched off for identifier")
