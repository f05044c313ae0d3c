"""The event a webhook receives, as the OpenAPI document's `webhooks` section describes it."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from webhooks.models import TEST_TOPIC, Topic


class WebhookEventDetailsSerializer(serializers.Serializer):
    eventId = serializers.IntegerField(help_text=_(
        "The event's id, the same on every try of it (also in X-Event-Id): a receiver that "
        "saw it before answers 2xx and does nothing."))
    deliveryId = serializers.CharField(required=False, help_text=_(
        "The document's Delivery ID; with number, documentType, status (its status after "
        "the event), sender and receiver (scheme:value) on the document topics."))
    number = serializers.CharField(required=False)
    documentType = serializers.CharField(required=False)
    status = serializers.CharField(required=False)
    sender = serializers.CharField(required=False)
    receiver = serializers.CharField(required=False)
    reason = serializers.CharField(required=False, help_text=_(
        "Why a document was refused, failed or is tried again."))
    attempt = serializers.IntegerField(required=False, help_text=_(
        "InvoiceSentRetry: the try that failed."))
    retryAt = serializers.CharField(required=False, help_text=_(
        "InvoiceSentRetry: when the next try is (UTC)."))


class WebhookEventSerializer(serializers.Serializer):
    topic = serializers.ChoiceField(choices=[*Topic.choices, (TEST_TOPIC, TEST_TOPIC)])
    partyId = serializers.CharField(help_text=_("The organization's company ID."))
    hookId = serializers.CharField(help_text=_("The webhook's id, as a string."))
    documentId = serializers.CharField(help_text=_(
        "The document's id, as a string; empty for an event about no document."))
    message = serializers.CharField(help_text=_("What happened, in a sentence."))
    details = WebhookEventDetailsSerializer(help_text=_(
        "The HookSent, HookSentRetry and HookSentError topics name the delivery they report "
        "on instead: sentHookId, retriedHookId or failedHookId, the same with EventId and "
        "Topic, attempts, and lastError."))
    createdOn = serializers.CharField(help_text=_("When the event happened (UTC)."))
    sentOn = serializers.CharField(help_text=_(
        "When this try was sent (UTC): refuse it when it is more than five minutes from your "
        "clock."))


EVENT = OpenApiWebhook(name="event", decorator=extend_schema(
    summary=_("An event for a webhook"),
    description=_("What the portal POSTs to a webhook's URL for each event of the topics it "
                  "asked for, with the headers X-Signature (sha256= and the hex HMAC-SHA256 "
                  "of the raw body, keyed with the webhook's secret), X-Hook-Id (the "
                  "webhook's id) and X-Event-Id (as details.eventId). The events of a paused "
                  "webhook wait, and go out when it is resumed."),
    request=WebhookEventSerializer,
    responses={200: OpenApiResponse(description=_(
        "Any 2xx answer within the time the portal waits means received; any other answer, "
        "or none, is tried again with growing pauses for about a day."))},
))
