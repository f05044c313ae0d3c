"""The webhooks app's models: subscriptions (hooks) and what they are told (deliveries)."""

from webhooks.models.deliveries import Attempt, Delivery, FollowUp
from webhooks.models.hooks import (
    HOOK_TOPICS,
    SECRET_PREFIX,
    SYSTEM_ACTOR,
    TEST_TOPIC,
    Topic,
    Webhook,
    WebhookQuerySet,
    key_label,
    pause_when_partnership_ends,
    retry_schedule,
    topic_label,
)

__all__ = [
    "HOOK_TOPICS", "SECRET_PREFIX", "SYSTEM_ACTOR", "TEST_TOPIC", "Attempt", "Delivery",
    "FollowUp", "Topic", "Webhook", "WebhookQuerySet", "key_label", "pause_when_partnership_ends",
    "retry_schedule", "topic_label",
]
