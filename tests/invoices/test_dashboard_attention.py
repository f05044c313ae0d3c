"""The dashboard counts the invoices that wait or went wrong, each line opening the list that
shows exactly those."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from invoices.models import Channel, Direction, Document, Status
from onboarding.models import Partnership
from portal.tenancy import SESSION_KEY
from tests.conftest import sign_in, text
from tests.invoices.conftest import make_receiver, make_sender

pytestmark = pytest.mark.django_db


def stored(organization, direction, status, days_ago=0, count=1):
    for _ in range(count):
        document = Document.objects.create(
            organization=organization, direction=direction, status=status,
            channel=Channel.PORTAL, content=b"<Invoice/>", sha256="0" * 64, size=10,
            number="F-1", delivery_id=uuid.uuid4())
        if days_ago:
            Document.objects.filter(pk=document.pk).update(
                created_at=timezone.now() - timedelta(days=days_ago))


def lines(response) -> dict[str, str]:
    """Each line of the card: its status and the count it shows."""
    card = re.search(r'id="documents-attention".*?</section>',
                     response.content.decode(), re.S)
    assert card, "the dashboard shows no card of invoices to look at"
    return dict(re.findall(r'id="attention-(\w+)">.*?rounded-pill[^>]*>([\d+]+)<', card.group(0),
                           re.S))


def test_it_counts_what_waits_or_went_wrong_and_each_line_lists_just_those(client, cast):
    acme = make_sender(cast)
    stored(acme, Direction.OUTGOING, Status.REFUSED, count=2)
    stored(acme, Direction.OUTGOING, Status.REFUSED, days_ago=45)  # too long ago to count
    stored(acme, Direction.OUTGOING, Status.QUEUED, days_ago=45)  # waiting, however old
    stored(acme, Direction.OUTGOING, Status.DELIVERED, count=3)  # nothing to look at
    stored(acme, Direction.OUTGOING, Status.REJECTED)
    stored(acme, Direction.INCOMING, Status.REJECTED)  # the reader's own decision
    stored(acme, Direction.INCOMING, Status.RECEIVED, count=4)
    stored(acme, Direction.INCOMING, Status.DOWNLOADED)
    stored(acme, Direction.INCOMING, Status.DUPLICATE)
    # Another environment's documents never count.
    stored(make_receiver(cast), Direction.OUTGOING, Status.DELIVERY_FAILED)
    sign_in(client, cast.admin)

    response = client.get("/")

    assert lines(response) == {"refused": "2", "rejected": "1", "queued": "1", "received": "4",
                               "duplicate": "1"}
    page = response.content.decode()
    for status, shown in lines(response).items():
        url = re.search(rf'id="attention-{status}">\s*<a href="([^"]+)"', page).group(1)
        listed = client.get(url.replace("&amp;", "&"))
        assert f"{shown} document" in text(listed), (status, url)


def test_it_counts_an_accountants_clients_invoices_in_the_accountancy(client, cast):
    client_org = make_receiver(cast)
    Partnership.start(accountant=cast.accountancy, organization=client_org,
                      by=cast.client_admin)
    stored(client_org, Direction.OUTGOING, Status.DELIVERY_FAILED)
    sign_in(client, cast.accountant)
    session = client.session
    session[SESSION_KEY] = cast.accountancy.pk
    session.save()

    assert lines(client.get("/")) == {"delivery_failed": "1"}


def test_it_says_when_nothing_needs_a_look_and_shows_no_card_without_organizations(
        client, cast):
    sign_in(client, cast.admin)
    assert "documents-attention" not in client.get("/").content.decode()

    stored(make_sender(cast), Direction.OUTGOING, Status.DELIVERED)
    page = text(client.get("/"))
    assert "Nothing waits and nothing went wrong in the last 30 days." in page


def test_it_stops_counting_past_its_cap_and_says_there_are_more(client, cast, monkeypatch):
    from invoices.templatetags import documents

    monkeypatch.setattr(documents, "ATTENTION_CAP", 3)
    acme = make_sender(cast)
    stored(acme, Direction.INCOMING, Status.RECEIVED, count=3)
    stored(acme, Direction.OUTGOING, Status.QUEUED, count=4)
    sign_in(client, cast.admin)

    assert lines(client.get("/")) == {"queued": "3+", "received": "3"}
