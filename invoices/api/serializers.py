"""What the documents API answers, and the recipient query it reads."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from invoices.models import Document, Status
from invoices.models.documents import PROCESSING, REJECT_REASON_MAX_LENGTH
from invoices.peppol.validation import RuleMessage

MAX_RECIPIENTS = 25


class AcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The document's id in the portal."))
    delivery_id = serializers.UUIDField(
        help_text=_("The Delivery ID: the proof that the platform accepted the document."))
    status = serializers.CharField(help_text=_("created: the rules and routing follow."))
    client_document_id = serializers.CharField(allow_blank=True)
    location = serializers.CharField(help_text=_("Where to follow the document's status."))


class EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField()
    # In the language the request asks for (Accept-Language), whoever caused the step.
    detail = serializers.CharField(source="detail_shown", allow_blank=True)


def offered_to_software(document: Document) -> bool:
    """Whether the API's download gives the document: not while it is held as a possible
    duplicate, and no longer once it is rejected (the download then answers 409)."""
    return document.offered_for_download and document.status != Status.REJECTED


class ValidationMessageSerializer(serializers.Serializer):
    rule_id = serializers.CharField(allow_blank=True)
    flag = serializers.CharField()
    text = serializers.CharField(
        allow_blank=True,
        help_text=_("The rule's message, without the rule id that the official text starts "
                    "with: rule_id holds it."))
    location = serializers.CharField(allow_blank=True, required=False)

    @staticmethod
    def shown(stored: dict) -> dict:
        """A message of a stored report as the API answers it. The stored report keeps the
        official text; the answer leaves out the "[BR-CO-16]-" that repeats rule_id."""
        return {"rule_id": stored.get("rule_id", ""), "flag": stored.get("flag", ""),
                "text": RuleMessage.from_dict(stored).shown_text,
                "location": stored.get("location", "")}


class PeppolEvidenceSerializer(serializers.Serializer):
    message_id = serializers.CharField(allow_blank=True, help_text=_("The AS4 message id."))
    access_point_url = serializers.CharField(
        allow_blank=True, help_text=_("The receiving access point's address."))
    access_point_subject = serializers.CharField(
        allow_blank=True, help_text=_("The subject of the receiving access point's certificate."))
    receipt = serializers.CharField(
        allow_blank=True, help_text=_("The signed AS4 receipt (XML), once delivered."))
    attempts = serializers.IntegerField()
    last_error = serializers.CharField(allow_blank=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


class SentDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    delivery_id = serializers.UUIDField(allow_null=True)
    client_document_id = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=Status.choices, help_text=_(
        "created: stored, the rules and routing follow. refused: the rules or the sender "
        "check refused it, for good (status_reason says why). queued: on its way, or waiting "
        "for the receiver's network (status_reason says so). delivered: the receiving side "
        "has it. delivery_failed: it could not be delivered (status_reason says why); retry "
        "tries again. opened, under_review, paid and rejected: what a receiver on this "
        "platform says of it."))
    status_reason = serializers.CharField(source="reason_shown", allow_blank=True)
    document_type = serializers.CharField(allow_blank=True)
    number = serializers.CharField(allow_blank=True)
    issue_date = serializers.DateField(allow_null=True)
    receiver = serializers.CharField(source="receiver_id", allow_blank=True)
    created_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    valid = serializers.SerializerMethodField(
        help_text=_("Whether the document passed the official rules; null until checked."))
    rules = serializers.CharField(allow_blank=True)
    rules_release = serializers.CharField(allow_blank=True)
    messages = serializers.SerializerMethodField()
    events = EventSerializer(many=True, help_text=_("The history: the evidence of each step."))
    peppol = serializers.SerializerMethodField(
        help_text=_("The evidence of delivery over Peppol; null for delivery inside the "
                    "platform."))

    def get_valid(self, document) -> bool | None:
        return document.validation.get("valid") if document.validation else None

    @extend_schema_field(ValidationMessageSerializer(many=True))
    def get_messages(self, document) -> list:
        messages = (document.validation or {}).get("messages", [])
        return [ValidationMessageSerializer.shown(message) for message in messages]

    @extend_schema_field(PeppolEvidenceSerializer(allow_null=True))
    def get_peppol(self, document) -> dict | None:
        evidence = getattr(document, "peppol_evidence", None)
        return PeppolEvidenceSerializer(evidence).data if evidence is not None else None


class ReceivedDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    delivery_id = serializers.UUIDField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices, help_text=_(
        "received: new. downloaded: marked downloaded. opened, under_review, approved, "
        "approved_for_payment, payment_started and paid: the processing status set. "
        "rejected: rejected by the receiver. duplicate: held as a possible duplicate until "
        "it is marked as original."))
    status_reason = serializers.CharField(
        source="reason_shown", allow_blank=True,
        help_text=_("Why it is a possible duplicate, or why it was rejected."))
    document_type = serializers.CharField(allow_blank=True)
    number = serializers.CharField(allow_blank=True)
    issue_date = serializers.DateField(allow_null=True)
    sender = serializers.CharField(source="sender_id", allow_blank=True)
    supplier_name = serializers.CharField(source="counterparty_name", allow_blank=True)
    currency = serializers.CharField(allow_blank=True)
    payable_amount = serializers.DecimalField(max_digits=19, decimal_places=2, allow_null=True)
    attachments = serializers.IntegerField(
        source="attachment_count",
        help_text=_("How many supporting documents, such as the invoice as PDF, the UBL "
                    "carries; they come with its download."))
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()
    downloaded_at = serializers.DateTimeField(allow_null=True)
    keep_until = serializers.DateTimeField(allow_null=True)
    download = serializers.SerializerMethodField(help_text=_(
        "The address to download the UBL from; null while the download would answer 409: "
        "for a document held as a possible duplicate, until it is marked as original, and "
        "for a rejected document."))

    def get_download(self, document) -> str | None:
        if not offered_to_software(document):
            return None
        return reverse("documents_api:inbox-download", args=[document.pk])


class RejectionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REJECT_REASON_MAX_LENGTH,
        help_text=_("What is wrong with the document. A sender on this platform reads it."))


# Named in the OpenAPI document (SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES).
PROCESSING_CHOICES = [(status.value, status.label) for status in PROCESSING]


class ProcessingStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=PROCESSING_CHOICES,
        help_text=_("How far your bookkeeping is with the document. A sender on this "
                    "platform sees it: opened as opened, paid as paid, the others as under "
                    "review."))


class RecipientQuerySerializer(serializers.Serializer):
    identifiers = serializers.ListField(
        child=serializers.CharField(max_length=200), min_length=1, max_length=MAX_RECIPIENTS,
        help_text=_("Endpoint ids as scheme:value, such as 0106:12345678."))


class RecipientSerializer(serializers.Serializer):
    asked = serializers.CharField(help_text=_("The endpoint id as the request wrote it, "
                                              "without spaces before or after it."))
    identifier = serializers.CharField(
        help_text=_("The endpoint id as the platform writes it (scheme:value, no spaces)."))
    valid = serializers.BooleanField(help_text=_("Whether this is a valid Peppol identifier."))
    reachable = serializers.BooleanField()
    platform = serializers.BooleanField(
        help_text=_("An organization on this platform receives for it."))
    peppol = serializers.BooleanField(
        help_text=_("It is registered on the Peppol network (SML and SMP)."))
    document_types = serializers.ListField(child=serializers.CharField())
    error = serializers.CharField(
        allow_blank=True, help_text=_("Why the identifier is invalid, or why the network "
                                      "could not tell."))
