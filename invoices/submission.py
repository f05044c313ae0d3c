"""The one way a document enters the portal, whatever channel it came by: size, hostile XML,
validation with the official rules, storage, the sender check, and then routing.

Routing is a function of a document's primary key, so that a task queue can run it later; a
request runs it after its transaction commits."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from invoices.models import Direction, Document, DocumentType, Status
from invoices.models.documents import WAITING_FOR_PEPPOL
from invoices.peppol import xmlsafe
from invoices.peppol.ubl import read_facts
from invoices.peppol.validation import VERDICTS, validate
from onboarding.models import Organization, OrganizationIdentifier
from portal.errors import ChangeRefused, Explained
from portal.said import Said

VALIDATION_ACTOR = "system: validation"
SENDER_CHECK_ACTOR = "system: sender check"

# What a PositiveSmallIntegerField holds; no real invoice comes near it.
MOST_ATTACHMENTS = 32767

TYPES = {"Invoice": DocumentType.INVOICE, "CreditNote": DocumentType.CREDIT_NOTE}


class DocumentRefused(Explained):
    """Not stored at all: too large, not XML, or hostile XML. The message is for the user."""


@dataclass
class Submitted:
    document: Document

    @property
    def accepted(self) -> bool:
        return self.document.status != Status.REFUSED


def max_bytes() -> int:
    return settings.DOCUMENT_MAX_MB * 1024 * 1024


def check_size(size: int) -> None:
    if size > max_bytes():
        raise DocumentRefused(
            _("The file is larger than %(limit)d MB, the most a document may be.")
            % {"limit": settings.DOCUMENT_MAX_MB})


class LengthRequired(Explained):
    """The body came in chunks without a Content-Length, which Django reads as empty."""


def refuse_chunked(request) -> None:
    """Raise LengthRequired for a body sent with Transfer-Encoding: chunked and no
    Content-Length: a WSGI application sees no bytes of it, and would answer that nothing
    was sent."""
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower() \
            and not request.META.get("CONTENT_LENGTH"):
        raise LengthRequired(_("Send the body with a Content-Length header: a body in chunks "
                               "(Transfer-Encoding: chunked) is not read here."))


def read_body(request, limit: int) -> bytes | None:
    """A Django request's body, or None as soon as it is known to be over `limit` bytes: by
    its Content-Length before reading, or while reading when the length was not given.
    Raises LengthRequired for a body in chunks."""
    refuse_chunked(request)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    chunks, size = [], 0
    while chunk := request.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(data: bytes):
    check_size(len(data))
    try:
        return xmlsafe.parse_xml(data, max_bytes())
    except xmlsafe.XmlForbiddenDoctype as error:
        raise DocumentRefused(_("The file contains a DOCTYPE (a DTD or entity declarations). "
                                "Invoices never need one, so it is refused.")) from error
    except xmlsafe.XmlRejected as error:
        raise DocumentRefused(_("This is not readable XML: an invoice or credit note is "
                                "sent as its UBL XML.")) from error


def _sender_problem(organization: Organization, document: Document) -> str:
    if not organization.is_active:
        return Said(gettext_noop("%(organization)s is not active yet; only an active "
                                 "organization sends documents."),
                    organization=organization.name)
    if not document.sender_value:
        return Said(gettext_noop("The document names no supplier Endpoint-ID (the seller's "
                                 "cbc:EndpointID): give it the Peppol identifier of "
                                 "%(organization)s it is sent with."),
                    organization=organization.name)
    identifier = organization.identifiers.filter(
        scheme=document.sender_scheme, value__iexact=document.sender_value).first()
    if identifier is None:
        return Said(gettext_noop("The supplier's Endpoint-ID %(identifier)s in this document "
                                 "is not an identifier of %(organization)s. Add it to the "
                                 "organization, or correct the document."),
                    identifier=document.sender_id or "—", organization=organization.name)
    if not identifier.is_verified:
        return Said(gettext_noop("Identifier %(identifier)s of %(organization)s is still "
                                 "waiting for its ownership to be verified; it sends once it "
                                 "is."), identifier=document.sender_id,
                    organization=organization.name)
    if not identifier.sends:
        return Said(gettext_noop("Sending is switched off for identifier %(identifier)s of "
                                 "%(organization)s. Switch it on on the organization's "
                                 "page."), identifier=document.sender_id,
                    organization=organization.name)
    return ""


def verdict_message(report) -> str:
    """The report's verdict, as a message to say again in the reader's language."""
    if report.verdict_key not in VERDICTS:
        return report.verdict
    return Said(VERDICTS[report.verdict_key], braces=True, **report.verdict_params)


def submit(organization: Organization, data: bytes, channel: str, by=None, *,
           filename: str = "", actor_label: str = "") -> Submitted:
    """Store `data` as an outgoing document of `organization` and decide on it.

    Raises DocumentRefused, writing nothing, for what cannot be read safely. Everything that
    can be read is stored, refused or accepted, with the validation report."""
    data = bytes(data)
    root = _parse(data)
    facts = read_facts(root)
    report = validate(data)
    with transaction.atomic():
        document = Document.store(
            organization=organization, direction=Direction.OUTGOING, status=Status.CREATED,
            content=data, channel=channel, by=by, actor_label=actor_label,
            filename=filename[:255],
            **{**fact_fields(facts), **report_fields(report, facts.document_type)})
        _decide(organization, document, report)
    document.refresh_from_db()
    return Submitted(document)


def incoming_fields(data: bytes) -> dict:
    """The facts and the validation report of a document that arrives from outside the
    platform, as Document fields. Raises DocumentRefused for what cannot be read safely."""
    data = bytes(data)
    facts = read_facts(_parse(data))
    report = validate(data)
    return {**fact_fields(facts), **report_fields(report, facts.document_type),
            "counterparty_name": facts.supplier_name[:200]}


def fact_fields(facts) -> dict:
    """A document's key facts as read from its UBL, as Document fields."""
    return {
        "document_type": TYPES.get(facts.document_type, ""),
        "sender_scheme": facts.sender_scheme[:4], "sender_value": facts.sender_value[:130],
        "receiver_scheme": facts.receiver_scheme[:4],
        "receiver_value": facts.receiver_value[:130],
        "supplier_id": facts.sender_id[:140], "counterparty_name": facts.customer_name[:200],
        "number": facts.number[:200], "issue_date": facts.issue_date,
        "currency": facts.currency[:3], "payable_amount": _amount(facts.payable_amount),
        "buyer_reference": facts.buyer_reference[:200],
        "attachment_count": min(facts.attachments, MOST_ATTACHMENTS),
    }


def report_fields(report, read_type: str) -> dict:
    """The validation report, and the type it names, as Document fields."""
    return {
        "document_type": TYPES.get(report.document_type or read_type, ""),
        "validation": report.to_dict(), "rules": report.rules[:100],
        "rules_release": report.release[:40],
    }


def _decide(organization: Organization, document: Document, report) -> None:
    """Refuse, or queue and route after the commit; call inside the storing transaction."""
    if not report.valid:
        document.refuse(None, verdict_message(report), actor_label=VALIDATION_ACTOR)
    elif problem := _sender_problem(organization, document):
        document.refuse(None, problem, actor_label=SENDER_CHECK_ACTOR)
    else:
        document.queue(None, actor_label=VALIDATION_ACTOR)
        pk = document.pk
        transaction.on_commit(lambda: route(pk, sender_checked=True))


# -- documents that arrive by machine ---------------------------------------------------------
#
# A connection key's software may send bursts: its request only stores the document (after
# the fast, safe parse) as Created with its Delivery ID, and the rules and routing run as a
# task, so the call answers at once and a burst waits on the queue, not in web workers.


class AlreadySent(Exception):
    """The organization sent a document with this client document id before."""

    def __init__(self, document: Document):
        super().__init__(document.pk)
        self.document = document


def accept(organization: Organization, data: bytes, channel: str, *, actor_label: str = "",
           client_document_id: str = "", **origin) -> Document:
    """Store `data` as a Created outgoing document with a Delivery ID, and enqueue its check.
    `origin` names what sent it (connection_key_id, entra_identity_id).

    Raises DocumentRefused, writing nothing, for what cannot be read safely, and AlreadySent
    when `client_document_id` was used before by the organization."""
    from invoices.tasks import check_and_route
    from portal.tasks import enqueue

    data = bytes(data)
    facts = read_facts(_parse(data))
    if client_document_id:
        earlier = _sent_before(organization, client_document_id)
        if earlier is not None:
            raise AlreadySent(earlier)
    try:
        with transaction.atomic():
            document = Document.store(
                organization=organization, direction=Direction.OUTGOING,
                status=Status.CREATED, content=data, channel=channel,
                actor_label=actor_label, delivery_id=uuid.uuid4(),
                client_document_id=client_document_id, **origin,
                **fact_fields(facts))
            check = enqueue(check_and_route, document.pk)
    except IntegrityError:
        # The same id sent twice at once: the unique constraint let one of them in.
        earlier = _sent_before(organization, client_document_id) if client_document_id \
            else None
        if earlier is None:
            raise
        raise AlreadySent(earlier) from None
    if check.is_finished:
        # A queue that runs tasks at once has moved it on already.
        document.refresh_from_db(fields=["status", "status_reason", "status_changed_at"])
    return document


def sender_problem(organization: Organization, scheme: str, value: str) -> str:
    """Why `organization` may not send as Endpoint-ID scheme:value; empty when it may."""
    return _sender_problem(organization, Document(sender_scheme=scheme, sender_value=value))


def _sent_before(organization, client_document_id) -> Document | None:
    return (Document.objects.outbox().filter(organization=organization,
                                             client_document_id=client_document_id)
            .defer("content", "validation").first())


# route()'s transport when the caller has not chosen one.
UNCHOSEN = object()


def check_and_route(document_pk: int) -> str:
    """The task's work for a document stored by accept(): the official rules, the sender
    check, and routing. Safe to run again; returns the status afterwards.

    The decision is written with the report under one lock; when the receiver is on the
    platform, the delivery joins that same transaction."""
    from invoices.transport.base import choose

    document = Document.objects.select_related("organization").defer("validation").get(
        pk=document_pk)
    if document.status == Status.QUEUED:
        return route(document_pk)
    if document.status != Status.CREATED:
        return document.status
    report = validate(bytes(document.content))
    fields = report_fields(report, "")
    fields["document_type"] = fields["document_type"] or document.document_type
    problem = "" if not report.valid else _sender_problem(document.organization, document)
    transport = choose(document) if report.valid and not problem else None
    at_once = transport is not None and transport.within_transaction
    try:
        with transaction.atomic():
            current = document.locked(content=at_once)
            if not report.valid:
                changed = document.refuse(None, verdict_message(report),
                                          actor_label=VALIDATION_ACTOR, locked=current,
                                          **fields)
            elif problem:
                changed = document.refuse(None, problem, actor_label=SENDER_CHECK_ACTOR,
                                          locked=current, **fields)
            else:
                changed = document.queue(None, actor_label=VALIDATION_ACTOR, locked=current,
                                         **fields)
                if changed and at_once:
                    return transport.deliver(document, locked=current)
    except ChangeRefused:
        changed = False
    if not changed:
        # Another run decided on it first.
        return Document.objects.filter(pk=document_pk).values_list("status", flat=True).first()
    if document.status != Status.QUEUED:
        return document.status
    return route(document_pk, document, transport, sender_checked=True)


def _amount(value):
    if value is None:
        return None
    try:
        quantized = value.quantize(type(value)("0.01"))
    except ArithmeticError:
        return None
    return quantized if abs(quantized) < 10 ** 17 else None


def receiver_for(scheme: str, value: str) -> Organization | None:
    """The active organization on the platform that receives for this Endpoint-ID."""
    identifier = (OrganizationIdentifier.objects.receiving()
                  .filter(scheme=scheme, value__iexact=value,
                          organization__receive_decision=Organization.ReceiveDecision.ENABLED)
                  .select_related("organization__environment").first())
    return identifier.organization if identifier else None


def route(document_pk: int, document: Document | None = None, transport=UNCHOSEN, *,
          sender_checked=False) -> str:
    """Deliver a queued outgoing document by the transport that reaches its receiver (see
    invoices.transport); with none, it waits for the Peppol network. Safe to run again.
    `document` is the document as the caller just read it, its status included, and
    `transport` the one the caller chose for it (None: there is none). Unless the caller
    just checked (`sender_checked`), the sender is checked again first: since the document
    was queued, its organization may have stopped sending as this identifier, and then its
    delivery fails with that reason. Returns the document's status afterwards."""
    from invoices.transport.base import choose

    if document is None:
        document = (Document.objects.select_related("organization")
                    .defer("content", "validation").get(pk=document_pk))
    if document.status != Status.QUEUED:
        return document.status
    if not sender_checked and (problem := _sender_problem(document.organization, document)):
        with contextlib.suppress(ChangeRefused):  # delivered or failed meanwhile
            document.mark_delivery_failed(None, problem, actor_label=SENDER_CHECK_ACTOR)
        return document.status
    if transport is UNCHOSEN:
        transport = choose(document)
    if transport is None:
        document.wait_for_network()
        return document.status
    return transport.deliver(document)


def route_waiting(limit: int = 1000) -> int:
    """Route again the documents that wait for a way to their receiver: since they were
    queued, an organization here may receive for it, or delivery over Peppol may have been
    configured (or the sender stopped sending: see route). Returns how many left the
    waiting state."""
    waiting = Document.objects.waiting_for_network()
    pks = list(waiting.order_by("id").values_list("pk", flat=True)[:limit])
    for pk in pks:
        route(pk)
    return len(pks) - waiting.filter(pk__in=pks).count()


__all__ = ["AlreadySent", "DocumentRefused", "Submitted", "WAITING_FOR_PEPPOL", "accept",
           "check_and_route", "receiver_for", "route", "route_waiting", "submit"]
