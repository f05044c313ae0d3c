"""Documents: invoices and credit notes an organization sent or received, with the UBL exactly
as it came, its key facts, the validation result and an append-only history of statuses."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models, transaction
from django.db.models import F
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from invoices.peppol.parties import SenderReceiverIds
from invoices.signals import delivery_retried, document_changed
from onboarding.models import Organization
from onboarding.models.audit import record
from portal.errors import ChangeRefused
from portal.fields import acting_user
from portal.mail import portal_link
from portal.said import Said, Shown, as_data, said_field


class Direction(models.TextChoices):
    OUTGOING = "outgoing", _("Outgoing")
    INCOMING = "incoming", _("Incoming")


class DocumentType(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal upload")
    CONNECTION_KEY = "connection_key", _("Connection key")
    SERVICE_BROKER = "service_broker", _("Service broker (Entra ID)")
    TEST = "test", _("Test invoice")
    PLATFORM = "platform", _("Delivered inside the platform")
    PEPPOL = "peppol", _("Peppol network (AS4)")


class Status(models.TextChoices):
    CREATED = "created", _("Created")
    REFUSED = "refused", _("Refused")
    QUEUED = "queued", _("Queued")
    DELIVERED = "delivered", _("Delivered")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
    RECEIVED = "received", _("Received")
    DUPLICATE = "duplicate", _("Duplicate")
    DOWNLOADED = "downloaded", _("Downloaded")
    OPENED = "opened", _("Opened")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    APPROVED_FOR_PAYMENT = "approved_for_payment", _("Approved for payment")
    PAYMENT_STARTED = "payment_started", _("Payment started")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")


# What the receiver says of a received invoice as its bookkeeping deals with it, in the
# order it usually goes; it may go back a step, as corrections need. Opened comes first: a
# person looked at it, in the portal (Document.open) or in the receiver's software.
PROCESSING = (Status.OPENED, Status.UNDER_REVIEW, Status.APPROVED, Status.APPROVED_FOR_PAYMENT,
              Status.PAYMENT_STARTED, Status.PAID)
# A processing status may be set on a received invoice while it is any of these.
PROCESSABLE = frozenset({Status.RECEIVED, Status.DOWNLOADED, *PROCESSING})
OUTGOING_STATUSES = (Status.CREATED, Status.REFUSED, Status.QUEUED, Status.DELIVERED,
                     Status.DELIVERY_FAILED, Status.OPENED, Status.UNDER_REVIEW, Status.PAID,
                     Status.REJECTED)
INCOMING_STATUSES = (Status.RECEIVED, Status.DUPLICATE, Status.DOWNLOADED, *PROCESSING,
                     Status.REJECTED)

# A received document may be rejected while it is any of these: once paid, it is too late.
REJECTABLE = frozenset({Status.RECEIVED, Status.DOWNLOADED, Status.DUPLICATE,
                        *PROCESSING}) - {Status.PAID}
# What the sender's copy says of each processing status: the platform's outbox knows only
# "opened", "under review" and "paid"; its history names the receiver's own word.
SENDER_SEES = {status: status if status in (Status.OPENED, Status.PAID)
               else Status.UNDER_REVIEW for status in PROCESSING}
# What a receiver may say of why it rejects an invoice: the sender reads it in a status line.
REJECT_REASON_MAX_LENGTH = 400
# What a document's history keeps of a reason (DocumentEvent.detail as _record cuts it).
ORIGINAL_REASON_MAX_LENGTH = 2000

# The reason of an outgoing document that nothing reaches its receiver by yet. It is stored
# as a message (portal.said), so readers see it in their own language, and found again by
# its text id, whatever the language it was written down in.
WAITING_FOR_PEPPOL = gettext_noop("Waiting for the Peppol network: delivery over Peppol is not "
                                  "configured on this platform.")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# What waits or went wrong, as the dashboard counts it: the status, its direction, and
# whether only the recent ones count (refused, failed and duplicate documents stay so for
# good; queued and received ones wait to be dealt with, however old).
NEEDING_ATTENTION = (
    (Status.REFUSED, Direction.OUTGOING, True),
    (Status.DELIVERY_FAILED, Direction.OUTGOING, True),
    (Status.REJECTED, Direction.OUTGOING, True),
    (Status.QUEUED, Direction.OUTGOING, False),
    (Status.RECEIVED, Direction.INCOMING, False),
    (Status.DUPLICATE, Direction.INCOMING, True),
)


class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user, environment):
        """Documents of the organizations `user` may manage: their own environment's, and
        clients' through a partnership."""
        return self.filter(organization__in=Organization.objects.manageable_by(user, environment))

    def outbox(self):
        return self.filter(direction=Direction.OUTGOING)

    def mailed_today(self, organization) -> int:
        """How many documents `organization` sent in the last 24 hours to be mailed to a
        receiver that is not on Peppol (settings.RECEIVER_EMAILS_PER_DAY)."""
        return (self.outbox().filter(organization=organization,
                                     created_at__gte=timezone.now() - timedelta(days=1))
                .exclude(receiver_email="").count())

    def inbox(self):
        return self.filter(direction=Direction.INCOMING)

    def same_invoice(self, organization_id, supplier_id, number, issue_date, document_type):
        """Received documents of one inbox with the same supplier, number and issue date,
        of the same type: what makes a newly received one a possible duplicate. A credit
        note is not a copy of the invoice it shares a number with."""
        return self.inbox().filter(organization_id=organization_id, supplier_id=supplier_id,
                                   number=number, issue_date=issue_date,
                                   document_type=document_type)

    def offered(self):
        """Incoming documents an ERP may fetch: duplicates stay out until released."""
        return self.inbox().filter(status__in=(Status.RECEIVED, Status.DOWNLOADED, *PROCESSING))

    def processable_by(self, user, environment):
        """Received documents that take a processing status (Document.may_be_processed), of
        the organizations whose invoices `user` may process: as administrator, or as
        accountant with a partnership."""
        return self.inbox().filter(
            status__in=PROCESSABLE,
            organization__in=Organization.objects.configurable_by(user, environment))

    def awaiting_fetching(self):
        """What Document.awaits_fetching says of one document."""
        return self.inbox().filter(status=Status.RECEIVED)

    def due_for_purge(self, now=None):
        return self.filter(direction=Direction.INCOMING, keep_until__lte=now or timezone.now())

    def needing_attention(self, since, cap: int) -> dict[str, int]:
        """How many documents wait or went wrong, by status (see NEEDING_ATTENTION), each
        count stopping at `cap` so that a huge inbox costs no more than a small one."""
        counts = {}
        for status, direction, recent_only in NEEDING_ATTENTION:
            documents = self.filter(direction=direction, status=status)
            if recent_only:
                documents = documents.filter(created_at__gte=since)
            counts[status] = documents.order_by()[:cap].count()
        return counts

    def counted_by_status(self) -> dict[str, list[tuple[str, str, int]]]:
        """{direction: [(status, its label, how many), …]}, the statuses in the order
        documents usually go through them; statuses without documents are left out."""
        counts = {(direction, status): n for direction, status, n in (
            self.order_by().values("direction", "status").annotate(n=models.Count("pk"))
            .values_list("direction", "status", "n"))}
        return {direction: [(status, status.label, counts[direction, status])
                            for status in statuses if (direction, status) in counts]
                for direction, statuses in ((Direction.OUTGOING, OUTGOING_STATUSES),
                                            (Direction.INCOMING, INCOMING_STATUSES))}

    def last_moments(self) -> dict[str, datetime | None]:
        """When the last document was sent and received, and a received one last fetched."""

        def last(documents, field, order):
            # The newest by id, as the indexes keep them, is the newest by creation too.
            return documents.order_by(order).values_list(field, flat=True).first()

        return {"sent": last(self.outbox(), "created_at", "-id"),
                "received": last(self.inbox(), "created_at", "-id"),
                "fetched": last(self.inbox().filter(downloaded_at__isnull=False),
                                "downloaded_at", "-downloaded_at")}

    def waiting_for_network(self):
        """Outgoing documents queued with nothing to reach their receiver by (see
        Document.waits_for_network)."""
        return self.outbox().filter(status=Status.QUEUED, reason_said__id=WAITING_FOR_PEPPOL)

    def for_list(self):
        # The list never needs the document itself, which may run to megabytes.
        return self.select_related("organization").defer("content", "validation")


class Document(SenderReceiverIds, models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="documents", verbose_name=_("organization"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    document_type = models.CharField(_("type"), max_length=12, choices=DocumentType.choices,
                                     blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    # The reason as a message to say again in the reader's language (portal.said).
    reason_said = said_field()
    reason_shown = Shown("status_reason", "reason_said")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # The UBL exactly as it came in; every download gives these bytes back.
    content = models.BinaryField(_("UBL"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    filename = models.CharField(_("file name"), max_length=255, blank=True)

    sender_scheme = models.CharField(_("sender scheme"), max_length=4, blank=True)
    sender_value = models.CharField(_("sender Endpoint-ID"), max_length=130, blank=True)
    receiver_scheme = models.CharField(_("receiver scheme"), max_length=4, blank=True)
    receiver_value = models.CharField(_("receiver Endpoint-ID"), max_length=130, blank=True)
    supplier_id = models.CharField(_("supplier identifier"), max_length=140, blank=True)
    counterparty_name = models.CharField(_("counterparty"), max_length=200, blank=True)
    number = models.CharField(_("number"), max_length=200, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    payable_amount = models.DecimalField(_("amount payable"), max_digits=19, decimal_places=2,
                                         null=True, blank=True)
    buyer_reference = models.CharField(_("buyer reference"), max_length=200, blank=True)
    attachment_count = models.PositiveSmallIntegerField(_("attachments"), default=0)

    validation = models.JSONField(_("validation report"), default=dict, blank=True)
    rules = models.CharField(_("rule set"), max_length=100, blank=True)
    rules_release = models.CharField(_("rules release"), max_length=40, blank=True)

    delivery_id = models.UUIDField(_("Delivery ID"), null=True, blank=True, editable=False)
    # The sending software's own id for the document (a header of the documents API): the
    # same id again means "already sent", never a second document.
    client_document_id = models.CharField(_("client document id"), max_length=100,
                                          blank=True)
    # The key whose software sent it, for outgoing documents that came by machine.
    connection_key = models.ForeignKey("onboarding.ConnectionKey", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="documents",
                                       verbose_name=_("connection key"))
    # The Entra ID identity that sent it through the service broker.
    entra_identity = models.ForeignKey("onboarding.EntraIdentity", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="documents",
                                       verbose_name=_("Entra ID identity"))
    source = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="deliveries", verbose_name=_("sent as"))
    # Where a SOAP sender asked the invoice to be mailed when its receiver is neither on the
    # platform nor on Peppol (invoices.transport.email).
    receiver_email = models.EmailField(_("receiver's email address"), blank=True)
    created_by = acting_user(blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    downloaded_at = models.DateTimeField(_("downloaded"), null=True, blank=True)
    # When a received document is purged; outgoing ones stay as long as the organization.
    keep_until = models.DateTimeField(_("kept until"), null=True, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-id"]
        indexes = [
            # The outbox and inbox of one organization, newest first, by keyset on id.
            models.Index(fields=["organization", "direction", "-id"], name="doc_org_dir_recent"),
            # The same across all organizations a user may see.
            models.Index(fields=["direction", "-id"], name="doc_dir_recent"),
            # The outbox and inbox of one organization sorted by a column, either way, by
            # keyset on (value, id), read forwards or backwards from the cursor
            # (invoices.pagination.KeysetOrder); the rows without a value, which come last
            # either way, by id from an index of their own: PostgreSQL does not read the id
            # order from the column's index after "IS NULL".
            models.Index(fields=["organization", "direction", "issue_date", "id"],
                         name="doc_org_dir_issued"),
            models.Index(fields=["organization", "direction", "id"],
                         condition=models.Q(issue_date__isnull=True),
                         name="doc_org_dir_no_issue_date"),
            models.Index(fields=["organization", "direction", "payable_amount", "id"],
                         name="doc_org_dir_amount"),
            models.Index(fields=["organization", "direction", "id"],
                         condition=models.Q(payable_amount__isnull=True),
                         name="doc_org_dir_no_amount"),
            models.Index(fields=["organization", "direction", "status_changed_at", "id"],
                         name="doc_org_dir_since"),
            models.Index(fields=["organization", "direction", "status", "-id"],
                         name="doc_org_dir_status"),
            # The lists filtered by the day a document came, with or without a direction.
            models.Index(fields=["organization", "created_at"], name="doc_org_created"),
            # What the dashboard counts of the last days, and the received invoices waiting
            # longest to be fetched (reminders.waiting_inboxes), without reading older rows.
            models.Index(fields=["organization", "direction", "status", "created_at"],
                         name="doc_org_dir_status_created"),
            # Duplicate detection on arrival.
            models.Index(fields=["organization", "supplier_id", "number", "issue_date"],
                         name="doc_duplicate_key"),
            models.Index(fields=["keep_until"], name="doc_keep_until",
                         condition=models.Q(keep_until__isnull=False)),
            # A whole Delivery ID, or the start of one as a page title quotes it: a range.
            models.Index(fields=["delivery_id"], name="doc_delivery_id"),
            # What the lists' search finds besides text (invoices.filters), in one
            # organization's box and across those a user may see alike: the counterparty's
            # Endpoint-ID in any case (`iexact` is UPPER(value::text) = UPPER(…)), the
            # customer's of a sent document and the supplier's of a received one; and the id
            # the sending software gave (the unique constraint's index begins with the
            # organization, which a search across organizations does not give).
            models.Index(Upper("receiver_value"), F("organization"), name="doc_customer_id",
                         condition=models.Q(direction=Direction.OUTGOING)),
            models.Index(Upper("sender_value"), F("organization"), name="doc_supplier_id",
                         condition=models.Q(direction=Direction.INCOMING)),
            models.Index(fields=["client_document_id"], name="doc_client_document_id",
                         condition=~models.Q(client_document_id="")),
            # When software last fetched from an organization's inbox (last_moments).
            models.Index(fields=["organization", "-downloaded_at"], name="doc_org_fetched",
                         condition=models.Q(downloaded_at__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["delivery_id", "direction"],
                                    name="delivery_id_once_per_direction"),
            models.UniqueConstraint(
                fields=["organization", "client_document_id"],
                condition=~models.Q(client_document_id=""),
                name="client_document_id_once_per_organization",
                violation_error_message=_("This organization already sent a document with "
                                          "this client document id.")),
        ]

    def __str__(self):
        return self.number or gettext("Document %(pk)s") % {"pk": self.pk}

    def get_absolute_url(self):
        return reverse("invoices:document", args=[self.pk])

    @property
    def environment(self):
        return self.organization.environment

    @property
    def is_outgoing(self) -> bool:
        return self.direction == Direction.OUTGOING

    @property
    def offered_for_download(self) -> bool:
        return self.status != Status.DUPLICATE

    @property
    def awaits_fetching(self) -> bool:
        """Received and not yet marked downloaded, by software or in the portal."""
        return self.direction == Direction.INCOMING and self.status == Status.RECEIVED

    @property
    def waits_for_network(self) -> bool:
        """Queued to be sent, with nothing to reach its receiver by: no organization here
        receives for it, and delivery over Peppol is not configured (wait_for_network)."""
        return (self.status == Status.QUEUED
                and (self.reason_said or {}).get("id") == WAITING_FOR_PEPPOL)

    # -- creating ---------------------------------------------------------------------------

    @classmethod
    def store(cls, *, organization, direction, status, content: bytes, channel, by=None,
              actor_label="", detail="", **fields) -> Document:
        """A new document with its first event and audit entry; call inside a transaction."""
        now = timezone.now()
        if "status_reason" in fields:
            fields.update(_reason(fields.pop("status_reason")))
        document = cls.objects.create(
            organization=organization, direction=direction, status=status, channel=channel,
            content=bytes(content), sha256=sha256(content), size=len(content),
            created_by=by if getattr(by, "pk", None) else None, created_at=now,
            status_changed_at=now,
            keep_until=(now + timedelta(days=settings.DOCUMENT_RETENTION_DAYS)
                        if direction == Direction.INCOMING else None),
            **fields,
        )
        document._record(by, actor_label, "", status, detail)
        return document

    # -- history ----------------------------------------------------------------------------

    def _record(self, by, actor_label, from_status, to_status, detail=""):
        user = by if getattr(by, "pk", None) else None
        label = actor_label or (user.email if user else "system")
        event = DocumentEvent.objects.create(document=self, actor=user,
                                             actor_label=label[:254],
                                             from_status=from_status, to_status=to_status,
                                             detail=detail[:2000], detail_said=as_data(detail))
        transaction.on_commit(lambda: document_changed.send(Document, document=self,
                                                            event=event))
        record(environment=self.organization.environment, actor=user, actor_label=label,
               action=f"document.{to_status}", target=self,
               before={"status": from_status} if from_status else {},
               after={"status": to_status, "direction": self.direction,
                      **({"detail": as_data(detail) or detail[:500]} if detail else {})})

    def _transition(self, by, to_status, allowed_from, *, actor_label="", detail="",
                    locked=None, beyond=(), **changes) -> bool:
        """Move to `to_status` under a row lock; False when it already was there, or in one
        of the statuses `beyond` it. `locked` is this document as the caller's transaction
        already locked it (see `locked`)."""
        with transaction.atomic(savepoint=locked is None):
            current = locked or self.locked()
            if current.status == to_status or current.status in beyond:
                self._refresh_from(current)
                return False
            if current.status == Status.DUPLICATE and current.status not in allowed_from:
                raise ChangeRefused(gettext("This document is held as a possible duplicate: "
                                            "mark it as original first, in the portal."))
            if current.status not in allowed_from:
                raise ChangeRefused(
                    gettext("This document is %(status)s; that step is not possible now.")
                    % {"status": current.get_status_display().lower()})
            from_status = current.status
            current.status = to_status
            current.status_changed_at = timezone.now()
            for name, value in changes.items():
                setattr(current, name, value)
            current.save(update_fields=["status", "status_changed_at", *changes])
            current._record(by, actor_label, from_status, to_status, detail)
        self._refresh_from(current)
        return True

    def locked(self, *, content=False) -> Document:
        """This document's row locked for the current transaction, with its organization and
        environment read along (not locked: documents of the organization keep arriving
        meanwhile); the UBL only when asked for."""
        rows = (Document.objects.select_for_update(of=("self",))
                .select_related("organization__environment"))
        try:
            return (rows if content else rows.defer("content")).get(pk=self.pk)
        except Document.DoesNotExist:
            # Deleted meanwhile, by its receiver's software for one.
            raise ChangeRefused(gettext("This document was deleted meanwhile.")) from None

    def _refresh_from(self, current):
        for name in ("status", "status_reason", "reason_said", "status_changed_at",
                     "delivery_id", "downloaded_at", "keep_until"):
            setattr(self, name, getattr(current, name))

    # -- outgoing ---------------------------------------------------------------------------

    def refuse(self, by, reason: str, *, actor_label="", **changes) -> bool:
        """Refused; `changes` are further fields written with the status (the report)."""
        return self._transition(by, Status.REFUSED, {Status.CREATED}, actor_label=actor_label,
                                detail=reason, **_reason(reason), **changes)

    def queue(self, by, reason: str = "", *, actor_label="", **changes) -> bool:
        """Accepted: it passed the rules and the sender may send. The Delivery ID is given
        here, once; `changes` are further fields written with the status (the report)."""
        return self._transition(by, Status.QUEUED, {Status.CREATED}, actor_label=actor_label,
                                detail=reason, **_reason(reason),
                                delivery_id=self.delivery_id or uuid.uuid4(), **changes)

    def wait_for_network(self) -> bool:
        """Nobody on the platform receives for it: it waits, with the reason shown."""
        with transaction.atomic():
            current = Document.objects.select_for_update().defer("content").get(pk=self.pk)
            if current.status != Status.QUEUED or current.waits_for_network:
                self._refresh_from(current)
                return False
            reason = Said(WAITING_FOR_PEPPOL)
            for field, value in _reason(reason).items():
                setattr(current, field, value)
            current.save(update_fields=["status_reason", "reason_said"])
            DocumentEvent.objects.create(document=current, actor_label="system: routing",
                                         from_status=Status.QUEUED, to_status=Status.QUEUED,
                                         detail=reason, detail_said=as_data(reason))
        self._refresh_from(current)
        return True

    def note_delivery_retry(self, attempt: int, reason: str, retry_at, *,
                            actor_label="") -> bool:
        """A try to deliver failed in a way that may pass, and another is scheduled: the
        reason is shown and recorded, and `delivery_retried` is sent after the commit."""
        detail = Said(gettext_noop("Attempt %(attempt)d failed: %(reason)s The next attempt is "
                                   "at %(at)s."), attempt=attempt, reason=reason,
                      at=timezone.localtime(retry_at).strftime("%Y-%m-%d %H:%M %Z"))
        with transaction.atomic():
            current = Document.objects.select_for_update().defer("content").get(pk=self.pk)
            if current.status != Status.QUEUED:
                self._refresh_from(current)
                return False
            current.status_reason, current.reason_said = detail[:500], as_data(detail)
            current.save(update_fields=["status_reason", "reason_said"])
            DocumentEvent.objects.create(document=current, actor_label=actor_label or "system",
                                         from_status=Status.QUEUED, to_status=Status.QUEUED,
                                         detail=detail, detail_said=as_data(detail))
            transaction.on_commit(lambda: delivery_retried.send(
                Document, document=current, attempt=attempt, reason=reason,
                retry_at=retry_at))
        self._refresh_from(current)
        return True

    def mark_delivered(self, by, detail: str, *, actor_label="", locked=None) -> bool:
        return self._transition(by, Status.DELIVERED, {Status.QUEUED, Status.DELIVERY_FAILED},
                                actor_label=actor_label, detail=detail, **_reason(""),
                                locked=locked)

    def mark_delivery_failed(self, by, reason: str, *, actor_label="") -> bool:
        return self._transition(by, Status.DELIVERY_FAILED, {Status.QUEUED},
                                actor_label=actor_label, detail=reason, **_reason(reason))

    def retry_delivery(self, by, *, actor_label="") -> bool:
        """Delivery failed, and the sender asks to try again: Queued once more with the
        earlier attempts' errors and counts cleared, and routed anew after the commit, since
        the receiver may be on the platform by now or its access point back. The Peppol
        message id stays: the receiving access point may have taken an earlier try whose
        receipt never came back, and must see the new one as the same message. False when
        it was no longer Delivery failed. Refused, as a new document would be, when the
        sender may no longer send it."""
        from invoices.models.evidence import PeppolEvidence
        from invoices.submission import receiver_for, route, sender_problem

        problem = sender_problem(self.organization, self.sender_scheme, self.sender_value)
        if problem and self.status == Status.DELIVERY_FAILED:
            raise ChangeRefused(problem)
        with transaction.atomic():
            changed = self._transition(by, Status.QUEUED, {Status.DELIVERY_FAILED},
                                       actor_label=actor_label,
                                       detail=Said(gettext_noop("Delivery is tried again.")),
                                       **_reason(""))
            if changed:
                evidence = PeppolEvidence.objects.filter(document_id=self.pk)
                if receiver_for(self.receiver_scheme, self.receiver_value) is not None:
                    # It goes inside the platform now: no Peppol evidence for that.
                    evidence.delete()
                evidence.filter(message_id="").delete()
                evidence.update(
                    access_point_url="", access_point_subject="", receipt="", attempts=0,
                    last_error="", last_error_said=None, last_error_detail="",
                    next_attempt_at=None, completed_at=None)
                pk = self.pk
                transaction.on_commit(lambda: route(pk))
        return changed

    def rejected_by_receiver(self, receiver, reason: str) -> bool:
        """The receiver on the platform rejected the delivered copy; False when this one
        was no longer Delivered (nothing to change then)."""
        from invoices import notifications

        said = Said(gettext_noop("Rejected by %(name)s: %(reason)s"), name=receiver.name,
                    reason=reason)
        try:
            with transaction.atomic():
                changed = self._transition(None, Status.REJECTED,
                                           {Status.DELIVERED, *SENDER_SEES.values()},
                                           actor_label=receiver.name, detail=said,
                                           **_reason(said))
                if changed:
                    notifications.send("rejected", self.organization.administrators(), {
                        "document": self, "organization": self.organization,
                        "receiver": receiver, "reason": reason,
                        "url": portal_link(self.get_absolute_url())})
        except ChangeRefused:
            return False
        return changed

    def processed_by_receiver(self, receiver, status: str) -> bool:
        """The receiver on the platform set a processing status on the delivered copy: this
        one shows what the outbox knows of it (see SENDER_SEES), with the receiver's own word
        as the reason and in the history. False when this one was neither delivered nor
        being processed any more (rejected, say)."""
        said = Said(gettext_noop("%(name)s: %(status)s"), name=receiver.name,
                    status=_status_said(status))
        shown = SENDER_SEES[status]
        try:
            with transaction.atomic():
                current = self.locked()
                if current.status == shown:
                    # Still under review on this side, one step further on the other.
                    reason = _reason(said)
                    for name, value in reason.items():
                        setattr(current, name, value)
                    current.save(update_fields=list(reason))
                    current._record(None, receiver.name, shown, shown, said)
                    self._refresh_from(current)
                    return True
                return self._transition(None, shown, {Status.DELIVERED, *SENDER_SEES.values()},
                                        actor_label=receiver.name, detail=said, locked=current,
                                        **_reason(said))
        except ChangeRefused:
            return False

    # -- incoming ---------------------------------------------------------------------------

    def mark_original(self, by, reason: str) -> bool:
        """Release a duplicate that is not one: it becomes Received and is offered again."""
        reason = _given_reason(reason, gettext("Say why this document is not a duplicate."),
                               ORIGINAL_REASON_MAX_LENGTH)
        if not self.may_mark_original(by):
            raise ChangeRefused(gettext("Only administrators of this organization and "
                                        "TechSupport mark a document as original."))
        return self._transition(by, Status.RECEIVED, {Status.DUPLICATE}, detail=reason,
                                **_reason(""))

    def originals(self):
        """The earlier received documents this one is held as a duplicate of: those the
        duplicate check on arrival (transport.receiving) found, with the same supplier,
        number and issue date in the same inbox, that were not rejected by then. Oldest
        first; none when this one is not held."""
        if self.direction != Direction.INCOMING or self.status != Status.DUPLICATE:
            return Document.objects.none()
        return (Document.objects.same_invoice(self.organization_id, self.supplier_id,
                                              self.number, self.issue_date, self.document_type)
                .filter(pk__lt=self.pk)
                .exclude(status=Status.REJECTED, status_changed_at__lte=self.created_at)
                .order_by("pk"))

    def discard(self, by, *, actor_label="") -> bool:
        """Delete a received document at its receiver's request; the audit log keeps that it
        was, and a fingerprint (ReceivedFingerprint) that the same invoice came, so a resend
        is still held as a possible duplicate. False when it was already gone."""
        from invoices.models.fingerprints import ReceivedFingerprint

        with transaction.atomic():
            current = (Document.objects.select_for_update().select_related("organization")
                       .defer("content").filter(pk=self.pk, direction=Direction.INCOMING)
                       .first())
            if current is None:
                return False
            user = by if getattr(by, "pk", None) else None
            record(environment=current.organization.environment, actor=user,
                   actor_label=actor_label or (user.email if user else "system"),
                   action="document.deleted", target=current,
                   before={"status": current.status, "direction": current.direction,
                           "delivery_id": str(current.delivery_id or "")})
            ReceivedFingerprint.remember([current])
            current.delete()
        return True

    def may_mark_original(self, user) -> bool:
        return bool(getattr(user, "is_techsupport", False)) or \
            self.organization.administered_by(user)

    def kept_after_download(self, now=None):
        """Until when the platform keeps this document once it is marked downloaded."""
        keep = (now or timezone.now()) + timedelta(
            days=settings.DOCUMENT_RETENTION_AFTER_DOWNLOAD_DAYS)
        return min(keep, self.keep_until) if self.keep_until else keep

    def mark_downloaded(self, by, *, actor_label="") -> bool:
        """Fetched by the receiver's software; kept a week more after that. Once someone set
        a processing status, the software's fetch changes nothing."""
        now = timezone.now()
        return self._transition(by, Status.DOWNLOADED, {Status.RECEIVED}, beyond=PROCESSING,
                                actor_label=actor_label, downloaded_at=now,
                                keep_until=self.kept_after_download(now))

    def reject(self, by, reason: str, *, actor_label="") -> bool:
        """The receiver refuses this invoice, for the reason it gives: its software no longer
        gets it. When it came from an organization on the platform, the sent copy is marked
        rejected with that reason in the same transaction (see `rejected_by_receiver`); a
        sender at another access point is not told by the platform."""
        reason = _given_reason(reason, gettext("Give the reason for rejecting."),
                               REJECT_REASON_MAX_LENGTH)
        with transaction.atomic():
            changed = self._transition(by, Status.REJECTED, REJECTABLE, actor_label=actor_label,
                                       detail=reason, **_reason(reason))
            sent = self._sent_copy() if changed else None
            if sent is not None:
                sent.rejected_by_receiver(self.organization, reason)
        return changed

    def set_processing_status(self, by, status: str, *, actor_label="") -> bool:
        """The receiver says how far its bookkeeping is with this invoice (see PROCESSING).
        When it came from an organization on the platform, the sent copy follows in the same
        transaction (see `processed_by_receiver`). False when it already was so."""
        if status not in PROCESSING:
            raise ChangeRefused(gettext("Choose one of the processing statuses."),
                                field="status")
        with transaction.atomic():
            changed = self._transition(by, status, PROCESSABLE, actor_label=actor_label,
                                       **_reason(""))
            sent = self._sent_copy() if changed else None
            if sent is not None:
                sent.processed_by_receiver(self.organization, status)
        return changed

    def open(self, by) -> bool:
        """A person of the receiver (or its accountant) opened this invoice in the portal
        after its software had fetched it: it is Opened, and so is the sender's copy on the
        platform.
        One that was not fetched yet stays Received, so that the software still gets it as
        new; one further on stays where it is. False when nothing changed."""
        if self.direction != Direction.INCOMING or self.status != Status.DOWNLOADED:
            return False
        with transaction.atomic():
            try:
                changed = self._transition(by, Status.OPENED, {Status.DOWNLOADED},
                                           beyond=PROCESSABLE - {Status.DOWNLOADED})
            except ChangeRefused:
                # Rejected or deleted meanwhile: there is nothing to open.
                return False
            sent = self._sent_copy() if changed else None
            if sent is not None:
                sent.processed_by_receiver(self.organization, Status.OPENED)
        return changed

    def _sent_copy(self) -> Document | None:
        """The sender's own copy of this received document, when it came from an
        organization on the platform and that copy is still there."""
        if self.source_id is None:
            return None
        return (Document.objects.filter(pk=self.source_id).select_related("organization")
                .defer("content", "validation").first())

    @property
    def may_be_processed(self) -> bool:
        return self.direction == Direction.INCOMING and self.status in PROCESSABLE

    @property
    def may_be_rejected(self) -> bool:
        return self.direction == Direction.INCOMING and self.status in REJECTABLE

    @property
    def sender_follows(self) -> bool:
        """Whether this received document's sender sees a rejection or a processing status:
        only a sender on the platform, whose sent copy this one is."""
        return self.source_id is not None


class DocumentEvent(models.Model):
    """One step in a document's history. Rows are only ever added."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = acting_user(blank=True)
    actor_label = models.CharField(_("by"), max_length=254)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    detail = models.TextField(_("detail"), blank=True)
    detail_said = said_field()
    detail_shown = Shown("detail", "detail_said")

    class Meta:
        verbose_name = _("document event")
        verbose_name_plural = _("document events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.from_status or '-'} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Document events are never changed.")
        return super().save(*args, **kwargs)


def _given_reason(reason: str, missing: str, limit: int) -> str:
    """The reason a person typed, trimmed, with its line breaks as one character each (a
    browser posts them as two, and counts them as one); refused (`missing` when there is
    none) unless it can be stored whole in at most `limit` characters."""
    reason = reason.replace("\r\n", "\n").strip()
    if not reason:
        raise ChangeRefused(missing, field="reason")
    if len(reason) > limit:
        raise ChangeRefused(
            gettext("Keep the reason to %(limit)d characters; it has %(length)d.")
            % {"limit": limit, "length": len(reason)}, field="reason")
    try:
        ProhibitNullCharactersValidator()(reason)
    except ValidationError as error:
        raise ChangeRefused(error.messages[0], field="reason") from None
    return reason


def _status_said(status: str) -> Said:
    """A status's name as a message that is said again in the reader's language."""
    with translation.override(None):
        msgid = str(Status(status).label)
    return Said(msgid)


def _reason(reason: str) -> dict:
    """The status reason's fields: its text, and the message to say it again."""
    return {"status_reason": reason[:500], "reason_said": as_data(reason)}
