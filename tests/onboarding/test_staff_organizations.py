"""Platform staff find any organization and read what a support call needs about it."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoices.models import Channel, Document, Status
from invoices.submission import accept
from onboarding.models import ConnectionKey, Organization, OrganizationIdentifier, Software
from tests.conftest import enable_totp, text
from tests.integrations.helpers import afas_run
from tests.invoices.conftest import invoice, make_receiver, make_sender, received_over_peppol
from tests.onboarding.test_activation_queue import pending_org
from tests.standins.webhook_receiver import WebhookReceiver
from tests.webhooks.conftest import subscribe
from webhooks.models import Topic, Webhook

pytestmark = pytest.mark.django_db


def found(client, query="", **filters) -> list[str]:
    """The organizations the staff list shows for a search, by name, in order."""
    response = client.get("/staff/organizations/", {"q": query, **filters})
    assert response.status_code == 200
    table = re.search(r'<table[^>]*id="staff-organizations".*?</table>', text(response), re.S)
    if table is None:
        return []
    return re.findall(r'<a href="/staff/organizations/\d+/">([^<]+)</a>', table.group(0))


@pytest.fixture
def organizations(cast):
    sender = make_sender(cast)
    receiver = make_receiver(cast)
    OrganizationIdentifier.add(receiver, cast.client_admin, "0190", "00000000123456789012")
    pending = pending_org(cast, name="Bakkerij Jansen BV", registry_number="24681357")
    return sender, receiver, pending


def test_it_finds_organizations_by_name_number_identifier_and_environment(client, cast,
                                                                          organizations):
    sender, receiver, pending = organizations
    client.force_login(cast.techsupport)

    assert found(client) == ["Acme Trading BV", "Bakery Client BV", "Bakkerij Jansen BV"]
    assert found(client, "bakk") == ["Bakkerij Jansen BV"]
    assert found(client, receiver.company_id) == ["Bakery Client BV"]
    assert found(client, "24681357") == ["Bakkerij Jansen BV"]
    # A Peppol identifier, as a value alone or whole with its scheme, as customers quote it.
    assert found(client, "123456789012") == ["Bakery Client BV"]
    assert found(client, "0190:00000000123456789012") == ["Bakery Client BV"]
    assert found(client, "0106:87654321") == ["Bakery Client BV"]
    assert found(client, "9944:87654321") == []
    # Written as SMP answers and logs write it, and a number written in groups.
    assert found(client, "iso6523-actorid-upis::0106:87654321") == ["Bakery Client BV"]
    assert found(client, "2468 1357") == ["Bakkerij Jansen BV"]
    assert found(client, "24.68.13.57") == ["Bakkerij Jansen BV"]
    assert found(client, "bakery.nl") == ["Bakery Client BV"]
    assert found(client, status="pending") == ["Bakkerij Jansen BV"]
    assert found(client, "acme", status="pending") == ["Bakkerij Jansen BV"]
    assert found(client, "bakery", status="pending") == []


def test_it_says_when_no_organization_matches(client, cast, organizations):
    client.force_login(cast.techsupport)
    response = client.get("/staff/organizations/", {"q": "nothing like this"})
    assert "No organization matches this search." in text(response)


def test_it_shows_an_organization_as_support_needs_it(client, cast, organizations):
    sender, receiver, pending = organizations
    issued = ConnectionKey.issue(organization=receiver, software=Software.AFAS,
                                 by=cast.client_admin, label="Boekhouding")
    revoked = ConnectionKey.issue(organization=receiver, software=Software.ACCEPT,
                                  by=cast.client_admin)
    revoked.key.revoke(cast.client_admin)
    accept(sender, invoice("F-SENT-1"), Channel.PORTAL)
    received_over_peppol(receiver, "F-PEPPOL-1")
    received_over_peppol(receiver, "F-PEPPOL-2", status=Status.DOWNLOADED)
    client.force_login(cast.techsupport)

    page = text(client.get(f"/staff/organizations/{receiver.pk}/"))

    assert "Bakery Client BV" in page and receiver.company_id in page
    identifiers = re.search(r'id="staff-identifiers".*?</section>', page, re.S).group(0)
    assert "0106:" in identifiers and "0190:00000000123456789012" in identifiers
    assert "Receiving on" in identifiers
    keys = re.search(r'id="staff-keys".*?</section>', page, re.S).group(0)
    assert issued.key.app_key in keys and revoked.key.app_key in keys
    assert keys.index(issued.key.app_key) < keys.index(revoked.key.app_key)
    assert "Revoked" in keys and "Boekhouding" in keys
    # The secrets never appear; their digests neither.
    assert issued.secret not in page and issued.key.secret_hash not in page
    summary = re.search(r'id="staff-documents-summary".*?</section>', page, re.S).group(0)
    # The sender's invoice reached this organization inside the platform, as a third.
    assert re.search(r"Received: 2\b", summary) and "Downloaded: 1" in summary
    assert re.search(r'id="staff-waiting">2\b', summary)
    numbers = re.findall(r'<a href="/staff/documents/\d+/">([^<]+)</a>', summary)
    assert numbers == ["F-PEPPOL-2", "F-PEPPOL-1", "F-SENT-1"]
    # The invoices themselves stay out of it.
    assert "NL91ABNA0417164300" not in page
    administrators = re.search(r'id="staff-administrators".*?</section>', page, re.S).group(0)
    assert "owner@bakery.nl" in administrators
    events = re.search(r'id="staff-events".*?</section>', page, re.S).group(0)
    assert "0190:00000000123456789012" in events
    # An address with a city and no street: no dash stands for the street.
    Organization.objects.filter(pk=pending.pk).update(city="Utrecht")
    page = text(client.get(f"/staff/organizations/{pending.pk}/"))
    address = re.search(r'id="staff-address">(.*?)</dd>', page, re.S).group(1)
    assert address.strip() == "Utrecht"


def test_it_shows_where_a_setup_waits(client, cast):
    run = afas_run(cast)
    client.force_login(cast.techsupport)
    page = text(client.get(f"/staff/organizations/{run.organization.pk}/"))
    setups = re.search(r'id="staff-setups".*?</section>', page, re.S).group(0)
    assert run.definition.name in setups
    assert "At step:" in setups and 'data-state="waiting"' in setups
    # Its start is among the organization's recent changes.
    events = re.search(r'id="staff-events".*?</section>', page, re.S).group(0)
    assert f"Started the guided setup {run.definition.name}" in events
    # TechSupport opens the setup from here; Sales, who may not, gets no link to it.
    assert f'href="/staff/integrations/runs/{run.pk}/"' in setups
    enable_totp(cast.sales)
    client.force_login(cast.sales)
    for_sales = text(client.get(f"/staff/organizations/{run.organization.pk}/"))
    assert run.definition.name in for_sales and "/staff/integrations/runs/" not in for_sales


def test_it_counts_sent_documents_by_status(client, cast, organizations):
    sender, receiver, pending = organizations
    accept(sender, invoice("F-SENT-1"), Channel.PORTAL)
    accept(sender, invoice("F-SENT-2", supplier_kvk="99999999"), Channel.PORTAL)
    client.force_login(cast.techsupport)
    page = text(client.get(f"/staff/organizations/{sender.pk}/"))
    counts = re.search(r'id="staff-document-counts".*?</div>', page, re.S).group(0)
    sent = counts.split("Received")[0]
    assert "Delivered: 1" in sent and "Refused: 1" in sent


def test_it_links_an_organization_from_the_other_staff_pages(client, cast, organizations):
    sender, receiver, pending = organizations
    document = received_over_peppol(receiver, "F-PEPPOL-1")
    client.force_login(cast.techsupport)
    link = f'href="/staff/organizations/{receiver.pk}/"'
    assert link in client.get(f"/staff/documents/{document.pk}/").content.decode()
    assert (f'href="/staff/organizations/{pending.pk}/"'
            in client.get(f"/staff/activations/{pending.pk}/").content.decode())
    home = client.get("/staff/").content.decode()
    assert 'action="/staff/organizations/"' in home


def test_it_opens_for_sales_too_with_the_subscription_link(client, cast, organizations):
    sender, receiver, pending = organizations
    document = received_over_peppol(receiver, "F-SALES-1")
    enable_totp(cast.sales)
    client.force_login(cast.sales)
    page = client.get(f"/staff/organizations/{pending.pk}/").content.decode()
    assert f'href="/staff/subscriptions/{pending.environment.pk}/"' in page
    # Documents are TechSupport's: Sales reads the list without links it may not follow.
    page = client.get(f"/staff/organizations/{receiver.pk}/").content.decode()
    assert "F-SALES-1" in page
    assert f'href="/staff/documents/{document.pk}/"' not in page
    assert client.get(f"/staff/documents/{document.pk}/").status_code == 403
    # Activation requests are TechSupport's.
    assert 'id="activation-history-link"' not in page
    client.force_login(cast.techsupport)
    page = client.get(f"/staff/organizations/{pending.pk}/").content.decode()
    assert f'href="/staff/activations/{pending.pk}/"' in page
    page = client.get(f"/staff/organizations/{receiver.pk}/").content.decode()
    assert f'href="/staff/documents/{document.pk}/"' in page


def test_it_keeps_the_pages_from_everyone_but_staff(client, cast, organizations):
    sender, receiver, pending = organizations
    for user in (cast.admin, cast.client_admin, cast.accountant):
        client.force_login(user)
        assert client.get("/staff/organizations/").status_code == 404
        assert client.get(f"/staff/organizations/{receiver.pk}/").status_code == 404
    client.force_login(cast.techsupport)
    assert client.get("/staff/organizations/999999/").status_code == 404


def test_it_reads_a_busy_organization_with_the_same_queries(client, cast, organizations):
    sender, receiver, pending = organizations
    client.force_login(cast.techsupport)
    url = f"/staff/organizations/{receiver.pk}/"

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    received_over_peppol(receiver, "F-1")
    # One key already: an empty page of keys needs no query to list it.
    ConnectionKey.issue(organization=receiver, software=Software.AFAS, by=cast.client_admin)
    before = queries()
    for n in range(2, 8):
        received_over_peppol(receiver, f"F-{n}")
    ConnectionKey.issue(organization=receiver, software=Software.AFAS, by=cast.client_admin)
    ConnectionKey.issue(organization=receiver, software=Software.ACCEPT, by=cast.client_admin)
    assert queries() == before
    assert Document.objects.filter(organization=receiver).count() == 7


def test_it_shows_the_webhooks_that_hear_of_the_organization(client, cast, organizations,
                                                             django_capture_on_commit_callbacks):
    sender, receiver, pending = organizations
    with WebhookReceiver() as endpoint:
        own = subscribe(endpoint, receiver, cast.client_admin)
        with django_capture_on_commit_callbacks(execute=True):
            own.send_test(cast.client_admin)
    everyone, _secret = Webhook.create(by=cast.client_admin, environment=cast.client,
                                       url="https://hooks.bakery.nl/peppol",
                                       topics=[Topic.choices[0][0]])
    everyone.pause(cast.client_admin, cast.client, reason="Our end is being moved")
    elsewhere, _secret = Webhook.create(by=cast.admin, environment=cast.company,
                                        organization=sender, url="https://hooks.acme.nl/in",
                                        topics=[Topic.choices[0][0]])
    client.force_login(cast.techsupport)

    page = text(client.get(f"/staff/organizations/{receiver.pk}/"))

    hooks = re.search(r'id="staff-webhooks".*?</section>', page, re.S).group(0)
    items = re.findall(r"<li.*?</li>", hooks, re.S)
    assert len(items) == 2
    assert own.url in items[0] and "Active" in items[0] and "delivered" in items[0]
    assert everyone.url in items[1] and "Paused" in items[1]
    assert "Every organization of Bakery" in items[1] and "Our end is being moved" in items[1]
    assert "Nothing sent yet." in items[1]
    assert elsewhere.url not in page
    # Creating its own hook is among the organization's recent changes.
    events = re.search(r'id="staff-events".*?</section>', page, re.S).group(0)
    assert own.url in events and everyone.url not in events


def test_it_pages_the_keys_of_an_organization_with_many(client, cast):
    receiver = make_receiver(cast)
    for _n in range(27):
        ConnectionKey.issue(organization=receiver, software=Software.AFAS, by=cast.client_admin)
    client.force_login(cast.techsupport)
    url = f"/staff/organizations/{receiver.pk}/"

    first = re.search(r'id="staff-keys".*?</section>',
                      client.get(url).content.decode(), re.S).group(0)
    second = re.search(r'id="staff-keys".*?</section>',
                       client.get(url, {"keys_page": 2}).content.decode(), re.S).group(0)

    assert first.count("<code") == 25 and "?keys_page=2" in first
    assert second.count("<code") == 2


def test_it_names_an_environment_once_when_its_name_is_its_domain(client, cast):
    receiver = make_receiver(cast)
    receiver.environment.name = receiver.environment.domain
    receiver.environment.save(update_fields=["name"])
    client.force_login(cast.techsupport)
    page = text(client.get(f"/staff/organizations/{receiver.pk}/"))
    domain = receiver.environment.domain
    assert f"{domain}</a> · " in page and f"({domain})" not in page
