"""An administrator adds a webhook on its page; an invoice sent by another organization's
software through the documents API arrives, and the signed delivery shows on the webhook's
page, checked by the receiver."""

import pytest
import requests

from invoices.models import Direction, Document
from tests.api.conftest import acme, acme_key  # noqa: F401 - fixtures
from tests.e2e.browsing import Watcher
from tests.e2e.test_connection_key_journey import confirm_password
from tests.e2e.test_organization_journey import signed_in_page
from tests.invoices.conftest import invoice, make_receiver
from tests.standins.webhook_receiver import WebhookReceiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_delivers_a_signed_event_and_shows_the_try_on_the_webhooks_page(
        live_server, browser, cast, acme_key):  # noqa: F811 - a fixture
    receiver = make_receiver(cast)
    page = signed_in_page(browser, live_server, cast.client_admin.email)
    watcher = Watcher(page)
    with WebhookReceiver() as endpoint:
        page.goto(f"{live_server.url}/organizations/{receiver.pk}/")
        page.locator("#webhooks").get_by_role("link", name="Add a webhook").click()
        confirm_password(page)
        page.get_by_label("Target URL").fill(endpoint.url)
        page.get_by_label("Description").fill("Our bookkeeping")
        page.get_by_label("Invoice received").check()
        page.get_by_role("button", name="Add webhook").click()
        page.get_by_role("heading", name="Your new webhook").wait_for()
        endpoint.secret = page.locator("#secret").input_value()
        page.get_by_role("link", name="Done").click()
        page.locator("#attempts-empty").wait_for()

        response = requests.post(
            f"{live_server.url}/api/v1/documents", data=invoice("F-HOOK-1"),
            auth=(acme_key.key.app_key, acme_key.secret),
            headers={"Content-Type": "application/xml"}, timeout=60)
        assert response.status_code == 202, response.text

        page.reload()
        row = page.locator("#attempts tbody tr").first
        assert "Invoice received" in row.inner_text() and "204" in row.inner_text()
        assert "F-HOOK-1" in row.inner_text()

    [received] = endpoint.received
    assert received.signature_ok and received.fresh
    incoming = Document.objects.get(direction=Direction.INCOMING)
    assert received.json["documentId"] == str(incoming.pk)
    assert received.json["partyId"] == receiver.company_id
    assert watcher.problems == []
