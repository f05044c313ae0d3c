"""From a document's news to signed deliveries: which topic a change is, which hooks hear of
it, and what one try of a delivery does and leaves behind."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, timedelta
from functools import wraps

import urllib3
from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from invoices.models import Direction, Status
from onboarding.encryption import UndecryptableSecret
from portal.mail import notify, portal_link
from portal.said import Said, as_data
from portal.tasks import enqueue
from portal.text import one_full_stop
from webhooks.failures import Failed, answered, explain, unexplained
from webhooks.models import (
    HOOK_TOPICS,
    TEST_TOPIC,
    Attempt,
    Delivery,
    Topic,
    Webhook,
    retry_schedule,
)
from webhooks.safety import UnsafeTarget, post

logger = logging.getLogger("webhooks")

# (direction, new status): topic.
TOPICS = {
    (Direction.INCOMING, Status.RECEIVED): Topic.INVOICE_RECEIVED,
    (Direction.INCOMING, Status.DUPLICATE): Topic.DUPLICATE,
    (Direction.OUTGOING, Status.DELIVERED): Topic.INVOICE_SENT,
    (Direction.OUTGOING, Status.REFUSED): Topic.SENDING_FAILED,
    (Direction.OUTGOING, Status.DELIVERY_FAILED): Topic.SENDING_FAILED,
    **{(Direction.OUTGOING, status): Topic.STATUS_CHANGED
       for status in (Status.OPENED, Status.UNDER_REVIEW, Status.PAID, Status.REJECTED)},
}
# The receiver reads these; they stay English whatever the portal's language.
MESSAGES = {
    Topic.INVOICE_RECEIVED: "Document {number} received from {counterparty}.",
    Topic.DUPLICATE: "Document {number} from {counterparty} looks like a duplicate and is "
                     "held back until it is marked as original.",
    Topic.INVOICE_SENT: "Document {number} was delivered.",
    Topic.SENDING_FAILED: "Document {number} could not be delivered: {reason}",
    Topic.STATUS_CHANGED: "Document {number}, from its receiver: {reason}",
    Topic.SENDING_RETRIED: "Delivering document {number} failed on try {attempt}; the next "
                           "try is at {retry_at}.",
}
# A sent document the rules or the sender check refused is a failed sending too.
REFUSED_MESSAGE = "Document {number} was refused and not sent: {reason}"
TEST_MESSAGE = "A test event sent from the portal by {user}."
ANSWER_KEPT = 1000


def _document_details(document) -> dict:
    return {"deliveryId": str(document.delivery_id or ""), "number": document.number,
            "documentType": document.document_type, "status": document.status,
            "sender": document.sender_id, "receiver": document.receiver_id}


def _message(topic, document, template=None, **values) -> str:
    text = (template or MESSAGES[topic]).format(number=document.number or document.pk,
                                  counterparty=document.counterparty_name or "-", **values)
    return one_full_stop(text)[:500]


def _never_breaking(receiver):
    """A receiver runs after the document's change was committed: a failure here is logged
    and must never turn the change that was made into an error for its caller."""

    @wraps(receiver)
    def run(*args, **kwargs):
        try:
            receiver(*args, **kwargs)
        except Exception:
            logger.exception("webhook events for a document change could not be queued")

    return run


@_never_breaking
def document_changed(sender, document, event, **kwargs) -> None:
    topic = TOPICS.get((document.direction, event.to_status))
    if topic is not None:
        template = REFUSED_MESSAGE if event.to_status == Status.REFUSED else None
        announce(topic, document, _message(topic, document, template, reason=event.detail),
                 {**_document_details(document),
                  **({"reason": event.detail} if event.detail else {})})


@_never_breaking
def delivery_retried(sender, document, attempt, reason, retry_at, **kwargs) -> None:
    when = retry_at.astimezone(UTC).isoformat().replace("+00:00", "Z") if retry_at else ""
    announce(Topic.SENDING_RETRIED, document,
             _message(Topic.SENDING_RETRIED, document, attempt=attempt, retry_at=when),
             {**_document_details(document), "attempt": attempt, "reason": reason,
              "retryAt": when})


def announce(topic, document, message, details) -> list[Delivery]:
    """A delivery for each hook hearing of the document's organization that asked for
    `topic`, paused ones included (see queue); one query finds them."""
    organization = document.organization
    hooks = [hook for hook in Webhook.objects.hearing_of(organization.pk,
                                                        organization.environment_id)
             if topic in hook.topics]
    if not hooks:
        return []
    with transaction.atomic():
        return [queue(hook, topic, organization=organization, document_id=document.pk,
                      message=message, details=details) for hook in hooks]


def queue(hook, topic, *, organization, document_id, message, details) -> Delivery:
    """Store a delivery about document `document_id` (None: about none) and enqueue its
    first try; call inside a transaction. For a paused hook it waits, untried, until the
    hook is resumed (Webhook.resume), or until it is purged (purge_due)."""
    from webhooks.tasks import deliver

    delivery = Delivery.objects.create(
        webhook=hook, organization=organization, topic=topic, document_id=document_id,
        message=message[:500], details=details,
        status=Delivery.Status.PENDING if hook.is_active else Delivery.Status.RETRYING)
    if hook.is_active:
        enqueue(deliver, delivery.pk)
    return delivery


def body_for(delivery: Delivery, now=None) -> bytes:
    now = now or timezone.now()
    payload = {
        "topic": delivery.topic,
        "partyId": delivery.organization.company_id if delivery.organization_id else "",
        "hookId": str(delivery.webhook_id),
        "documentId": str(delivery.document_id) if delivery.document_id else "",
        "message": delivery.message,
        "details": {**delivery.details, "eventId": delivery.pk},
        "createdOn": _instant(delivery.created_at),
        "sentOn": _instant(now),
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _instant(moment) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def attempt(delivery_pk: int) -> str:
    """One try of a delivery that is due; records it and decides what follows. Returns the
    delivery's status afterwards."""
    delivery = (Delivery.objects.select_related("webhook", "organization")
                .filter(pk=delivery_pk).first())
    if delivery is None or delivery.status not in (Delivery.Status.PENDING,
                                                   Delivery.Status.RETRYING):
        return delivery.status if delivery else ""
    hook = delivery.webhook
    if not hook.is_active and delivery.topic != TEST_TOPIC:
        # Waits for the hook to be resumed.
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.RETRYING,
                                                       next_attempt_at=None)
        return Delivery.Status.RETRYING
    body = body_for(delivery)
    started = time.monotonic()
    status_code, answer, failed = None, "", None
    try:
        headers = {"Content-Type": "application/json",
                   "User-Agent": "peppol-portal-webhooks/1",
                   "X-Signature": signature(hook.secret, body), "X-Hook-Id": str(hook.pk),
                   "X-Event-Id": str(delivery.pk)}
        response = post(hook.url, body, headers, timeout=settings.WEBHOOKS_TIMEOUT,
                        keep=ANSWER_KEPT)
        status_code, answer = response.status, response.text
    except (UnsafeTarget, UndecryptableSecret, urllib3.exceptions.HTTPError, OSError) as exc:
        failed = explain(exc, url=hook.url, timeout=settings.WEBHOOKS_TIMEOUT)
    duration = int((time.monotonic() - started) * 1000)
    succeeded = status_code is not None and 200 <= status_code < 300
    return record(delivery.pk, succeeded=succeeded, status_code=status_code, answer=answer,
                  duration_ms=duration, failed=failed)


def record(delivery_pk, *, succeeded, status_code, answer, duration_ms, error="",
           failed: Failed | None = None) -> str:
    """Write the try and what follows from it, in one transaction. A failed try is kept
    with why (`failed`: from its status when it has one, else `error` as it stands)."""
    if succeeded:
        failed = None
    elif failed is None:
        failed = answered(status_code) if status_code is not None else unexplained(error)
    error = (error or (failed.detail if failed else ""))[:500]
    now = timezone.now()
    hook_pk = Delivery.objects.filter(pk=delivery_pk).values_list("webhook_id", flat=True).first()
    with transaction.atomic():
        # The hook before its delivery, in the order Webhook's own changes lock them.
        hook = Webhook.objects.select_for_update().filter(pk=hook_pk).first()
        delivery = (Delivery.objects.select_for_update(of=("self",))
                    .select_related("organization").filter(pk=delivery_pk).first())
        if hook is None or delivery is None:
            # The hook was deleted while it was being tried: the try is dropped.
            return ""
        if delivery.status not in (Delivery.Status.PENDING, Delivery.Status.RETRYING):
            return delivery.status
        delivery.attempts += 1
        tried = Attempt.objects.create(
            delivery=delivery, webhook=hook, number=delivery.attempts, at=now,
            status_code=status_code, succeeded=succeeded, answer=answer, error=error,
            failure=failed.kind if failed else "",
            failure_said=failed.reason.as_data() if failed else None, duration_ms=duration_ms)
        schedule = retry_schedule()
        # A test event is tried once, and its failure does not bring a pause nearer.
        is_test = delivery.topic == TEST_TOPIC
        # The reason as a clause inside the sentences below.
        clause = error.rstrip(".")
        if succeeded:
            delivery.status, delivery.next_attempt_at = Delivery.Status.DELIVERED, None
            hook.consecutive_failures = 0
            _tell_about(delivery, hook, Topic.HOOK_SENT,
                        f"Webhook {hook.pk} delivered {delivery.topic} event {delivery.pk} "
                        f"on try {delivery.attempts}.",
                        _about("sent", delivery, hook))
        elif delivery.attempts <= len(schedule) and not is_test:
            delivery.status = Delivery.Status.RETRYING
            delivery.next_attempt_at = now + schedule[delivery.attempts - 1]
            hook.consecutive_failures += 1
            retry_at = _instant(delivery.next_attempt_at)
            _tell_about(delivery, hook, Topic.HOOK_RETRIED,
                        f"Webhook {hook.pk} failed to deliver {delivery.topic} event "
                        f"{delivery.pk} on try {delivery.attempts}: {clause}; the next try is "
                        f"at {retry_at}.",
                        _about("retried", delivery, hook, lastError=error,
                               retryAt=retry_at))
        else:
            delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
            if not is_test:
                hook.consecutive_failures += 1
            _tell_about(delivery, hook, Topic.HOOK_FAILED,
                        f"Webhook {hook.pk} gave up delivering {delivery.topic} event "
                        f"{delivery.pk} after {delivery.attempts} tries: {error}",
                        _about("failed", delivery, hook, lastError=error))
        delivery.save(update_fields=["attempts", "status", "next_attempt_at"])
        hook.save(update_fields=["consecutive_failures"])
        if (not succeeded and hook.is_active and not is_test
                and hook.consecutive_failures >= settings.WEBHOOKS_PAUSE_AFTER_FAILURES):
            _pause_for_failures(hook, tried, failed)
    return delivery.status


def _about(prefix, delivery, hook, **more) -> dict:
    """The details that name the delivery a Hook topic reports on: sentHookId, failedEventId
    and so on, with the tries so far."""
    return {f"{prefix}HookId": str(hook.pk), f"{prefix}EventId": delivery.pk,
            f"{prefix}Topic": delivery.topic, "attempts": delivery.attempts, **more}


def _tell_about(delivery, hook, topic, message, details) -> None:
    """The other hooks that asked for `topic` (HookSent, HookSentRetry or HookSentError)
    hear what became of `delivery`. Never the hook it was for, and never about a test event
    or a delivery of these topics itself, so that nothing chains."""
    if delivery.organization_id is None or delivery.topic in (*HOOK_TOPICS, TEST_TOPIC):
        return
    others = [other for other in Webhook.objects.hearing_of(
        delivery.organization_id, delivery.organization.environment_id).exclude(pk=hook.pk)
        if topic in other.topics]
    for other in others:
        # It names the document the delivery was about, as that delivery did.
        queue(other, topic, organization=delivery.organization,
              document_id=delivery.document_id,
              message=message[:500],
              details={**details, **({"documentId": str(delivery.document_id)}
                                     if delivery.document_id else {})})


def _pause_for_failures(hook, tried, failed) -> None:
    from webhooks.addresses import shown_address

    reason = Said(gettext_noop("Paused after %(count)d failed tries in a row. Last: "
                               "%(error)s"), count=hook.consecutive_failures,
                  error=failed.reason)
    hook.is_active, hook.paused_reason, hook.paused_said = False, reason[:300], as_data(reason)
    hook.save(update_fields=["is_active", "paused_reason", "paused_said"])
    hook._record(None, None, "webhook.paused", after={"reason": hook.paused_said})
    recipients = list(hook.organization.administrators() if hook.organization_id
                      else hook.environment.administrators())
    # A hook an accountant made through a partnership feeds the accountancy's software: its
    # administrators must hear of the pause too, and open the hook's page in their own
    # environment (WebhookQuerySet.visible_to reaches the partnership's organization).
    partnership = hook.partnership if hook.partnership_id else None
    if partnership is not None and partnership.ended_at is None:
        recipients += [admin for admin in partnership.accountant.administrators()
                       if admin not in recipients]
    notify("webhook_paused", recipients, "webhooks/email/paused", {
        "hook": hook, "address": shown_address(hook.url), "attempt": tried,
        "failures": hook.consecutive_failures, "days": settings.WEBHOOKS_KEEP_DAYS,
        "url": portal_link(reverse("webhooks:detail", args=[hook.pk]))})


def due(now=None) -> list[int]:
    """Claim the deliveries whose next try has come, for active hooks; returns their ids."""
    now = now or timezone.now()
    with transaction.atomic():
        pks = list(Delivery.objects.select_for_update(skip_locked=True)
                   .filter(status=Delivery.Status.RETRYING, next_attempt_at__lte=now,
                           webhook__is_active=True).values_list("pk", flat=True)[:500])
        Delivery.objects.filter(pk__in=pks).update(status=Delivery.Status.PENDING,
                                                   next_attempt_at=None)
    return pks


def purge_due(now=None) -> int:
    """Finished deliveries, and those still waiting for a paused hook, once they are older
    than WEBHOOKS_KEEP_DAYS."""
    keep_from = (now or timezone.now()) - timedelta(days=settings.WEBHOOKS_KEEP_DAYS)
    deleted, _rows = Delivery.objects.filter(
        models.Q(status__in=(Delivery.Status.DELIVERED, Delivery.Status.FAILED))
        | models.Q(status=Delivery.Status.RETRYING, webhook__is_active=False),
        created_at__lt=keep_from).delete()
    return deleted
