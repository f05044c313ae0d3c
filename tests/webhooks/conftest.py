"""Hooks on the sending and the receiving organization, and a receiver that checks them."""

import pytest

from tests.invoices.conftest import receiver, sender  # noqa: F401 - fixtures
from tests.standins.webhook_receiver import WebhookReceiver
from webhooks.models import Topic, Webhook

ALL_TOPICS = [value for value, _label in Topic.choices]


@pytest.fixture
def tls(tmp_path, settings):
    """A test CA the portal trusts for webhooks, and a server context with its certificate
    for the given names."""
    import ssl

    import trustme

    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(ca.cert_pem.bytes())
    settings.WEBHOOKS_CA_BUNDLE = str(bundle)

    def context(*names):
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert(*names).configure_cert(server)
        return server
    return context


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
