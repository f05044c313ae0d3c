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


def test_it_changes_pauses_and_resumes_a_webhook(live_server, http, acme, acme_key,
                                                endpoint):  # noqa: F811 - a fixture
    hook = Webhook.create(by=None, environment=None, key=acme_key.key, url=endpoint.url,
                          topics=[Topic.INVOICE_SENT])[0]
    secret = hook.secret

    changed = call(http, "PATCH", live_server, f"webhooks/{hook.pk}", acme_key,
                   json={"topics": ["InvoiceReceived", "InvoiceSent"], "description": "ERP"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["topics"] == [Topic.INVOICE_RECEIVED, Topic.INVOICE_SENT]
    hook.refresh_from_db()
    assert (hook.description, hook.url, hook.secret) == ("ERP", endpoint.url, secret)

    paused = call(http, "PATCH", live_server, f"webhooks/{hook.pk}", acme_key,
                  json={"is_active": False})
    assert paused.json()["is_active"] is False
    hook.refresh_from_db()
    assert not hook.is_active and acme_key.key.app_key in hook.paused_reason
    resumed = call(http, "PATCH", live_server, f"webhooks/{hook.pk}", acme_key,
                   json={"is_active": True})
    assert resumed.json()["is_active"] is True

    label = f"connection key {acme_key.key.app_key}"
    assert sorted(AuditEvent.objects.filter(actor_label=label, target_type="webhook")
                  .values_list("action", flat=True)) == [
        "webhook.changed", "webhook.created", "webhook.paused", "webhook.resumed"]


def test_it_gives_a_webhook_a_new_secret_that_signs_from_then_on(live_server, http, acme,
                                                                 acme_key, endpoint):  # noqa: F811
    hook = Webhook.create(by=None, environment=None, key=acme_key.key, url=endpoint.url,
                          topics=[Topic.INVOICE_SENT])[0]
    old = hook.secret

    answer = call(http, "POST", live_server, f"webhooks/{hook.pk}/secret", acme_key)

    assert answer.status_code == 200, answer.text
    new = answer.json()["secret"]
    hook.refresh_from_db()
    assert new == hook.secret != old and new.startswith("whsec_")
    assert AuditEvent.objects.get(action="webhook.secret_rotated").actor_label == \
        f"connection key {acme_key.key.app_key}"
    assert "secret" not in call(http, "GET", live_server, f"webhooks/{hook.pk}",
                                acme_key).json()


def test_it_refuses_a_bad_change_and_changes_nothing(live_server, http, cast, acme, acme_key,
                                                    endpoint):  # noqa: F811 - a fixture
    hook = Webhook.create(by=None, environment=None, key=acme_key.key, url=endpoint.url,
                          topics=[Topic.INVOICE_SENT])[0]
    response = call(http, "PATCH", live_server, f"webhooks/{hook.pk}", acme_key,
                    json={"url": "https://10.0.0.1/hook", "is_active": False})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith(PROBLEM) and "private" in response.text
    hook.refresh_from_db()
    assert hook.url == endpoint.url and hook.is_active

    receiver = make_receiver(cast)
    theirs = subscribe(endpoint, receiver, cast.client_admin)
    secret = theirs.secret
    response = call(http, "PATCH", live_server, f"webhooks/{theirs.pk}", acme_key,
                    json={"is_active": False})
    assert response.status_code == 404
    assert call(http, "POST", live_server, f"webhooks/{theirs.pk}/secret",
                acme_key).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active and theirs.secret == secret
