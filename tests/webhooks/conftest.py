"""Hooks on the sending and the receiving organization, and a receiver that checks them."""

import pytest

from tests.invoices.conftest import make_receiver, make_sender
from tests.standins.webhook_receiver import WebhookReceiver
from webhooks.models import Topic, Webhook

ALL_TOPICS = [value for value, _label in Topic.choices]


@pytest.fixture
def sender(cast):
    return make_sender(cast)


@pytest.fixture
def receiver(cast):
    return make_receiver(cast)


@pytest.fixture
def endpoint():
    with WebhookReceiver() as running:
        yield running


def subscribe(endpoint, organization, by, topics=None, **fields):
    """A hook on `organization` posting to `endpoint`, which learns its secret."""
    hook, secret = Webhook.create(by=by, environment=organization.environment,
                                  organization=organization, url=endpoint.url,
                                  topics=topics or ALL_TOPICS, **fields)
    endpoint.secret = secret
    return hook
