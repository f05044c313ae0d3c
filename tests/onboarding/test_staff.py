import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from invoices.schedules import purge_documents
from onboarding.integrations.runs import IntegrationRun
from onboarding.models import (
    EntraIdentity,
    Environment,
    OrganizationIdentifier,
    PartyLinkRequest,
    Subscription,
    UpgradeRequest,
)
from portal.tasks import enqueue
from tests.conftest import enable_totp
from tests.integrations.helpers import afas_run
from tests.onboarding.test_activation_queue import pending_org
from tests.tasks.conftest import DATABASE_QUEUE

pytestmark = pytest.mark.django_db


def test_it_sends_staff_without_mfa_to_set_it_up(client, cast):
    client.force_login(cast.sales)
    response = client.get("/staff/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/"
    assert b"Staff pages need two-factor authentication" in response.content


def test_it_opens_staff_pages_with_mfa(client, cast):
    client.force_login(cast.techsupport)
    response = client.get("/staff/?q=acme")
    assert response.status_code == 200
    assert b"acme.nl" in response.content
    assert b"other.nl" not in response.content


def test_it_hides_staff_pages_from_everyone_else(client, cast):
    client.force_login(cast.admin)
    assert client.get("/staff/").status_code == 404


def test_it_keeps_staff_out_of_environments(cast):
    assert not Environment.objects.visible_to(cast.techsupport).exists()


def queue_buttons(client) -> dict:
    """{queue: what its badge says, or "" without one}, as the staff home shows them."""
    page = client.get("/staff/").content.decode()
    nav = re.search(r'<nav [^>]*id="staff-queues".*?</nav>', page, re.S).group(0)
    return {label.strip(): re.sub(r"<[^>]+>", "", badge).strip()
            for label, badge in re.findall(r"<a [^>]*>([^<]*)(.*?)</a>", nav, re.S)}


def test_it_shows_how_many_wait_in_each_queue_of_techsupport(client, cast, settings):
    settings.TASKS = DATABASE_QUEUE
    settings.TASKS_BACKEND = "database"
    client.force_login(cast.techsupport)
    assert queue_buttons(client) == {
        "Activation queue": "", "Identifiers to verify": "", "Party-link queue": "",
        "Stuck integration setups": "", "Duplicates": "", "Invoices not fetched": "",
        "Task queue": ""}
    assert 'id="staff-link">Staff</a>' in client.get("/staff/").content.decode()

    pending_org(cast, name="Bakkerij Jansen BV", registry_number="87654321")
    run = afas_run(cast)
    IntegrationRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(days=3))
    OrganizationIdentifier.objects.create(organization=run.organization, scheme="0190",
                                          value="00000000000000000000000101")
    PartyLinkRequest.submit(identity=EntraIdentity.objects.create(
        user=cast.admin, tenant_id="tenant-acme", object_id="object-anna",
        username="anna@acme.nl"), by=cast.admin, environment=cast.company,
        broker="production", entra_username="anna@acme.nl", organizations=[run.organization])
    failing = enqueue(purge_documents)
    DBTaskResult.objects.filter(id=failing.id).update(status="FAILED",
                                                      finished_at=timezone.now())

    assert queue_buttons(client) == {
        "Activation queue": "1 waiting", "Identifiers to verify": "1 waiting",
        "Party-link queue": "1 waiting", "Stuck integration setups": "1 waiting",
        "Duplicates": "", "Invoices not fetched": "", "Task queue": "1 failed"}
    # The menu's staff link carries the sum on every page.
    page = client.get("/staff/party-links/").content.decode()
    link = re.search(r'<a [^>]*id="staff-link">(.*?)</a>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", link).split() == ["Staff", "5", "in", "your", "queues"]


def test_it_shows_sales_their_waiting_upgrade_requests(client, cast):
    enable_totp(cast.sales)
    client.force_login(cast.sales)
    assert queue_buttons(client) == {"Upgrade requests": "", "Subscriptions and contracts": ""}

    UpgradeRequest.submit(environment=cast.company, by=cast.admin,
                          subscription=Subscription.BASIC)

    assert queue_buttons(client) == {"Upgrade requests": "1 waiting",
                                     "Subscriptions and contracts": ""}
    # Each environment leads to its page, and its subscription to the contracts.
    home = client.get("/staff/").content.decode()
    assert f'<a href="/staff/environments/{cast.company.pk}/">{cast.company.name}</a>' in home
    assert (f'<a href="/staff/subscriptions/{cast.company.pk}/">'
            f'{cast.company.get_subscription_display()}</a>') in home


@pytest.mark.parametrize("url", ["/staff/activations/", "/staff/identifiers/",
                                 "/staff/party-links/", "/staff/integrations/stuck/",
                                 "/staff/documents/", "/staff/tasks/"])
def test_every_queue_of_techsupport_leads_back_to_the_staff_home(client, cast, url):
    client.force_login(cast.techsupport)
    page = client.get(url).content.decode()
    crumbs = re.search(r'<ol class="breadcrumb">(.*?)</ol>', page, re.S).group(1)
    assert '<a href="/staff/">Staff</a>' in crumbs and 'aria-current="page"' in crumbs
