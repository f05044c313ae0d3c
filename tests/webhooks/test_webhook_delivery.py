"""Deliveries: what the body says, how it is signed, where it may not go, how it is retried,
and when a hook is paused."""

import json
import socketserver
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from onboarding.models import AuditEvent
from tests.conftest import sign_in
from tests.standins.webhook_receiver import WebhookReceiver
from tests.webhooks.conftest import subscribe
from webhooks import events
from webhooks.models import TEST_TOPIC, Attempt, Delivery, Topic, Webhook
from webhooks.safety import TooSlow, UnsafeTarget, post, resolve

pytestmark = pytest.mark.django_db


def test_it_signs_the_body_so_the_receiver_can_check_it_and_its_moment(
        cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    delivery = hook.send_test(cast.admin)
    [received] = endpoint.received
    assert received.signature_ok and received.fresh
    body = received.json
    assert body["topic"] == TEST_TOPIC
    assert body["partyId"] == sender.company_id
    assert body["hookId"] == str(hook.pk)
    assert set(body) == {"topic", "partyId", "hookId", "documentId", "message", "details",
                         "createdOn", "sentOn"}
    assert body["sentOn"].endswith("Z") and body["createdOn"].endswith("Z")
    assert received.headers["X-Signature"].startswith("sha256=")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    attempt = Attempt.objects.get()
    assert attempt.status_code == 204 and attempt.succeeded


def test_a_receiver_refuses_a_body_changed_on_the_way_or_signed_with_another_secret(
        cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    delivery = hook.send_test(cast.admin)
    body = events.body_for(delivery)
    assert endpoint.received[0].signature_ok
    tampered = body.replace(b"HookTest", b"InvoiceSent")
    from tests.standins.webhook_receiver import verify
    assert not verify(hook.secret, tampered, events.signature(hook.secret, body))
    hook.rotate_secret(cast.admin, cast.company)
    hook.send_test(cast.admin)
    # The receiver still holds the old secret: the new signature does not match it.
    assert endpoint.received[-1].signature_ok is False
    assert Attempt.objects.filter(status_code=401).exists()


def test_a_receiver_refuses_a_sent_on_more_than_five_minutes_off(cast, sender, endpoint):
    from tests.standins.webhook_receiver import fresh

    hook = subscribe(endpoint, sender, cast.admin)
    delivery = hook.send_test(cast.admin)
    assert fresh(events.body_for(delivery))
    assert not fresh(events.body_for(delivery, now=timezone.now() - timedelta(minutes=6)))


@pytest.mark.parametrize("url, problem", [
    ("https://10.1.2.3/hook", "private"),
    ("https://192.168.1.1/hook", "private"),
    ("https://169.254.169.254/latest/meta-data", "link-local"),
    ("https://[fe80::1]/hook", "link-local"),
    ("https://224.0.0.1/hook", "multicast"),
    ("https://0.0.0.0/hook", "reserved"),
    ("https://[::ffff:10.0.0.1]/hook", "private"),
    # 6to4 addresses that lead to this machine and to the cloud's metadata service.
    ("https://[2002:7f00:1::]/hook", "loopback"),
    ("https://[2002:a9fe:a9fe::]/hook", "link-local"),
])
def test_it_refuses_private_link_local_and_reserved_addresses(url, problem, settings):
    settings.WEBHOOKS_ALLOW_LOCAL = False
    with pytest.raises(UnsafeTarget) as refused:
        resolve(url)
    assert problem in str(refused.value.message)


def test_it_refuses_loopback_and_plain_http_unless_local_targets_are_allowed(settings):
    settings.WEBHOOKS_ALLOW_LOCAL = False
    for url, problem in [("https://127.0.0.1/hook", "loopback"),
                         ("https://localhost/hook", "loopback"),
                         ("http://hooks.example.com/", "https")]:
        with pytest.raises(UnsafeTarget) as refused:
            resolve(url)
        assert problem in str(refused.value.message)
    settings.WEBHOOKS_ALLOW_LOCAL = True
    assert resolve("http://localhost:8000/hook").address in ("127.0.0.1", "::1")


def test_it_checks_the_address_again_when_it_delivers(cast, sender, endpoint, settings):
    hook = subscribe(endpoint, sender, cast.admin)
    # Saved while allowed; a name that resolves to this machine is refused when sending.
    hook.url = endpoint.url.replace("http://127.0.0.1", "https://localhost")
    hook.save()
    settings.WEBHOOKS_ALLOW_LOCAL = False
    hook.send_test(cast.admin)
    assert endpoint.received == []
    attempt = Attempt.objects.get()
    assert attempt.status_code is None and "loopback" in attempt.error


def test_it_does_not_follow_a_redirect_to_a_private_address(cast, sender):
    with WebhookReceiver(redirect_to="http://10.0.0.7/internal") as redirecting:
        hook = subscribe(redirecting, sender, cast.admin)
        hook.send_test(cast.admin)
    attempt = Attempt.objects.get()
    assert not attempt.succeeded and "10.0.0.7" in attempt.error and "private" in attempt.error


def test_it_follows_a_redirect_to_an_allowed_address_with_the_same_signed_body(
        cast, sender, endpoint):
    with WebhookReceiver(redirect_to=endpoint.url) as redirecting:
        hook = subscribe(redirecting, sender, cast.admin)
        endpoint.secret = redirecting.secret
        hook.send_test(cast.admin)
    assert [r.accepted for r in endpoint.received] == [True]
    assert Attempt.objects.get().status_code == 204


def test_it_retries_on_schedule_and_gives_up_after_the_last_try(cast, sender, settings):
    settings.WEBHOOKS_RETRY_SECONDS = [60, 300]
    with WebhookReceiver(status=503) as failing:
        hook = subscribe(failing, sender, cast.admin, topics=[Topic.INVOICE_SENT])
        delivery = events.queue(hook, Topic.INVOICE_SENT, organization=sender, document_id=None,
                                message="m", details={})
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.RETRYING
        first_retry = delivery.next_attempt_at
        assert timedelta(seconds=55) < first_retry - timezone.now() <= timedelta(seconds=60)
        # Not due yet: the sweep leaves it.
        assert events.due() == []
        assert events.due(now=first_retry) == [delivery.pk]
        assert events.attempt(delivery.pk) == Delivery.Status.RETRYING
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        events.due(now=delivery.next_attempt_at)
        assert events.attempt(delivery.pk) == Delivery.Status.FAILED
    assert list(Attempt.objects.order_by("number").values_list("number", "status_code")) == [
        (1, 503), (2, 503), (3, 503)]
    assert len(failing.received) == 3


def fail_in_a_row(times, sender, by):
    """A hook whose receiver answers 500 to `times` events in a row; and its URL."""
    with WebhookReceiver(status=500) as failing:
        hook = subscribe(failing, sender, by, topics=[Topic.INVOICE_SENT])
        for _n in range(times):
            events.queue(hook, Topic.INVOICE_SENT, organization=sender, document_id=None,
                         message="m", details={})
    hook.refresh_from_db()
    return hook, failing.url


def test_it_pauses_a_hook_after_repeated_failures_and_mails_the_administrators(
        cast, sender, settings, mailoutbox):
    settings.WEBHOOKS_PAUSE_AFTER_FAILURES = 3
    hook, url = fail_in_a_row(3, sender, cast.admin)
    assert hook.is_active is False and "3 failed tries" in hook.paused_reason
    assert AuditEvent.objects.filter(action="webhook.paused", actor=None).exists()
    [message] = [m for m in mail.outbox if "paused" in m.subject]
    assert message.to == [cast.admin.email] and url in message.body
    assert "Last error: The target answered HTTP 500.\n" in message.body
    assert f"{settings.PORTAL_URL}/webhooks/{hook.pk}/\n" in message.body
    # Events while paused wait, and go out when the hook is resumed.
    waiting = events.queue(hook, Topic.INVOICE_SENT, organization=sender, document_id=None,
                           message="later", details={})
    waiting.refresh_from_db()
    assert waiting.status == Delivery.Status.RETRYING and waiting.attempts == 0
    assert waiting.pk not in events.due(now=timezone.now() + timedelta(days=2))
    with WebhookReceiver(hook.secret) as mended:
        Webhook.objects.filter(pk=hook.pk).update(url=mended.url)
        hook.resume(cast.admin, cast.company)
    waiting.refresh_from_db()
    assert waiting.status == Delivery.Status.DELIVERED
    # With the tries that waited for a retry when it was paused.
    assert sorted(request.json["message"] for request in mended.received) == [
        "later", "m", "m", "m"]


def test_it_says_why_a_hook_was_paused_in_the_readers_language(
        cast, sender, settings, client, mailoutbox):
    settings.WEBHOOKS_PAUSE_AFTER_FAILURES = 2
    cast.admin.language = "nl"
    cast.admin.save()
    hook, _url = fail_in_a_row(2, sender, cast.admin)
    sign_in(client, cast.admin)

    page = client.get(f"/webhooks/{hook.pk}/").content.decode()

    assert ("Gepauzeerd na 2 mislukte pogingen op rij. Laatste: De doel-URL antwoordde "
            "HTTP 500.") in page
    assert "Paused after" not in page
    # The messages the tries carried stay English, and the Dutch page says why.
    assert 'id="messages-in-english"' in page
    [message] = [m for m in mail.outbox if "gepauzeerd" in m.subject]
    assert "Laatste fout: De doel-URL antwoordde HTTP 500.\n" in message.body


def test_it_tells_hook_error_subscribers_when_a_delivery_gives_up_but_never_chains(
        cast, sender, endpoint, settings):
    settings.WEBHOOKS_RETRY_SECONDS = []
    watcher = subscribe(endpoint, sender, cast.admin, topics=[Topic.HOOK_FAILED])
    with WebhookReceiver(status=500) as failing:
        broken = subscribe(failing, sender, cast.admin,
                           topics=[Topic.INVOICE_SENT, Topic.HOOK_FAILED])
        events.queue(broken, Topic.INVOICE_SENT, organization=sender, document_id=None,
                     message="m", details={})
    [told] = endpoint.received
    assert told.json["topic"] == "HookSentError"
    assert told.json["details"]["failedHookId"] == str(broken.pk)
    # A HookSentError delivery that fails in turn tells nobody.
    failed_error = events.queue(broken, Topic.HOOK_FAILED, organization=sender, document_id=None,
                                message="m", details={})
    failed_error.refresh_from_db()
    assert failed_error.status == Delivery.Status.FAILED
    assert len(endpoint.received) == 1
    assert Delivery.objects.filter(webhook=watcher).count() == 1


def test_it_tells_hook_sent_and_retry_subscribers_what_became_of_a_delivery(
        cast, sender, endpoint, settings):
    settings.WEBHOOKS_RETRY_SECONDS = [60]
    watcher = subscribe(endpoint, sender, cast.admin,
                        topics=[Topic.HOOK_SENT, Topic.HOOK_RETRIED])
    with WebhookReceiver() as working:
        hook = subscribe(working, sender, cast.admin, topics=[Topic.INVOICE_SENT])
        sent = events.queue(hook, Topic.INVOICE_SENT, organization=sender, document_id=None,
                            message="m", details={})
    [told] = endpoint.received
    assert told.json["topic"] == "HookSent"
    assert told.json["details"]["sentHookId"] == str(hook.pk)
    assert told.json["details"]["sentEventId"] == sent.pk
    assert told.json["details"]["attempts"] == 1

    with WebhookReceiver(status=503) as failing:
        broken = subscribe(failing, sender, cast.admin, topics=[Topic.INVOICE_SENT])
        retried = events.queue(broken, Topic.INVOICE_SENT, organization=sender,
                               document_id=37, message="m", details={})
    retried.refresh_from_db()
    assert retried.status == Delivery.Status.RETRYING
    told = endpoint.received[-1]
    assert told.json["topic"] == "HookSentRetry"
    # It names the document the retried delivery was about, as that delivery does.
    assert told.json["documentId"] == "37" and told.json["details"]["documentId"] == "37"
    assert told.json["details"]["retriedHookId"] == str(broken.pk)
    assert told.json["details"]["lastError"] == "HTTP 503"
    assert told.json["details"]["retryAt"].endswith("Z")
    # The watcher's own deliveries are reported to nobody.
    assert len(endpoint.received) == 2
    assert Delivery.objects.filter(webhook=watcher).count() == 2


class Trickle(socketserver.BaseRequestHandler):
    """Answers a byte at a time: the status line and headers, or the body."""

    slow_part = "body"

    def handle(self):
        self.request.recv(65536)
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"
        slow = b"x" * 40
        if self.slow_part == "headers":
            head, slow = b"", head + slow
        try:
            self.request.sendall(head)
            for byte in slow:
                time.sleep(0.1)
                self.request.sendall(bytes([byte]))
        except OSError:
            return


@pytest.mark.parametrize("slow_part", ["headers", "body"])
def test_it_gives_up_on_a_receiver_that_answers_a_byte_at_a_time(slow_part):
    handler = type("Handler", (Trickle,), {"slow_part": slow_part})
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started = time.monotonic()
        with pytest.raises(TooSlow) as refused:
            post(f"http://127.0.0.1:{server.server_address[1]}/hook", b"{}", {},
                 timeout=0.5, keep=100)
        took = time.monotonic() - started
        server.shutdown()
    # Each byte comes well within the read timeout; the whole answer would take 4 s.
    assert took < 2
    assert "within 0.5 seconds" in str(refused.value)


def test_it_keeps_only_the_first_part_of_a_long_answer(cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    events.record(events.Delivery.objects.create(webhook=hook, organization=sender,
                                                 topic=TEST_TOPIC, message="m").pk,
                  succeeded=False, status_code=500, answer="x" * 10, error="HTTP 500",
                  duration_ms=3)
    assert json.dumps(Attempt.objects.get().answer) == '"xxxxxxxxxx"'


def test_it_purges_finished_deliveries_after_the_keeping_time(cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    old = hook.send_test(cast.admin)
    waiting = events.Delivery.objects.create(webhook=hook, organization=sender,
                                             topic=TEST_TOPIC, message="m",
                                             status=Delivery.Status.RETRYING)
    Delivery.objects.filter(pk__in=[old.pk, waiting.pk]).update(
        created_at=timezone.now() - timedelta(days=31))
    events.purge_due()
    assert list(Delivery.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert not Attempt.objects.exists()
    # An event that waited that long for a paused hook goes too.
    hook.pause(cast.admin, cast.company)
    events.purge_due()
    assert not Delivery.objects.exists()


def test_it_drops_the_try_of_a_hook_deleted_meanwhile(cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    delivery = Delivery.objects.create(webhook=hook, organization=sender, topic=TEST_TOPIC,
                                       message="m")
    # Deleted while its try waited for the receiver's answer.
    hook.delete_by(cast.admin, cast.company)
    assert events.record(delivery.pk, succeeded=True, status_code=204, answer="",
                         duration_ms=5) == ""
    assert not Attempt.objects.exists()


def test_a_failed_test_event_does_not_bring_the_pause_nearer(cast, sender, settings):
    settings.WEBHOOKS_PAUSE_AFTER_FAILURES = 2
    with WebhookReceiver(status=500) as failing:
        hook = subscribe(failing, sender, cast.admin, topics=[Topic.INVOICE_SENT])
        for _n in range(3):
            hook.send_test(cast.admin)
        hook.refresh_from_db()
        assert (hook.is_active, hook.consecutive_failures) == (True, 0)
        assert len(failing.received) == 3


def test_it_delivers_over_https_to_the_checked_address_with_the_hosts_name(
        cast, sender, tls):
    with WebhookReceiver(tls=tls("localhost")) as secure:
        hook = subscribe(secure, sender, cast.admin)
        hook.url = secure.url.replace("127.0.0.1", "localhost")
        hook.save()
        hook.send_test(cast.admin)
    assert [r.accepted for r in secure.received] == [True]
    # The certificate was checked against the name, sent as SNI and Host, not the address.
    assert secure.server_names == ["localhost"]
    assert secure.received[0].headers["Host"].startswith("localhost:")
    assert Attempt.objects.get().status_code == 204


def test_it_refuses_a_certificate_for_another_name(cast, sender, tls):
    with WebhookReceiver(tls=tls("hooks.example.com")) as impostor:
        hook = subscribe(impostor, sender, cast.admin)
        hook.url = impostor.url.replace("127.0.0.1", "localhost")
        hook.save()
        hook.send_test(cast.admin)
    assert impostor.received == []
    attempt = Attempt.objects.get()
    assert attempt.status_code is None and "SSL" in attempt.error
