"""A few documents in the demo organization's outbox and inbox, so the pages have something
to show on a fresh `make run`. Each is written with the portal's UBL writer and checked with
the official rules, like any other document."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from invoices.models import Channel, Direction, Document, DocumentEvent, Status
from invoices.peppol import xmlsafe
from invoices.peppol.ubl import (
    Address,
    Attachment,
    DocumentSpec,
    Line,
    Party,
    build,
    read_facts,
)
from invoices.peppol.validation import ValidationReport, validate
from invoices.submission import fact_fields, report_fields, verdict_message
from invoices.transport.receiving import POSSIBLE_DUPLICATE, SAME_AS_EARLIER
from portal.said import Said

# The demo bakery's own VAT number, as its invoices state it.
DEMO_VAT_ID = "NL812345678B01"
CUSTOMER = Party("Lunchroom De Korenaar", "0106", "87654321",
                 Address("Markt 3", "Utrecht", "3511AA", "NL"), "0106", "87654321")
SUPPLIER = Party("Meelhandel Molenzicht B.V.", "0106", "11223344",
                 Address("Molenweg 8", "Wageningen", "6708PB", "NL"), "0106", "11223344",
                 "NL004495445B01")


def _party(organization) -> Party:
    identifier = organization.identifiers.first()
    return Party(organization.name, identifier.scheme, identifier.value,
                 Address(organization.street, organization.city, organization.postal_code,
                         organization.country), "0106", organization.registry_number,
                 DEMO_VAT_ID)


LINES = (Line("Volkorenbrood", Decimal("40"), Decimal("2.35"), Decimal("9")),
         Line("Bezorging", Decimal("1"), Decimal("15.00"), Decimal("21")))


def _spec(number, supplier, customer, days_ago, **extra) -> DocumentSpec:
    issued = timezone.localdate() - timedelta(days=days_ago)
    return DocumentSpec(
        number=number, issue_date=issued, due_date=issued + timedelta(days=30),
        supplier=supplier, customer=customer, iban="NL91ABNA0417164300", lines=list(LINES),
        **{"buyer_reference": "Inkoop 2026", **extra})


def _specification(number) -> Attachment:
    """The supplier's specification of the delivery, as a spreadsheet-ready CSV."""
    rows = ["Omschrijving;Aantal;Prijs"] + [
        f"{line.name};{line.quantity};{str(line.unit_price).replace('.', ',')}"
        for line in LINES]
    return Attachment(reference=f"SPEC-{number}", filename=f"specificatie-{number}.csv",
                      mime_code="text/csv", content="\r\n".join(rows).encode(),
                      description="Specificatie van de levering")


# How long ago the demo's unfetched delivery arrived: past INBOX_REMINDER_HOURS' default.
WAITING = timedelta(days=3)


def _store(organization, direction, status, data, channel, by=None, detail="", **fields):
    facts = read_facts(xmlsafe.parse_xml(data))
    return Document.store(
        organization=organization, direction=direction, status=status, content=data,
        channel=channel, by=by, actor_label="demo data", detail=detail,
        **{**fact_fields(facts), **report_fields(validate(data), facts.document_type),
           **fields})


def _arrived_earlier(document, ago: timedelta) -> None:
    """Move a demo document and its history `ago` into the past, as if it came then."""
    # F() of a null downloaded_at stays null.
    Document.objects.filter(pk=document.pk).update(
        created_at=F("created_at") - ago, status_changed_at=F("status_changed_at") - ago,
        downloaded_at=F("downloaded_at") - ago)
    DocumentEvent.objects.filter(document=document).update(at=F("at") - ago)


def create_demo_documents(organization, by) -> list[Document]:
    own = _party(organization)
    with transaction.atomic():
        queued = _store(organization, Direction.OUTGOING, Status.CREATED,
                        build(_spec("2026-0412", own, CUSTOMER, 3)), Channel.CONNECTION_KEY,
                        counterparty_name=CUSTOMER.name)
        queued.queue(None, actor_label="demo data")
        queued.wait_for_network()
        refused = _store(organization, Direction.OUTGOING, Status.CREATED,
                         build(_spec("2026-0413", own, CUSTOMER, 1, buyer_reference="")),
                         Channel.PORTAL, by=by, counterparty_name=CUSTOMER.name,
                         filename="2026-0413.xml")
        refused.refuse(None, verdict_message(ValidationReport.from_dict(refused.validation)),
                       actor_label="demo data")
        delivery = _spec("M-88120", SUPPLIER, own, 5, attachments=[_specification("M-88120")])
        received = _store(organization, Direction.INCOMING, Status.RECEIVED, build(delivery),
                          Channel.PLATFORM, counterparty_name=SUPPLIER.name,
                          delivery_id=uuid.uuid4())
        duplicate = _store(organization, Direction.INCOMING, Status.DUPLICATE, build(delivery),
                           Channel.PLATFORM, counterparty_name=SUPPLIER.name,
                           delivery_id=uuid.uuid4(), detail=Said(SAME_AS_EARLIER),
                           status_reason=Said(POSSIBLE_DUPLICATE))
        # An older delivery, fetched and on its way to being paid.
        approved = _store(organization, Direction.INCOMING, Status.RECEIVED,
                          build(_spec("M-87940", SUPPLIER, own, 19)), Channel.PLATFORM,
                          counterparty_name=SUPPLIER.name, delivery_id=uuid.uuid4())
        approved.mark_downloaded(None, actor_label="demo data")
        approved.set_processing_status(by, Status.APPROVED_FOR_PAYMENT)
        # The bakery's software stopped fetching three days ago: the delivery that came then
        # waits, as TechSupport's list of inboxes nobody fetches shows.
        for document, ago in ((received, WAITING), (duplicate, WAITING),
                              (approved, WAITING + timedelta(days=7))):
            _arrived_earlier(document, ago)
    return [queued, refused, received, duplicate, approved]


__all__ = ["create_demo_documents"]
