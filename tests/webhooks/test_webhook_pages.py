"""The webhook pages: adding one shows its secret once, an unsafe URL is refused next to the
field, the hook's page lists every try, and each action asks before it acts."""

import pytest
from django.urls import reverse

from tests.conftest import field_error, sign_in, text
from tests.webhooks.conftest import subscribe
from webhooks.models import Attempt, Topic, Webhook

pytestmark = pytest.mark.django_db


def test_it_adds_a_webhook_and_shows_its_secret_once(client, cast, sender, endpoint):
    sign_in(client, cast.admin)
    response = client.post(reverse("webhooks:add", args=[sender.pk]), {
        "url": endpoint.url, "description": "ERP", "topics": [Topic.INVOICE_RECEIVED]})
    hook = Webhook.objects.get()
    assert response.status_code == 200
    assert hook.secret in text(response) and "no-store" in response["Cache-Control"]
    assert "sentOn" in text(response)
    page = text(client.get(reverse("webhooks:detail", args=[hook.pk])))
    assert hook.secret not in page and endpoint.url in page and "Invoice received" in page
    assert hook.organization == sender and hook.topics == [Topic.INVOICE_RECEIVED]


@pytest.mark.parametrize("url, message", [
    ("https://10.0.0.1/hook", "private network address"),
    ("https://169.254.169.254/", "link-local"),
    ("ftp://example.com/", "https://"),
])
def test_it_refuses_an_unsafe_url_next_to_the_field(client, cast, sender, url, message):
    sign_in(client, cast.admin)
    response = client.post(reverse("webhooks:add", args=[sender.pk]), {
        "url": url, "topics": [Topic.INVOICE_SENT]})
    assert response.status_code == 400
    assert message in field_error(response, "url")
    assert not Webhook.objects.exists()


def test_it_refuses_loopback_when_local_targets_are_off(client, cast, sender, settings):
    settings.WEBHOOKS_ALLOW_LOCAL = False
    sign_in(client, cast.admin)
    response = client.post(reverse("webhooks:add", args=[sender.pk]), {
        "url": "https://localhost/hook", "topics": [Topic.INVOICE_SENT]})
    assert "loopback" in field_error(response, "url")


def test_it_asks_for_at_least_one_topic(client, cast, sender, endpoint):
    sign_in(client, cast.admin)
    response = client.post(reverse("webhooks:add", args=[sender.pk]), {"url": endpoint.url})
    assert response.status_code == 400
    assert field_error(response, "topics") == "Choose at least one topic to announce."


def test_it_sends_a_test_event_and_lists_the_try_newest_first(client, cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    sign_in(client, cast.admin)
    page = text(client.get(reverse("webhooks:detail", args=[hook.pk])))
    assert "Nothing was sent to this webhook yet" in page
    client.post(reverse("webhooks:test", args=[hook.pk]))
    endpoint.status = 500
    client.post(reverse("webhooks:test", args=[hook.pk]))
    assert [r.accepted for r in endpoint.received] == [True, True]
    page = text(client.get(reverse("webhooks:detail", args=[hook.pk])))
    assert page.index("answer 500") < page.index(">204<")
    assert Attempt.objects.count() == 2


def test_it_pages_the_tries(client, cast, sender, endpoint):
    from webhooks import events

    hook = subscribe(endpoint, sender, cast.admin)
    for n in range(30):
        delivery = events.Delivery.objects.create(webhook=hook, organization=sender,
                                                  topic="HookTest", message=f"event {n}")
        events.record(delivery.pk, succeeded=True, status_code=200, answer=f"ok-{n:02d}",
                      error="", duration_ms=1)
    sign_in(client, cast.admin)
    first = text(client.get(reverse("webhooks:detail", args=[hook.pk])))
    assert "ok-29" in first and "ok-04" not in first
    assert "ok-04" in text(client.get(reverse("webhooks:detail", args=[hook.pk]) + "?page=2"))


def test_it_pauses_resumes_and_deletes_after_asking(client, cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    sign_in(client, cast.admin)
    assert "Pause this webhook?" in text(client.get(reverse("webhooks:pause", args=[hook.pk])))
    client.post(reverse("webhooks:pause", args=[hook.pk]))
    hook.refresh_from_db()
    assert hook.is_active is False
    assert "Paused" in text(client.get(reverse("webhooks:detail", args=[hook.pk])))
    client.post(reverse("webhooks:resume", args=[hook.pk]))
    hook.refresh_from_db()
    assert hook.is_active is True
    assert "Delete this webhook" in text(client.get(reverse("webhooks:delete", args=[hook.pk])))
    assert Webhook.objects.exists()
    response = client.post(reverse("webhooks:delete", args=[hook.pk]))
    assert response.status_code == 302 and not Webhook.objects.exists()


def test_it_shows_a_new_secret_once_on_rotation(client, cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    old = hook.secret
    sign_in(client, cast.admin)
    assert "Make a new secret?" in text(client.get(reverse("webhooks:rotate", args=[hook.pk])))
    response = client.post(reverse("webhooks:rotate", args=[hook.pk]))
    hook.refresh_from_db()
    assert hook.secret != old and hook.secret in text(response)


def test_it_changes_url_and_topics(client, cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    sign_in(client, cast.admin)
    client.post(reverse("webhooks:edit", args=[hook.pk]), {
        "url": endpoint.url + "/v2", "description": "new", "topics": [Topic.DUPLICATE]})
    hook.refresh_from_db()
    assert hook.url.endswith("/v2") and hook.topics == [Topic.DUPLICATE]


def test_it_lists_hooks_and_links_them_from_the_organization_page(
        client, cast, sender, endpoint):
    subscribe(endpoint, sender, cast.admin, description="Our ERP")
    sign_in(client, cast.admin)
    listing = text(client.get(reverse("webhooks:list") + f"?organization={sender.pk}"))
    assert "Our ERP" in listing and "Acme Trading BV" in listing
    organization_page = text(client.get(reverse("onboarding:organization_detail",
                                                args=[sender.pk])))
    assert reverse("webhooks:add", args=[sender.pk]) in organization_page


def test_it_shows_an_empty_list_and_keeps_environment_hooks_to_administrators(client, cast):
    sign_in(client, cast.basic)
    page = text(client.get(reverse("webhooks:list")))
    assert "No webhooks yet" in page
    assert reverse("webhooks:add_for_environment") not in page
    assert client.get(reverse("webhooks:add_for_environment")).status_code == 404


def test_it_adds_an_environment_hook_for_administrators(client, cast, endpoint):
    sign_in(client, cast.admin)
    client.post(reverse("webhooks:add_for_environment"), {
        "url": endpoint.url, "topics": [Topic.INVOICE_RECEIVED]})
    hook = Webhook.objects.get()
    assert hook.environment == cast.company and hook.organization is None
    assert "Every organization of Acme" in text(
        client.get(reverse("webhooks:detail", args=[hook.pk])))


def test_it_tells_receivers_how_to_verify_in_dutch_too(client, cast, sender, endpoint, settings):
    settings.WEBHOOKS_TIMEOUT = 7.0
    hook = subscribe(endpoint, sender, cast.admin)
    cast.admin.language = "nl"
    cast.admin.save()
    sign_in(client, cast.admin)
    page = text(client.get(reverse("webhooks:detail", args=[hook.pk])))
    assert "Zo controleert je ontvanger een bericht" in page
    assert "binnen 7 seconden" in page and "vijf minuten" in page
    assert "Testevent versturen" in page
    # What the receiver reads stays English, a test event's message too.
    client.post(reverse("webhooks:test", args=[hook.pk]))
    assert endpoint.received[-1].json["message"] == \
        f"A test event sent from the portal by {cast.admin.email}."
