"""Steps on several received invoices at once beyond one page: "all documents that match these
filters" beside those chosen on the page, confirmed on a page that says how many and which
filters, and taken on what matches when confirmed, within what the user may see; and the
inbox's bar, which stays in sight when this page holds nothing to choose."""

import hashlib
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoices.models import Channel, Direction, Document, Status
from invoices.views import lists
from tests.conftest import sign_in, text

pytestmark = pytest.mark.django_db

KORENAAR = "81234567"
MOLEN = "55556666"


def received(organization, number, *, status=Status.RECEIVED, party=KORENAAR,
             name="Lunchroom De Korenaar"):
    """An invoice `organization` received from the supplier at 0106:`party`."""
    content = f"<Invoice>{number}</Invoice>".encode()
    return Document.objects.create(
        organization=organization, direction=Direction.INCOMING, status=status,
        channel=Channel.PEPPOL, content=content, sha256=hashlib.sha256(content).hexdigest(),
        size=len(content), number=number, counterparty_name=name, sender_scheme="0106",
        sender_value=party, receiver_scheme="0106", receiver_value="87654321")


def many(organization, count, prefix="K", **fields) -> list[Document]:
    return [received(organization, f"{prefix}-{i:03d}", **fields) for i in range(count)]


def statuses(documents) -> set[str]:
    return set(Document.objects.filter(pk__in=[d.pk for d in documents])
               .values_list("status", flat=True))


def hidden_fields(page: str) -> dict[str, list[str]]:
    """What the confirmation page's form posts, as a browser would send it."""
    form = re.findall(r"<form method=\"post\".*?</form>", page, re.S)[-1]
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form):
        fields.setdefault(name, []).append(html.unescape(value))
    return fields


def button(page: str, button_id: str) -> str:
    return re.search(rf'<button[^>]*id="{button_id}"[^>]*>', page).group(0)


def test_it_offers_all_documents_that_match_beside_those_chosen_on_the_page(
        client, cast, receiver):
    many(receiver, 30)
    many(receiver, 3, "M", party=MOLEN, name="Molenzicht")
    sign_in(client, cast.client_admin)
    url = f"/organizations/{receiver.pk}/inbox/?counterparty={KORENAAR}"

    page = text(client.get(url))

    assert "All 30 documents that match these filters:" in page
    mark_all = button(page, "mark-matching-downloaded")
    assert f'name="matching" value="{url}"' in mark_all and "disabled" not in mark_all
    set_all = button(page, "set-matching-status")
    assert 'formaction="/documents/status/"' in set_all and "disabled" not in set_all
    # The page's own selection, as before.
    assert "disabled" not in button(page, "mark-chosen-downloaded")
    assert "Choose received invoices in the first column." in page
    assert len(re.findall(r'id="choose-\d+"', page)) == 25


def test_it_keeps_the_bar_in_sight_when_this_page_has_nothing_to_choose(client, cast,
                                                                         receiver, sender):
    waiting = many(receiver, 10)
    many(receiver, 25, "R", status=Status.REJECTED)
    sign_in(client, cast.client_admin)
    url = f"/organizations/{receiver.pk}/inbox/"

    first = text(client.get(url))

    # Off, with the reason, rather than gone.
    for button_id in ("mark-chosen-downloaded", "set-chosen-status"):
        assert 'disabled aria-describedby="nothing-to-choose"' in button(first, button_id)
    assert "Nothing on this page can be chosen: the received invoices are on other pages of " \
           "this list." in first
    assert 'id="choose-' not in first
    assert "disabled" not in button(first, "mark-matching-downloaded")
    assert "All 35 documents that match these filters:" in first
    # On the next page, they are there to choose.
    older = re.search(r'href="\?before=(\d+)" rel="next"', first).group(1)
    second = text(client.get(f"{url}?before={older}"))
    assert "disabled" not in button(second, "mark-chosen-downloaded")
    assert all(f'id="choose-{d.pk}"' in second for d in waiting)

    # Nothing anywhere in the list: no bar. Nor in an outbox.
    assert "chosen-documents-form" not in text(client.get(url + "?status=rejected"))
    sign_in(client, cast.admin)
    received(sender, "OWN-1")
    assert "chosen-documents-form" not in text(client.get(f"/organizations/{sender.pk}/outbox/"))


def test_it_marks_all_that_match_after_saying_how_many_and_which_filters(
        client, post, cast, receiver):
    waiting = many(receiver, 30)
    fetched = many(receiver, 2, "D", status=Status.DOWNLOADED)
    others = many(receiver, 3, "M", party=MOLEN, name="Molenzicht")
    sign_in(client, cast.client_admin)
    back = f"/organizations/{receiver.pk}/inbox/?counterparty={KORENAAR}&before=999999"

    asked = text(post("/documents/mark-downloaded/", {"matching": back, "next": back}))

    assert "32 documents match these filters in the inbox of Bakery Client BV:" in asked
    assert f"Counterparty: <strong>{KORENAAR}</strong>" in asked
    assert "Mark these 30 invoices as downloaded" in asked
    assert "2 of the documents that match are left out" in asked
    assert statuses(waiting) == {Status.RECEIVED}

    confirmed = post("/documents/mark-downloaded/", hidden_fields(asked))

    assert confirmed.status_code == 302 and confirmed.url == back
    assert "30 invoices are marked as downloaded." in text(client.get(confirmed.url))
    assert statuses(waiting) == {Status.DOWNLOADED}
    assert statuses(others) == {Status.RECEIVED} and statuses(fetched) == {Status.DOWNLOADED}
    # Each through its own step, in its own history.
    assert all(d.events.filter(to_status=Status.DOWNLOADED, actor=cast.client_admin).count()
               == 1 for d in waiting)


def test_it_takes_what_matches_when_confirmed_and_counts_what_changed_meanwhile(
        client, post, cast, receiver):
    first, second, third = many(receiver, 3)
    sign_in(client, cast.client_admin)
    back = f"/organizations/{receiver.pk}/inbox/?status=received"
    asked = text(post("/documents/mark-downloaded/", {"matching": back, "next": back}))
    assert "Mark these 3 invoices as downloaded" in asked
    assert "Status: <strong>Received</strong>" in asked
    # Meanwhile the software fetches one, and another arrives.
    second.mark_downloaded(None, actor_label="software")
    arrived = received(receiver, "K-NEW")

    confirmed = post("/documents/mark-downloaded/", hidden_fields(asked))

    assert "3 invoices are marked as downloaded. 1 changed meanwhile and was left as it is." \
        in text(client.get(confirmed.url))
    assert statuses([first, third, arrived]) == {Status.DOWNLOADED}
    assert not second.events.filter(actor=cast.client_admin).exists()


def test_it_sets_the_processing_status_of_all_that_match_each_in_turn(client, post, cast,
                                                                      receiver):
    waiting = many(receiver, 28)
    paid = received(receiver, "P-1", status=Status.PAID)
    rejected = received(receiver, "R-1", status=Status.REJECTED)
    sign_in(client, cast.client_admin)
    back = f"/organizations/{receiver.pk}/inbox/"
    url = "/documents/status/"

    asked = text(post(url, {"matching": back, "next": back}))

    assert "30 documents match these filters in the inbox of Bakery Client BV:" in asked
    assert "No filter: every document of the list." in asked
    assert "Say how far your bookkeeping is with these 29 invoices" in asked
    assert "1 of the documents that match is left out" in asked
    # Confirmed without a status, it asks again, for all that match still.
    again = post(url, {**hidden_fields(asked), "status": ""})
    assert again.status_code == 400 and hidden_fields(text(again))["matching"] == [back]

    confirmed = post(url, {**hidden_fields(asked), "status": "approved"})

    said = text(client.get(confirmed.url))
    assert "28 invoices are now approved." in said
    assert "1 paid invoice keeps its status: change it on its own page." in said
    assert statuses(waiting) == {Status.APPROVED}
    assert statuses([paid]) == {Status.PAID} and statuses([rejected]) == {Status.REJECTED}
    assert all(d.events.filter(to_status=Status.APPROVED, actor=cast.client_admin).exists()
               for d in waiting)


@pytest.mark.parametrize("url", ["/documents/mark-downloaded/", "/documents/status/"])
def test_it_never_touches_another_organizations_documents_with_all_that_match(
        client, post, cast, sender, receiver, url):
    theirs = many(sender, 3)
    ours = many(receiver, 3)
    sign_in(client, cast.client_admin)
    extra = {"status": "approved"} if url.endswith("status/") else {}

    everything = post(url, {"matching": "/documents/inbox/", "next": "/documents/inbox/"})
    assert "3 documents match these filters in the inbox of every organization you may see" \
        in text(everything)
    post(url, {**hidden_fields(text(everything)), **extra})
    # Another environment's inbox is no list this user has.
    foreign = post(url, {"matching": f"/organizations/{sender.pk}/inbox/", "confirm": "yes",
                         "next": "/documents/inbox/", **extra})

    assert foreign.status_code == 404
    assert statuses(ours) == {extra.get("status", Status.DOWNLOADED)}
    assert statuses(theirs) == {Status.RECEIVED}
    assert not Document.objects.filter(organization=sender).exclude(
        status=Status.RECEIVED).exists()


def test_it_sets_no_status_on_all_that_match_for_a_member_who_may_only_mark_them(
        client, post, cast, sender):
    from onboarding.models import OrganizationMember

    waiting = many(sender, 2)
    OrganizationMember.objects.create(organization=sender, user=cast.basic)
    sign_in(client, cast.basic)
    back = f"/organizations/{sender.pk}/inbox/"
    page = text(client.get(back))
    assert 'id="mark-matching-downloaded"' in page and "set-matching-status" not in page

    response = post("/documents/status/", {"matching": back, "next": back, "confirm": "yes",
                                           "status": "paid"})

    assert "Nothing changed: none of the documents that match these filters is a received " \
           "invoice whose processing status you may set." in text(client.get(response.url))
    assert statuses(waiting) == {Status.RECEIVED}


def test_it_takes_at_most_the_limit_at_once(client, post, cast, receiver, monkeypatch):
    monkeypatch.setattr(lists, "AT_ONCE", 3)
    waiting = [*many(receiver, 3), received(receiver, "M-1", party=MOLEN)]
    sign_in(client, cast.client_admin)
    back = f"/organizations/{receiver.pk}/inbox/"

    page = text(client.get(back))
    assert 'disabled aria-describedby="matching-limit"' in button(page,
                                                                   "mark-matching-downloaded")
    assert "More than 3 match, and at most 3 are taken at once: narrow the filters." in page
    assert "All 3 documents that match" in text(client.get(back + f"?counterparty={KORENAAR}"))

    response = post("/documents/mark-downloaded/", {"matching": back, "next": back,
                                                    "confirm": "yes"})

    assert response.status_code == 302 and response.url == back
    assert "More than 3 documents match these filters, and at most 3 are taken at once: " \
           "narrow the filters." in text(client.get(back))
    assert statuses(waiting) == {Status.RECEIVED}


@pytest.mark.parametrize("matching", [
    "https://evil.example/documents/inbox/", "inbox", "/documents/1/", "/documents/status/",
    "/documents/inbox/?date_from=2026-02-30", "/documents/inbox/?status=nonsense"])
def test_it_takes_nothing_from_a_list_it_cannot_read(client, post, cast, receiver, matching):
    waiting = many(receiver, 2)
    sign_in(client, cast.client_admin)

    response = post("/documents/mark-downloaded/", {
        "matching": matching, "next": "/documents/inbox/", "confirm": "yes",
        "document": [d.pk for d in waiting]})

    assert response.status_code == 302 and response.url == "/documents/inbox/"
    assert "These filters are no longer valid: filter the list again." in text(
        client.get(response.url))
    assert statuses(waiting) == {Status.RECEIVED}


@pytest.mark.parametrize("path", ["/organizations/{org}/inbox/", "/documents/inbox/",
                                  "/documents/"])
def test_it_asks_the_database_as_often_for_the_inbox_whatever_it_holds(client, cast, receiver,
                                                                       path):
    url = path.format(org=receiver.pk)
    sign_in(client, cast.client_admin)
    many(receiver, 5)
    many(receiver, 25, "R", status=Status.REJECTED)

    def counts():
        first = client.get(url).content.decode()
        older = re.search(r'href="\?before=(\d+)" rel="next"', first).group(1)
        found = []
        # The first page holds nothing to choose; the next one does.
        for query in ("", f"?before={older}"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url + query).status_code == 200
            found.append(len(queries))
        return found

    few = counts()
    many(receiver, 80, "W")
    many(receiver, 25, "S", status=Status.REJECTED)
    assert counts() == few
