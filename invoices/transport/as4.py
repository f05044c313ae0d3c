"""Delivery over Peppol: look the receiver up in the SML and SMP, send the document to the
access point named for its document type over AS4, and keep the signed receipt. Runs as a
task; a failure that may pass is tried again later, PEPPOL_AP_RETRY_MINUTES apart."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from invoices import notifications
from invoices.models import Document, PeppolEvidence, Status
from invoices.peppol import as4 as peppol_as4
from invoices.peppol import smp
from invoices.peppol.as4 import DETAIL_LENGTH, SendFailed
from invoices.peppol.smp import LookupFailed, NotReceivable, UnusableEndpoint
from invoices.transport.base import ROUTING_ACTOR, Transport, access_point, smp_trust
from portal.mail import portal_link
from portal.said import Said, as_data
from portal.tasks import enqueue

logger = logging.getLogger(__name__)

AS4_ACTOR = "system: Peppol AS4"
UNREADABLE_TYPE = gettext_noop("The document's Peppol document type could not be determined "
                               "from its root element and CustomizationID.")
GAVE_UP = gettext_noop("Sending over Peppol stopped with an unexpected error.")


# How long an attempt queued for a waiting document may take to start before the routing
# schedule queues it again (the attempt itself runs once: see attempt()).
REQUEUE_AFTER = timedelta(minutes=10)


class As4Transport(Transport):
    def __init__(self, point):
        self.point = point

    def deliver(self, document, locked=None) -> str:
        """Hand the document to the sending task; it stays Queued meanwhile. While an
        attempt is queued or scheduled, its evidence has a next attempt time. Without one
        and not completed, nothing is on its way: a new document, one whose sending began
        and then waited for the network (an attempt found no access point settings), or one
        the sender asked to try again (Document.retry_delivery). Each goes on with its next
        attempt, under the message id its evidence keeps."""
        from invoices.tasks import send_over_peppol

        with transaction.atomic():
            evidence, _created = PeppolEvidence.objects.get_or_create(document_id=document.pk)
            evidence = PeppolEvidence.objects.select_for_update().get(pk=evidence.pk)
            now = timezone.now()
            if evidence.completed_at is None and (
                    evidence.next_attempt_at is None
                    or (document.waits_for_network
                        and evidence.next_attempt_at <= now - REQUEUE_AFTER)):
                evidence.next_attempt_at = now
                evidence.save(update_fields=["next_attempt_at"])
                enqueue(send_over_peppol, document.pk, evidence.attempts + 1)
        return Document.objects.filter(pk=document.pk).values_list("status", flat=True).get()


def attempt(document_pk: int, number: int) -> str:
    """Try number `number` to send the document; returns its status afterwards."""
    document = Document.objects.select_related("organization").get(pk=document_pk)
    evidence = PeppolEvidence.objects.filter(document=document).first()
    if document.status != Status.QUEUED or (evidence and evidence.attempts >= number):
        return document.status
    point = access_point()
    if point is None:
        # Nothing is scheduled any more: deliver() queues this attempt again once the
        # settings are back and the routing schedule finds the document waiting.
        PeppolEvidence.objects.filter(document=document).update(next_attempt_at=None)
        document.wait_for_network()
        return document.status
    content = bytes(document.content)
    try:
        from invoices.recipients import sml_config
        from invoices.submission import max_bytes

        document_type, process = peppol_as4.document_type_of(content, max_bytes())
        endpoint = smp.service_endpoint(document.receiver_scheme, document.receiver_value,
                                        document_type, sml_config(),
                                        process or smp.BILLING_PROCESS,
                                        smp_trust=smp_trust(),
                                        allow_http=settings.PEPPOL_ALLOW_HTTP_ENDPOINTS)
        _note_endpoint(document, endpoint)
        # Made before the first message goes out (not for a receiver off Peppol), and kept.
        message_id = _message_id(document)
        sent = peppol_as4.send(
            point, endpoint, content, sender=document.sender_id,
            receiver=document.receiver_id, country=_country(document),
            instance_id=str(document.delivery_id or document.pk),
            timeout=settings.PEPPOL_AP_TIMEOUT, message_id=message_id)
    except peppol_as4.UnknownDocumentType as error:
        logger.warning("document %s cannot go over Peppol: %s", document.pk, error)
        _give_up(document, number, Said(UNREADABLE_TYPE), tell=False,
                 detail=f"Unknown document type: {error}")
    except NotReceivable as error:
        if document.receiver_email:
            _by_email_instead(document, number, Said(error.message), detail=error.detail)
        else:
            _give_up(document, number, Said(error.message), tell=False, detail=error.detail)
    except UnusableEndpoint as error:
        # Not by email instead: the receiver is on Peppol, its provider must put it right.
        logger.warning("document %s cannot go over Peppol: %s", document.pk, error.detail)
        _give_up(document, number, Said(error.message, **error.params), tell=False,
                 detail=error.detail)
    except LookupFailed as error:
        logger.warning("Peppol lookup for document %s failed: %s", document.pk, error.detail)
        _may_pass(document, number, Said(error.message), detail=error.detail)
    except SendFailed as error:
        logger.warning("AS4 delivery of document %s failed: %s", document.pk, error)
        reason = Said(error.message, **error.params)
        if error.passing:
            _may_pass(document, number, reason, detail=error.detail)
        else:
            # A refusal by the receiver's access point, or a receipt that proves nothing:
            # the sender must act on it, so they hear of it even without webhooks.
            _give_up(document, number, reason, tell=error.refused, detail=error.detail,
                     refused=error.message == peppol_as4.REFUSED_BY_ACCESS_POINT)
    else:
        _delivered(document, number, sent)
    return Document.objects.filter(pk=document_pk).values_list("status", flat=True).get()


def _message_id(document) -> str:
    """The Peppol message id every try of this document is sent under: made before the
    first try and kept, so that a retry after a timeout is recognisably the same message
    to a receiver that already took the first copy."""
    with transaction.atomic():
        evidence, _created = PeppolEvidence.objects.select_for_update().get_or_create(
            document=document)
        if not evidence.message_id:
            evidence.message_id = peppol_as4.new_message_id()[:250]
            evidence.save(update_fields=["message_id"])
    return evidence.message_id


def _note_endpoint(document, endpoint) -> None:
    """The receiving access point as soon as the SMP names it, so that it shows even when
    the sending fails."""
    try:
        subject = peppol_as4.endpoint_subject(endpoint)
    except ValueError:
        subject = ""
    PeppolEvidence.objects.filter(document=document).update(
        access_point_url=endpoint.url[:500], access_point_subject=subject[:500])


def _detail(text: str) -> str:
    """A technical detail for staff: one line, bounded."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= DETAIL_LENGTH else text[:DETAIL_LENGTH - 1] + "…"


def _country(document) -> str:
    country = document.organization.country
    return country if country and country != "XX" else "NL"


def _delivered(document, number, sent) -> None:
    with transaction.atomic():
        document.mark_delivered(None, Said(gettext_noop(
            "Delivered over Peppol to the access point %(subject)s; message id %(id)s."),
            subject=sent.access_point_subject, id=sent.message_id), actor_label=AS4_ACTOR)
        PeppolEvidence.objects.filter(document=document).update(
            message_id=sent.message_id[:250], access_point_url=sent.access_point_url[:500],
            access_point_subject=sent.access_point_subject[:500],
            receipt=sent.receipt.decode("utf-8", "replace"), attempts=number, last_error="",
            last_error_said=None, last_error_detail="", next_attempt_at=None,
            completed_at=timezone.now())


def _may_pass(document, number, reason, *, detail: str = "") -> None:
    from invoices.tasks import send_over_peppol

    delays = settings.PEPPOL_AP_RETRY_MINUTES
    if number > len(delays):
        _give_up(document, number, Said(gettext_noop("%(reason)s Gave up after %(count)d "
                                                     "attempts."), reason=reason, count=number),
                 tell=True, detail=detail)
        return
    retry_at = timezone.now() + timedelta(minutes=delays[number - 1])
    with transaction.atomic():
        PeppolEvidence.objects.filter(document=document).update(
            attempts=number, last_error=reason[:500], last_error_said=as_data(reason),
            last_error_detail=_detail(detail), next_attempt_at=retry_at)
        document.note_delivery_retry(number, reason, retry_at, actor_label=AS4_ACTOR)
        task = send_over_peppol
        if task.get_backend().supports_defer:
            task = task.using(run_after=retry_at)
        enqueue(task, document.pk, number + 1)


def _give_up(document, number, reason, *, tell: bool, detail: str = "",
             refused: bool = False) -> None:
    """Delivery failed for good at try `number`. `tell`: the sender's administrators are
    mailed; `refused`: because the receiver's access point refused the document."""
    with transaction.atomic():
        PeppolEvidence.objects.filter(document=document).update(
            attempts=number, last_error=reason[:500], last_error_said=as_data(reason),
            last_error_detail=_detail(detail), next_attempt_at=None,
            completed_at=timezone.now())
        changed = document.mark_delivery_failed(None, reason, actor_label=AS4_ACTOR)
        if changed and tell:
            pk = document.pk
            transaction.on_commit(lambda: notify_delivery_failed(pk, attempts=number,
                                                                 refused=refused))


def _by_email_instead(document, number, reason, *, detail: str = "") -> None:
    """The receiver is not on Peppol, and the sender gave an address to mail it to."""
    from invoices.transport.email import EmailTransport

    with transaction.atomic():
        PeppolEvidence.objects.filter(document=document).update(
            attempts=number, last_error=reason[:500], last_error_said=as_data(reason),
            last_error_detail=_detail(detail), next_attempt_at=None,
            completed_at=timezone.now())
        EmailTransport().deliver(document)


def give_up_after_failed_task(document_pk: int, number: int) -> None:
    document = Document.objects.filter(pk=document_pk, status=Status.QUEUED).first()
    if document is not None:
        _give_up(document, number, Said(GAVE_UP), tell=True)


def notify_delivery_failed(document_pk: int, *, attempts: int = 0,
                           refused: bool = False) -> None:
    """Mail the sender's administrators that the document could not be delivered: that the
    receiving access point refused it (`refused`), or that `attempts` tries failed."""
    document = Document.objects.select_related("organization").get(pk=document_pk)
    notifications.send("delivery_failed", document.organization.administrators(),
                       {"document": document, "organization": document.organization,
                        "refused": refused, "attempts": attempts,
                        "url": portal_link(document.get_absolute_url())})


__all__ = ["AS4_ACTOR", "As4Transport", "ROUTING_ACTOR", "attempt"]
