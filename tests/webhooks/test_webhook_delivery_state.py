"""What a hook's pages say of its deliveries: for each try what the answer means and what
followed (the next try and the tries left, or that it was given up), how near a pause the
failures in a row bring the hook, and on the list which hooks are failing and since when."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from tests.conftest import sign_in
from tests.standins.webhook_receiver import WebhookReceiver
from tests.webhooks.conftest import subscribe
from webhooks import events
from webhooks.models import Attempt, Delivery, Topic, Webhook

pytestmark = pytest.mark.django_db

PIECES = ("attempt-number", "attempt-status", "attempt-status-name", "attempt-meaning",
          "attempt-body", "attempt-outcome")


def tries(response) -> list[dict]:
    """Each try on the hook's page, newest first: each piece of its row as the user reads
    it ("" where the row has none)."""
    found = []
    for row in re.findall(r'<tr class="attempt">(.*?)</tr>', response.content.decode(), re.S):
        pieces = {}
        for piece in PIECES:
            match = re.search(rf'<(\w+) class="[^"]*\b{piece}\b[^"]*">(.*?)</\1>', row, re.S)
            pieces[piece.removeprefix("attempt-")] = read(match.group(2)) if match else ""
        found.append(pieces)
    return found


def read(part: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part))).strip()


def by_id(response, element_id) -> str:
    match = re.search(rf'<(\w+)[^>]* id="{element_id}"[^>]*>(.*?)</\1>',
                      response.content.decode(), re.S)
    return read(match.group(2)) if match else ""


def shown(moment, language="en") -> str:
    with translation.override(language):
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def page(client, hook):
    return client.get(reverse("webhooks:detail", args=[hook.pk]))


def event(hook, sender, message="F-1"):
    return events.queue(hook, Topic.INVOICE_SENT, organization=sender, document_id=None,
                        message=message, details={})


def retry(delivery):
    """The sweep finds the delivery due, and its next try is made."""
    delivery.refresh_from_db()
    assert events.due(now=delivery.next_attempt_at) == [delivery.pk]
    events.attempt(delivery.pk)
    delivery.refresh_from_db()


@pytest.fixture
def failing():
    with WebhookReceiver(status=500) as receiver:
        yield receiver


def test_it_says_when_a_failed_event_is_tried_again_and_when_it_is_given_up(
        client, cast, sender, failing, settings):
    settings.WEBHOOKS_RETRY_SECONDS = [60, 300]
    settings.WEBHOOKS_PAUSE_AFTER_FAILURES = 10
    hook = subscribe(failing, sender, cast.admin, topics=[Topic.INVOICE_SENT])
    delivery = event(hook, sender)
    delivery.refresh_from_db()
    sign_in(client, cast.admin)

    [first] = tries(page(client, hook))
    assert first == {
        "number": "1 of 3", "status": "HTTP 500", "status-name": "Internal Server Error",
        "meaning": "Your receiver failed while handling the event; its own log says why.",
        "body": "Body of the answer: answer 500",
        "outcome": "Failed Next try shortly after "
                   f"{shown(delivery.next_attempt_at)}; 2 tries left."}

    retry(delivery)
    latest, earlier = tries(page(client, hook))
    assert (latest["number"], earlier["number"]) == ("2 of 3", "1 of 3")
    assert latest["outcome"] == (f"Failed Last try shortly after "
                                 f"{shown(delivery.next_attempt_at)}.")
    assert earlier["outcome"] == "Failed Tried again."

    retry(delivery)
    assert delivery.status == Delivery.Status.FAILED
    assert [row["outcome"] for row in tries(page(client, hook))] == [
        "Failed Given up after 3 tries.", "Failed Tried again.", "Failed Tried again."]


def test_it_says_a_failed_test_event_is_not_tried_again(client, cast, sender, failing):
    hook = subscribe(failing, sender, cast.admin)
    hook.send_test(cast.admin)
    sign_in(client, cast.admin)

    [row] = tries(page(client, hook))

    assert row["number"] == "1 of 1"
    assert row["outcome"] == "Failed Not tried again: a test event is tried once."


def test_it_says_a_delivered_try_was_accepted(client, cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    hook.send_test(cast.admin)
    sign_in(client, cast.admin)

    [row] = tries(page(client, hook))

    assert (row["status"], row["status-name"], row["meaning"], row["body"], row["outcome"]) \
        == ("HTTP 204", "No Content", "Your receiver accepted the event.", "", "Delivered")


def test_it_says_the_tries_of_a_paused_hook_wait_for_it_to_be_resumed(
        client, cast, sender, failing, settings):
    settings.WEBHOOKS_RETRY_SECONDS = [60, 300, 900]
    hook = subscribe(failing, sender, cast.admin, topics=[Topic.INVOICE_SENT])
    event(hook, sender)
    hook.pause(cast.admin, cast.company)
    sign_in(client, cast.admin)

    response = page(client, hook)

    [row] = tries(response)
    assert row["outcome"] == "Failed Tried again when the webhook is resumed; 3 tries left."
    # No tries are made while it is paused: nothing brings a pause nearer.
    assert by_id(response, "webhook-pause-rule") == ""


def test_it_says_how_many_more_failed_tries_in_a_row_pause_the_hook(
        client, cast, sender, failing, endpoint, settings):
    settings.WEBHOOKS_PAUSE_AFTER_FAILURES = 3
    hook = subscribe(failing, sender, cast.admin, topics=[Topic.INVOICE_SENT])
    sign_in(client, cast.admin)
    rule = "A try that succeeds, a test event's too, starts the count again; a test event " \
           "that fails does not count."
    assert by_id(page(client, hook), "webhook-pause-rule") == \
        f"After 3 failed tries in a row, the webhook is paused. {rule}"

    event(hook, sender, "F-1")
    # A failed test event does not count.
    hook.send_test(cast.admin)
    assert by_id(page(client, hook), "webhook-pause-rule") == \
        f"1 failed try in a row so far. After 2 more, the webhook is paused. {rule}"
    event(hook, sender, "F-2")
    response = page(client, hook)
    assert by_id(response, "webhook-pause-rule") == \
        f"2 failed tries in a row so far. After one more, the webhook is paused. {rule}"
    first_failure = Attempt.objects.order_by("at").first().at
    last = Attempt.objects.order_by("at").last().at
    assert by_id(response, "webhook-status").startswith(
        f"Failing Failing since {shown(first_failure)}. Last try {shown(last)}: failed")

    event(hook, sender, "F-3")
    hook.refresh_from_db()
    assert hook.is_active is False
    assert by_id(page(client, hook), "webhook-status").startswith("Paused")


def test_it_starts_the_count_again_after_a_try_that_succeeds(
        client, cast, sender, endpoint, settings):
    settings.WEBHOOKS_PAUSE_AFTER_FAILURES = 3
    hook = subscribe(endpoint, sender, cast.admin, topics=[Topic.INVOICE_SENT])
    endpoint.status = 500
    event(hook, sender, "F-1")
    endpoint.status = None
    hook.send_test(cast.admin)
    sign_in(client, cast.admin)

    response = page(client, hook)

    assert by_id(response, "webhook-pause-rule").startswith(
        "After 3 failed tries in a row, the webhook is paused.")
    assert by_id(response, "webhook-status").startswith("Active Last try")
    assert "Failing" not in by_id(response, "webhook-status")


def test_it_reads_a_failed_try_in_dutch(client, cast, sender, failing, settings):
    settings.WEBHOOKS_RETRY_SECONDS = [60]
    hook = subscribe(failing, sender, cast.admin, topics=[Topic.INVOICE_SENT])
    delivery = event(hook, sender)
    delivery.refresh_from_db()
    sign_in(client, cast.admin)
    client.cookies.load({"django_language": "nl"})

    [row] = tries(page(client, hook))

    # The standard name of the status, the outcome and the moment, as a Dutch reader reads
    # them.
    assert (row["status"], row["status-name"]) == ("HTTP 500", "Interne serverfout")
    assert row["outcome"].startswith("Mislukt")
    assert shown(delivery.next_attempt_at, "nl") in row["outcome"]


def listed(client) -> dict[int, str]:
    """The status cell of each hook on the list, by the hook's id."""
    page = client.get(reverse("webhooks:list")).content.decode()
    cells = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        link = re.search(r'href="/webhooks/(\d+)/"', row)
        if link:
            cells[int(link.group(1))] = read(re.findall(r"<td>(.*?)</td>", row, re.S)[-1])
    return cells


def test_it_lists_a_failing_hook_as_failing_since_its_first_failed_try(
        client, cast, sender, endpoint, failing):
    healthy = subscribe(endpoint, sender, cast.admin, topics=[Topic.INVOICE_SENT])
    broken = subscribe(failing, sender, cast.admin, topics=[Topic.INVOICE_SENT])
    idle = subscribe(endpoint, sender, cast.admin, topics=[Topic.INVOICE_SENT])
    # Delivered once, then failing twice.
    endpoint.secret = failing.secret
    delivered = events.Delivery.objects.create(webhook=broken, organization=sender,
                                               topic=Topic.INVOICE_SENT, message="m")
    events.record(delivered.pk, succeeded=True, status_code=204, answer="", duration_ms=1)
    for _n in range(2):
        event(broken, sender)
    event(healthy, sender)
    Webhook.objects.filter(pk=idle.pk).update(is_active=False)
    since, last = (Attempt.objects.filter(webhook=broken, succeeded=False)
                   .order_by("at").values_list("at", flat=True))
    last_delivered = Attempt.objects.get(webhook=healthy).at
    sign_in(client, cast.admin)

    cells = listed(client)

    assert cells[broken.pk] == (f"Failing Failing since {shown(since)}. "
                                f"Last try {shown(last)}: failed")
    assert cells[healthy.pk] == f"Active Last try {shown(last_delivered)}: delivered"
    assert cells[idle.pk] == "Paused Nothing sent yet."


def test_it_lists_hooks_in_as_many_queries_however_many_there_are(
        client, cast, sender, endpoint, failing):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("webhooks:list")).status_code == 200
        return len(captured)

    sign_in(client, cast.admin)
    first = subscribe(failing, sender, cast.admin, topics=[Topic.INVOICE_SENT])
    event(first, sender)
    one = queries()
    for target in (endpoint, failing, endpoint, failing):
        hook = subscribe(target, sender, cast.admin, topics=[Topic.INVOICE_SENT])
        event(hook, sender)
    Webhook.create(by=cast.admin, environment=cast.company, url=endpoint.url,
                   topics=[Topic.INVOICE_RECEIVED])

    assert len(listed(client)) == 6
    assert queries() == one


def test_it_keeps_the_failing_state_to_the_latest_try_of_each_hook(cast, sender, failing):
    hook = subscribe(failing, sender, cast.admin, topics=[Topic.INVOICE_SENT])
    event(hook, sender)
    failed = Attempt.objects.get()
    # An older success does not end the streak that followed it.
    Attempt.objects.create(delivery=failed.delivery, webhook=hook, number=9, succeeded=True,
                           status_code=204, at=failed.at - timedelta(hours=1))

    state = Webhook.objects.with_delivery_state().get(pk=hook.pk)

    assert (state.is_failing, state.failing_since, state.last_attempt_succeeded) == \
        (True, failed.at, False)
