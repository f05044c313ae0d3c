"""Receiving over Peppol AS4: verify a message from another access point with the trust from
settings, hand the business document inside it to the shared incoming path, and answer with
the signed receipt, or with an ebMS error signal when it cannot be taken."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from as4 import BaseProfileLevelException, ParticipantNotServicedError
from as4.peppol import parse_peppol_message
from django.db import transaction

from invoices.models import Channel, PeppolEvidence
from invoices.peppol import as4 as peppol_as4
from invoices.transport.base import access_point
from invoices.transport.receiving import store_incoming

logger = logging.getLogger(__name__)

ARRIVAL_ACTOR = "system: Peppol AS4"
# The SBDH and the Peppol headers around the business document.
ENVELOPE_ALLOWANCE = 256 * 1024


class DocumentNotAccepted(BaseProfileLevelException):
    description = "The business document could not be accepted"


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes


def _receiver(participant: str):
    from invoices.submission import receiver_for

    scheme, _, value = participant.partition(":")
    return receiver_for(scheme, value) if scheme and value else None


def _check_addressed_to(participant: str, fields: dict) -> None:
    """The invoice must name as its buyer the participant the message was sent to: the
    envelope chose the inbox, and another buyer's invoice must not land in it."""
    scheme, _, value = participant.partition(":")
    named = f"{fields.get('receiver_scheme', '')}:{fields.get('receiver_value', '')}"
    if (fields.get("receiver_scheme", ""), fields.get("receiver_value", "").lower()) != (
            scheme, value.lower()):
        raise ValueError(f"The document's buyer endpoint {named} is not the message's "
                         f"recipient {participant}.")


def _accept(participant: str) -> None:
    if _receiver(participant) is None:
        raise ParticipantNotServicedError(participant)


def receive(headers: dict, body: bytes) -> Answer:
    from invoices.submission import DocumentRefused, max_bytes

    point = access_point()
    try:
        exchange = parse_peppol_message(
            request_headers=headers, request_body=body, local_party=point.local_party(),
            accept_participant=_accept,
            security_policy=point.policy(max_bytes() + ENVELOPE_ALLOWANCE))
    except Exception:  # noqa: BLE001 - a sender's garbage must never become a 500
        logger.warning("an AS4 request could not be read at all", exc_info=True)
        return Answer(400, {"Content-Type": "text/plain"}, b"Not an AS4 message.\n")
    if exchange.successful:
        signal_headers, signal = exchange.build_signal()
        try:
            _arrive(exchange, signal)
        except (DocumentRefused, ValueError) as refused:
            exchange.message.parse_error = DocumentNotAccepted(
                str(getattr(refused, "message", refused)))
            exchange.receive_message(exchange.message)
    else:
        logger.info("AS4 message %s refused: %s", exchange.message_id,
                    exchange.message.parse_error if exchange.message else "")
    signal_headers, signal = exchange.build_signal()
    return Answer(200, signal_headers, signal)


def _arrive(exchange, receipt: bytes) -> None:
    from invoices.submission import incoming_fields, max_bytes

    message = exchange.message
    receiver = _receiver(message.recipient or "")
    if receiver is None:
        raise ValueError("PEPPOL:NOT_SERVICED")
    sbd = next(iter(message.decrypted_data.values()))
    ubl = peppol_as4.business_document(sbd, max_bytes() + ENVELOPE_ALLOWANCE)
    fields = incoming_fields(ubl)
    if not fields.get("document_type"):
        # Other XML has no buyer to check the recipient against: say what is wrong with it.
        raise ValueError("The business document is not a UBL invoice or credit note.")
    _check_addressed_to(message.recipient, fields)
    sender_certificate = message.signer_certificate
    with transaction.atomic():
        if PeppolEvidence.objects.filter(document__organization=receiver,
                                         message_id=message.message_id).exists():
            return  # the same message again: it is already in the inbox
        document = store_incoming(receiver, ubl, channel=Channel.PEPPOL,
                                  actor_label=ARRIVAL_ACTOR,
                                  fields={**fields, "delivery_id": uuid.uuid4()})
        PeppolEvidence.objects.create(
            document=document, message_id=message.message_id[:250],
            access_point_subject=peppol_as4.subject_of(sender_certificate)[:500]
            if sender_certificate is not None else "",
            receipt=receipt.decode("utf-8", "replace"), attempts=1,
            completed_at=document.created_at)
