"""The mail that says a webhook was paused after repeated failures: who gets it, and what
of the target's address it shows."""

import pytest

from onboarding.models import Partnership
from portal.tenancy import SESSION_KEY
from tests.conftest import mails_to, sign_in
from tests.standins.webhook_receiver import WebhookReceiver
from webhooks import events
from webhooks.addresses import shown_address
from webhooks.models import Topic, Webhook

pytestmark = pytest.mark.django_db


def fail_twice(hook):
    for _n in range(2):
        events.queue(hook, Topic.INVOICE_SENT, organization=hook.organization,
                     document_id=None, message="m", details={})
    hook.refresh_from_db()
    assert not hook.is_active


def paused_mails(email):
    return [message for message in mails_to(email) if "paused" in message.subject
            or "gepauzeerd" in message.subject]


def test_it_tells_the_accountancy_whose_hook_on_a_client_was_paused(
        cast, sender, settings, client, mailoutbox):
    settings.WEBHOOKS_PAUSE_AFTER_FAILURES = 2
    Partnership.start(accountant=cast.accountancy, organization=sender, by=cast.admin)
    cast.accountant.language = "nl"
    cast.accountant.save(update_fields=["language"])
    with WebhookReceiver(status=500) as failing:
        hook, _secret = Webhook.create(by=cast.accountant, environment=cast.accountancy,
                                       organization=sender, url=failing.url,
                                       topics=[Topic.INVOICE_SENT])
        assert hook.partnership_id
        fail_twice(hook)

    [told] = paused_mails(cast.accountant.email)
    [_own] = paused_mails(cast.admin.email)
    # In the accountant's own language, with a link to the hook's page they can open.
    assert "gepauzeerd" in told.subject
    link = f"{settings.PORTAL_URL}/webhooks/{hook.pk}/"
    assert link in told.body
    sign_in(client, cast.accountant)
    session = client.session
    session[SESSION_KEY] = cast.accountancy.pk
    session.save()
    assert client.get(f"/webhooks/{hook.pk}/").status_code == 200


def test_it_does_not_tell_the_accountancy_of_a_hook_the_client_made(
        cast, sender, settings, mailoutbox):
    settings.WEBHOOKS_PAUSE_AFTER_FAILURES = 2
    Partnership.start(accountant=cast.accountancy, organization=sender, by=cast.admin)
    with WebhookReceiver(status=500) as failing:
        hook, _secret = Webhook.create(by=cast.admin, environment=cast.company,
                                       organization=sender, url=failing.url,
                                       topics=[Topic.INVOICE_SENT])
        fail_twice(hook)

    assert paused_mails(cast.admin.email)
    assert not paused_mails(cast.accountant.email)


def test_it_shows_only_scheme_host_and_path_of_a_hook_in_the_mail(
        cast, sender, settings, mailoutbox):
    settings.WEBHOOKS_PAUSE_AFTER_FAILURES = 2
    with WebhookReceiver(status=500) as failing:
        hook, _secret = Webhook.create(by=cast.admin, environment=cast.company,
                                       organization=sender,
                                       url=failing.url + "?token=s3cr3t-t0ken#part",
                                       topics=[Topic.INVOICE_SENT])
        fail_twice(hook)

    [message] = paused_mails(cast.admin.email)
    assert failing.url in message.subject and failing.url in message.body
    assert "s3cr3t-t0ken" not in message.subject + message.body
    assert "#part" not in message.body


@pytest.mark.parametrize(("url", "shown"), [
    ("https://erp.example.com/hooks/in?token=abc", "https://erp.example.com/hooks/in"),
    ("https://user:pa55@erp.example.com:8443/in#frag", "https://erp.example.com:8443/in"),
    ("https://[2001:db8::1]:8443/in?x=1", "https://[2001:db8::1]:8443/in"),
    ("http://erp.example.com", "http://erp.example.com"),
])
def test_it_drops_userinfo_query_and_fragment_from_a_shown_address(url, shown):
    assert shown_address(url) == shown
