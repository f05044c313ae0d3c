"""The webhook pages: adding one shows its secret once, an unsafe URL is refused next to the
field, the hook's page lists every try and says in words why one failed, and each action
asks before it acts."""

import html
import re
import socket
import socketserver
import threading
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.conftest import field_error, field_hint, sign_in, text
from tests.standins.webhook_receiver import WebhookReceiver
from tests.webhooks.conftest import subscribe
from webhooks.failures import Failure
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


def test_it_says_which_targets_the_settings_allow_under_the_url_field(
        client, cast, sender, endpoint, settings):
    sign_in(client, cast.admin)
    add = reverse("webhooks:add", args=[sender.pk])

    settings.WEBHOOKS_ALLOW_LOCAL = False
    assert field_hint(client.get(add), "id_url") == \
        "Where the portal posts each event, over https, to a public address."
    refused = client.post(add, {"url": endpoint.url, "topics": [Topic.INVOICE_SENT]})
    assert "over https only" in field_error(refused, "url")

    settings.WEBHOOKS_ALLOW_LOCAL = True
    assert field_hint(client.get(add), "id_url") == (
        "Where the portal posts each event, over https or http, to a public address or to "
        "this machine (localhost, 127.0.0.1): this portal allows local targets, for trying "
        "things out. Private network addresses stay refused.")
    # What the hint says is what the form takes.
    assert endpoint.url.startswith("http://127.0.0.1:")
    client.post(add, {"url": endpoint.url, "topics": [Topic.INVOICE_SENT]})
    assert Webhook.objects.get().url == endpoint.url


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
    assert page.index("answer 500") < page.index("HTTP 204")
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


def test_it_filters_the_list_by_active_or_paused(client, cast, sender, endpoint):
    running = subscribe(endpoint, sender, cast.admin)
    paused = subscribe(endpoint, sender, cast.admin)
    Webhook.objects.filter(pk=paused.pk).update(is_active=False)
    sign_in(client, cast.admin)

    def listed(status):
        page = text(client.get(reverse("webhooks:list"), {"status": status}))
        return {hook.pk for hook in (running, paused)
                if reverse("webhooks:detail", args=[hook.pk]) in page}

    assert listed("") == {running.pk, paused.pk}
    assert listed("active") == {running.pk}
    assert listed("paused") == {paused.pk}


def test_it_shows_a_new_secret_once_on_rotation(client, cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    old = hook.secret
    sign_in(client, cast.admin)
    asked = client.get(reverse("webhooks:rotate", args=[hook.pk])).content.decode()
    assert "Make a new secret?" in asked
    response = client.post(reverse("webhooks:rotate", args=[hook.pk]), replacing(asked))
    hook.refresh_from_db()
    assert hook.secret != old and hook.secret in text(response)


def replacing(page: str) -> dict:
    return {"replacing": re.search(r'name="replacing" value="([0-9a-f]+)"', page).group(1)}


def test_it_keeps_the_secret_one_window_showed_when_another_asks_again(
        client, cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    sign_in(client, cast.admin)
    url = reverse("webhooks:rotate", args=[hook.pk])
    first, second = (client.get(url).content.decode() for _window in range(2))
    shown = text(client.post(url, replacing(first)))

    refused = client.post(url, replacing(second), follow=True)

    hook.refresh_from_db()
    assert hook.secret in shown and hook.secret not in text(refused)
    assert "A new secret was made meanwhile" in text(refused)
    assert Webhook.objects.get().secret == hook.secret


def test_it_asks_for_the_password_again_before_a_change_of_address(
        client, cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    client.force_login(cast.admin)
    response = client.post(reverse("webhooks:edit", args=[hook.pk]), {
        "url": "https://example.com/elsewhere", "topics": [Topic.DUPLICATE]})
    assert response.status_code == 302 and "/reauthenticate/" in response["Location"]
    hook.refresh_from_db()
    assert hook.url == endpoint.url


def test_it_says_when_a_second_window_finds_the_change_made(client, cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    sign_in(client, cast.admin)
    pause = reverse("webhooks:pause", args=[hook.pk])
    assert "The webhook is paused." in text(client.post(pause, follow=True))
    assert "The webhook was paused already." in text(client.post(pause, follow=True))
    unchanged = client.post(reverse("webhooks:edit", args=[hook.pk]), {
        "url": hook.url, "description": hook.description, "topics": hook.topics}, follow=True)
    assert "Nothing was changed." in text(unchanged)


def test_it_counts_the_events_a_paused_hook_keeps_for_later(
        client, cast, sender, endpoint):
    from webhooks import events

    hook = subscribe(endpoint, sender, cast.admin)
    hook.pause(cast.admin, cast.company)
    for number in ("F-1", "F-2"):
        events.queue(hook, Topic.INVOICE_SENT, organization=sender, document_id=None,
                     message=number, details={})
    sign_in(client, cast.admin)
    page = text(client.get(reverse("webhooks:detail", args=[hook.pk])))
    assert "2 events wait to go out when the webhook is resumed." in page


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
    assert "Testgebeurtenis versturen" in page
    # What the receiver reads stays English, a test event's message too.
    client.post(reverse("webhooks:test", args=[hook.pk]))
    assert endpoint.received[-1].json["message"] == \
        f"A test event sent from the portal by {cast.admin.email}."


def failed_tries(response) -> list[tuple[str, str, str]]:
    """Each failed try on the hook's page, newest first, as the user reads it: the reason,
    and the summary and content of the technical detail that folds out ("" without one)."""
    tries = []
    for row in re.findall(r'<tr class="attempt">(.*?)</tr>', response.content.decode(), re.S):
        reason = re.search(r'<div class="small attempt-meaning">(.*?)</div>', row, re.S)
        if "attempt-next" not in row:
            continue
        detail = re.search(r"<details[^>]*><summary>(.*?)</summary>(.*?)</details>", row, re.S)
        read = [reason.group(1), *(detail.groups() if detail else ("", ""))]
        tries.append(tuple(html.unescape(re.sub(r"<[^>]+>|\s+", " ", part)).strip()
                           for part in read))
    return tries


def tried_in_english_and_dutch(client, hook):
    """The failed tries as an English and as a Dutch reader see them, after a test event."""
    client.post(reverse("webhooks:test", args=[hook.pk]))
    english = failed_tries(client.get(reverse("webhooks:detail", args=[hook.pk])))
    client.cookies.load({"django_language": "nl"})
    dutch = failed_tries(client.get(reverse("webhooks:detail", args=[hook.pk])))
    return english, dutch


def test_it_says_in_the_readers_language_that_the_target_refused_the_connection(
        client, cast, sender):
    with WebhookReceiver() as gone:
        hook = subscribe(gone, sender, cast.admin)
    # Stopped: nothing listens on its port any more.
    port = urlsplit(hook.url).port
    sign_in(client, cast.admin)

    [(reason, summary, detail)], [(dutch, dutch_summary, _detail)] = \
        tried_in_english_and_dutch(client, hook)

    assert reason == f"Could not connect to 127.0.0.1:{port}: the connection was refused."
    assert dutch == (f"Kon geen verbinding maken met 127.0.0.1:{port}: de verbinding werd "
                     "geweigerd.")
    # The error as the software saw it stays at hand for support, folded away.
    assert (summary, dutch_summary) == ("Technical detail", "Technisch detail")
    assert "NewConnectionError" in detail and "Connection refused" in detail
    assert Attempt.objects.get().failure == Failure.REFUSED


@pytest.mark.parametrize("status, name, meaning", [
    (500, "Internal Server Error",
     "Your receiver failed while handling the event; its own log says why."),
    (401, "Unauthorized", "Your receiver refused the message: check that it verifies the "
                          "signature with the webhook's current secret, and that its clock "
                          "is right."),
    (301, "Moved Permanently",
     "A redirect, which webhooks do not follow (only 307 and 308 are)."),
    (418, "I'm a Teapot", "Your receiver refused the message."),
])
def test_it_says_which_status_the_target_answered_and_what_it_means(
        client, cast, sender, endpoint, status, name, meaning):
    hook = subscribe(endpoint, sender, cast.admin)
    endpoint.status = status
    sign_in(client, cast.admin)
    client.post(reverse("webhooks:test", args=[hook.pk]))
    response = client.get(reverse("webhooks:detail", args=[hook.pk]))

    # The status says all there is to say: no technical detail beside it.
    assert failed_tries(response) == [(meaning, "", "")]
    page = text(response)
    assert f"HTTP {status}</span> <span class=\"attempt-status-name\">{name}</span>" in page
    # What the receiver answered, said to be that.
    assert f"Body of the answer:</span><pre class=\"mb-0 text-wrap text-break\">answer {status}" \
        in page
    assert Attempt.objects.get().failure == Failure.HTTP_STATUS


def test_it_says_the_target_hung_up_without_answering(client, cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    sign_in(client, cast.admin)
    # It takes the request and closes the connection.
    with socketserver.TCPServer(("127.0.0.1", 0), HangUp) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        hook.url = f"http://127.0.0.1:{port}/hook"
        hook.save()
        [(english, _summary, detail)], [(dutch, *_rest)] = \
            tried_in_english_and_dutch(client, hook)
        server.shutdown()

    assert english == f"127.0.0.1:{port} closed the connection before it answered in full."
    assert dutch == f"127.0.0.1:{port} verbrak de verbinding voordat het antwoord compleet was."
    assert "RemoteDisconnected" in detail
    assert Attempt.objects.get().failure == Failure.DISCONNECTED


class HangUp(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.recv(65536)


def test_it_says_the_target_did_not_answer_in_time(client, cast, sender, endpoint, settings):
    settings.WEBHOOKS_TIMEOUT = 0.5
    hook = subscribe(endpoint, sender, cast.admin)
    sign_in(client, cast.admin)
    # It takes the connection and never answers.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        hook.url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        hook.save()
        [(english, _summary, detail)], [(dutch, *_rest)] = \
            tried_in_english_and_dutch(client, hook)

    assert english == "The target did not answer within 0.5 seconds."
    assert dutch == "De doel-URL antwoordde niet binnen 0.5 seconden."
    assert "TooSlow" in detail
    assert Attempt.objects.get().failure == Failure.TIMEOUT


def test_it_says_the_certificate_is_for_another_name(client, cast, sender, tls):
    sign_in(client, cast.admin)
    with WebhookReceiver(tls=tls("hooks.example.com")) as impostor:
        hook = subscribe(impostor, sender, cast.admin)
        hook.url = impostor.url.replace("127.0.0.1", "localhost")
        hook.save()
        [(english, _summary, detail)], [(dutch, *_rest)] = \
            tried_in_english_and_dutch(client, hook)
    port = urlsplit(hook.url).port

    assert english == (f"The secure connection (TLS) to localhost:{port} failed: the "
                       "certificate is not made out to localhost.")
    assert dutch == (f"De beveiligde verbinding (TLS) met localhost:{port} mislukte: het "
                     "certificaat is niet uitgegeven voor localhost.")
    assert "SSLError" in detail and "hooks.example.com" in detail
    assert Attempt.objects.get().failure == Failure.TLS


def test_it_says_a_redirect_led_to_a_private_address(client, cast, sender):
    sign_in(client, cast.admin)
    with WebhookReceiver(redirect_to="http://10.0.0.7/internal") as redirecting:
        hook = subscribe(redirecting, sender, cast.admin)
        [(english, _summary, detail)], [(dutch, *_rest)] = \
            tried_in_english_and_dutch(client, hook)

    assert english == "10.0.0.7 is a private network address; webhooks only go to public addresses."
    assert dutch == ("10.0.0.7 is een adres in een privénetwerk; webhooks gaan alleen naar "
                     "openbare adressen.")
    assert detail.startswith("Refused: 10.0.0.7 is a private network address")
    assert Attempt.objects.get().failure == Failure.NOT_PUBLIC


def test_it_says_when_redirects_go_round_in_circles(client, cast, sender):
    sign_in(client, cast.admin)
    with WebhookReceiver() as circling:
        circling.redirect_to = circling.url
        hook = subscribe(circling, sender, cast.admin)
        [(english, *_rest)], [(dutch, *_rest)] = tried_in_english_and_dutch(client, hook)

    assert english == "More than 3 redirects."
    assert dutch == "Meer dan 3 doorverwijzingen."
    assert Attempt.objects.get().failure == Failure.REDIRECTS


def test_it_says_the_host_name_cannot_be_found(client, cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    # A name that never resolves (RFC 2606), saved after the form's check.
    hook.url = "https://hooks.example.invalid/portal"
    hook.save()
    sign_in(client, cast.admin)

    [(english, *_rest)], [(dutch, *_rest)] = tried_in_english_and_dutch(client, hook)

    assert english == "The host name hooks.example.invalid cannot be found."
    assert dutch == "De hostnaam hooks.example.invalid is niet te vinden."
    assert Attempt.objects.get().failure == Failure.DNS


def test_it_says_the_secret_can_no_longer_be_read(client, cast, sender, endpoint, settings):
    from cryptography.fernet import Fernet

    settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    hook = subscribe(endpoint, sender, cast.admin)
    # The key that encrypted the secret was dropped.
    settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    sign_in(client, cast.admin)

    [(english, _summary, detail)], [(dutch, *_rest)] = tried_in_english_and_dutch(client, hook)

    assert english == "The webhook's secret can no longer be read; make a new secret."
    assert dutch == "Het geheim van de webhook is niet meer te lezen; maak een nieuw geheim."
    assert "MFA_ENCRYPTION_KEY" in detail
    assert endpoint.received == []
    assert Attempt.objects.get().failure == Failure.SECRET


def test_it_shows_a_try_kept_before_reasons_were_in_general_terms(
        client, cast, sender, endpoint):
    from webhooks import events

    hook = subscribe(endpoint, sender, cast.admin)
    raw = ("NewConnectionError: HTTPSConnection(host='127.0.0.1', port=443): Failed to "
           "establish a new connection: [Errno 111] Connection refused")
    delivery = events.Delivery.objects.create(webhook=hook, organization=sender,
                                              topic="HookTest", message="m")
    Attempt.objects.create(delivery=delivery, webhook=hook, number=1, error=raw)
    sign_in(client, cast.admin)

    [(reason, _summary, detail)] = failed_tries(
        client.get(reverse("webhooks:detail", args=[hook.pk])))

    assert reason == "The try failed before the target answered."
    assert detail == raw
