"""Delivery by email: the fallback a SOAP sender may name (SendDocument's ReceiverEmail) for
a receiver that is neither on the platform nor on Peppol. The document goes to that address
with its UBL attached, and is Delivered once the mail server has taken it."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_noop

from invoices.models import Document, Status
from invoices.peppol import schemes, xmlsafe
from invoices.peppol.ubl.reader import supplier_email
from invoices.transport.base import Transport
from portal.said import Said
from portal.tasks import enqueue

EMAIL_ACTOR = "system: email"
# The part of an address before the @ as people write it (RFC 5322's dot-atom), no quotes.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
PLAIN_LOCAL_PART = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
SENT = gettext_noop("Delivered by email to %(address)s: the receiver is not on Peppol.")
NOT_SENT = gettext_noop("The email to %(address)s could not be sent.")


class EmailTransport(Transport):
    def deliver(self, document, locked=None) -> str:
        """Hand the document to the mailing task; it stays Queued meanwhile."""
        from invoices.tasks import send_by_email

        with transaction.atomic():
            enqueue(send_by_email, document.pk)
        return Document.objects.filter(pk=document.pk).values_list("status", flat=True).get()


def send(document_pk: int) -> str:
    """Mail a queued document to its receiver's address; returns its status afterwards.
    The row stays locked while the mail server answers, so that a second run waits and then
    finds it Delivered. A failure rolls back and propagates: the worker tries again later
    when it may pass (portal.tasks)."""
    with transaction.atomic():
        document = (Document.objects.select_for_update(of=("self",))
                    .select_related("organization").get(pk=document_pk))
        if document.status != Status.QUEUED or not document.receiver_email:
            return document.status
        message(document).send()
        document.mark_delivered(None, Said(SENT, address=document.receiver_email),
                                actor_label=EMAIL_ACTOR, locked=document)
    return document.status


def message(document: Document) -> EmailMessage:
    reply_to = _sellers_address(document)
    context = {"document": document, "sender": document.organization, "reply_to": reply_to}
    with translation.override(_receivers_language(document)):
        subject = render_to_string("invoices/email/by_email_subject.txt", context,
                                   using="text")
        body = render_to_string("invoices/email/by_email.txt", context, using="text")
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in document.number)[:60]
    return EmailMessage(
        " ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL,
        [document.receiver_email],
        attachments=[(f"{name or 'invoice'}.xml", bytes(document.content), "application/xml")],
        reply_to=[reply_to] if reply_to else None,
        # The same for every try, so that a second delivery is recognisably the same mail.
        headers={"Message-ID": f"<{document.delivery_id or document.pk}@portal>"})


def _sellers_address(document: Document) -> str:
    """The seller's contact address from the document, where it is a plain one: replies go
    there rather than to the portal's own sending address. Quoted or encoded names, and
    domains a mail header cannot carry, are left out: the mail still goes, without it."""
    try:
        address = supplier_email(xmlsafe.parse_xml(bytes(document.content),
                                                   max(document.size, 1)))
        validate_email(address)
        local = address.rpartition("@")[0]
        if not PLAIN_LOCAL_PART.fullmatch(local) or "=?" in local:
            return ""
        sanitize_address(address, "utf-8")
    except (xmlsafe.XmlRejected, ValidationError, UnicodeError, ValueError):
        return ""
    return address


def _receivers_language(document: Document) -> str:
    """Dutch for a receiver with a Dutch identifier, else the portal's language."""
    scheme = schemes.get_scheme(document.receiver_scheme)
    return "nl" if scheme is not None and scheme.country == "NL" else settings.LANGUAGE_CODE


def give_up(document_pk: int) -> None:
    """The mailing task failed for good: the sender sees why, instead of Queued for ever."""
    document = Document.objects.filter(pk=document_pk, status=Status.QUEUED).first()
    if document is not None:
        document.mark_delivery_failed(None, Said(NOT_SENT, address=document.receiver_email),
                                      actor_label=EMAIL_ACTOR)


__all__ = ["EMAIL_ACTOR", "EmailTransport", "give_up", "send"]
