"""Webhooks by machine: software adds a hook for its key's organization (the secret once),
lists, reads and removes it, and never reaches another organization's hooks."""

import pytest

from onboarding.models import AuditEvent, ConnectionKey, Software
from tests.invoices.conftest import make_receiver
from tests.webhooks.conftest import endpoint, subscribe  # noqa: F401 - a fixture
from webhooks.models import Topic, Webhook

pytestmark = pytest.mark.django_db(transaction=True)

PROBLEM = "application/problem+json"


def call(http, method, live_server, path, issued, **kwargs):
    return http.request(method, f"{live_server.url}/api/v1/{path}", timeout=30,
                        auth=(issued.key.app_key, issued.secret), **kwargs)


def test_it_adds_lists_reads_and_removes_a_webhook(live_server, http, acme, acme_key,
                                                  endpoint):  # noqa: F811 - a fixture
    created = call(http, "POST", live_server, "webhooks", acme_key, json={
        "url": endpoint.url, "topics": ["InvoiceSent", "InvoiceReceived"],
        "description": "ERP"})
    assert created.status_code == 201, created.text
    body = created.json()
    hook = Webhook.objects.get()
    assert body["secret"] == hook.secret and hook.organization == acme
    assert body["topics"] == [Topic.INVOICE_RECEIVED, Topic.INVOICE_SENT]
    assert AuditEvent.objects.get(action="webhook.created").actor_label == \
        f"connection key {acme_key.key.app_key}"

    listed = call(http, "GET", live_server, "webhooks", acme_key).json()
    assert [h["id"] for h in listed] == [hook.pk] and "secret" not in listed[0]
    assert call(http, "GET", live_server, f"webhooks/{hook.pk}", acme_key).json()["url"] == \
        endpoint.url

    assert call(http, "DELETE", live_server, f"webhooks/{hook.pk}", acme_key).status_code == 204
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("fields, problem", [
    ({"url": "https://10.0.0.1/hook", "topics": ["InvoiceSent"]}, "private"),
    ({"url": "https://example.com/hook", "topics": []}, "topics"),
    ({"url": "https://example.com/hook", "topics": ["Everything"]}, "topics"),
    ({"topics": ["InvoiceSent"]}, "url"),
])
def test_it_refuses_bad_input_as_a_problem(live_server, http, acme_key, fields, problem):
    response = call(http, "POST", live_server, "webhooks", acme_key, json=fields)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith(PROBLEM)
    assert problem in response.text
    assert not Webhook.objects.exists()


def test_it_never_reaches_another_organizations_hook(live_server, http, cast, acme_key,
                                                     endpoint):  # noqa: F811 - a fixture
    receiver = make_receiver(cast)
    theirs = subscribe(endpoint, receiver, cast.client_admin)
    assert call(http, "GET", live_server, "webhooks", acme_key).json() == []
    for method in ("GET", "DELETE"):
        response = call(http, method, live_server, f"webhooks/{theirs.pk}", acme_key)
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith(PROBLEM)
    assert Webhook.objects.filter(pk=theirs.pk).exists()
    other_key = ConnectionKey.issue(organization=receiver, software=Software.AFAS,
                                    by=cast.client_admin)
    assert [h["id"] for h in call(http, "GET", live_server, "webhooks", other_key).json()] == \
        [theirs.pk]


def test_it_asks_for_credentials(live_server, http):
    response = http.get(f"{live_server.url}/api/v1/webhooks", timeout=10)
    assert response.status_code == 401
