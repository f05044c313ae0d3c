"""The outbox, inbox and all documents sorted by a column header (issue date, amount, "since"),
either way: page by page without a row repeated or left out, ties and documents without a
value included; the headers keep the filters; the CSV export follows the order."""

import csv
import hashlib
import html
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invoices.filters import DocumentFilter, DocumentOrdering
from invoices.models import Channel, Direction, Document, Status
from invoices.pagination import keyset_page
from tests.conftest import sign_in, text

pytestmark = pytest.mark.django_db

COLUMNS = {"issue_date": "issue_date", "amount": "payable_amount",
           "since": "status_changed_at"}
ORDERS = ["", *COLUMNS, *(f"-{param}" for param in COLUMNS)]
MOMENT = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.get_fixed_timezone(0))


def store(organization, direction=Direction.OUTGOING, *, number, issue_date=None, amount=None,
          since=MOMENT, status=Status.CREATED):
    content = f"<Invoice>{number}</Invoice>".encode()
    return Document.objects.create(
        organization=organization, direction=direction, status=status, channel=Channel.TEST,
        content=content, sha256=hashlib.sha256(content).hexdigest(), size=len(content),
        number=number, issue_date=issue_date, payable_amount=amount, currency="EUR",
        status_changed_at=since)


@pytest.fixture
def many(sender):
    """62 sent documents with few distinct values, so that ties cross every page boundary,
    and some without an issue date or an amount, which fill the end of the last pages: 16
    without an amount (across the boundary after the 50th row), 12 without an issue date
    (right after it)."""
    documents = []
    for i in range(62):
        documents.append(store(
            sender, number=f"F-{i:03d}",
            issue_date=None if i % 5 == 2 else date(2026, 11, 1) + timedelta(days=i % 3),
            amount=None if i % 4 == 1 else Decimal("100.00") * (i % 2) + Decimal("-5.50"),
            since=MOMENT + timedelta(minutes=i % 4)))
    return [Document.objects.get(pk=document.pk) for document in documents]


def expected(documents, ordering: str) -> list[int]:
    """The ids in the order the list gives: by id, newest first, unless sorted by a column;
    then by its value, ties by id the same way, documents without a value last either way."""
    descending = ordering.startswith("-") or not ordering
    rows = sorted(documents, key=lambda document: document.pk, reverse=descending)
    if not ordering:
        return [document.pk for document in rows]
    column = COLUMNS[ordering.lstrip("-")]
    valued = [document for document in rows if getattr(document, column) is not None]
    # A stable sort keeps the ties in their order by id, reversed or not.
    valued.sort(key=lambda document: getattr(document, column), reverse=descending)
    return [document.pk for document in valued] + [
        document.pk for document in rows if getattr(document, column) is None]


def listed(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/documents/(\d+)/"', page)]


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]*)" rel="{rel}"', page)
    return html.unescape(found.group(1)) if found else None


def header(page: str, column: str) -> str:
    return re.search(rf'<th[^>]*data-sort="{column}".*?</th>', page, re.S).group(0)


def header_link(page: str, column: str) -> str:
    return html.unescape(re.search(r'href="([^"]*)"', header(page, column)).group(1))


def walk(client, url: str, query: str) -> tuple[list[list[int]], list[list[int]]]:
    """The pages from the first, following "next" to the last, and back by "previous"."""
    pages, page = [], client.get(url + query).content.decode()
    pages.append(listed(page))
    while (after := link(page, "next")) is not None:
        page = client.get(url + after).content.decode()
        pages.append(listed(page))
        assert len(pages) < 10
    back = [listed(page)]
    while (before := link(page, "prev")) is not None:
        page = client.get(url + before).content.decode()
        back.append(listed(page))
        assert len(back) < 10
    return pages, back[::-1]


@pytest.mark.parametrize("ordering", ORDERS)
def test_it_lists_every_document_once_page_by_page_in_the_order_asked_for(
        client, cast, sender, many, ordering):
    sign_in(client, cast.admin)
    url = f"/organizations/{sender.pk}/outbox/"

    forth, back = walk(client, url, f"?ordering={ordering}" if ordering else "")

    assert [len(page) for page in forth] == [25, 25, 12]
    assert sum(forth, []) == expected(many, ordering)
    assert back == forth


@pytest.mark.parametrize("ordering", ORDERS)
def test_it_pages_a_list_too_long_to_count_the_same_way(sender, many, ordering):
    # Past the count limit the list is read through the indexes rather than sorted whole
    # (keyset_page's `selective`): the same rows, in the same order.
    documents = Document.objects.for_list().filter(organization=sender)
    factory = RequestFactory()
    query = {"ordering": ordering} if ordering else {}
    order = DocumentFilter(query, queryset=documents, sortable=True).order
    pages, page = [], keyset_page(factory.get("/", query), documents, count_limit=5,
                                  order=order)
    pages.append([document.pk for document in page.object_list])
    while page.has_next:
        page = keyset_page(factory.get("/", {**query, "before": page.next_cursor}),
                           documents, count_limit=5, order=order)
        pages.append([document.pk for document in page.object_list])
    back = [pages[-1]]
    while page.has_previous:
        page = keyset_page(factory.get("/", {**query, "after": page.previous_cursor}),
                           documents, count_limit=5, order=order)
        back.append([document.pk for document in page.object_list])

    assert page.count_capped
    assert sum(pages, []) == expected(many, ordering)
    assert back[::-1] == pages


def test_it_orders_by_value_then_by_id_and_puts_documents_without_one_last(
        client, cast, sender):
    first = store(sender, number="A", issue_date=date(2026, 3, 1), amount=Decimal("20.00"),
                  since=MOMENT)
    second = store(sender, number="B", amount=Decimal("-7.25"),
                   since=MOMENT + timedelta(hours=1))
    third = store(sender, number="C", issue_date=date(2026, 1, 1), amount=Decimal("20.00"),
                  since=MOMENT - timedelta(days=1))
    fourth = store(sender, number="D", issue_date=date(2026, 3, 1),
                   since=MOMENT + timedelta(microseconds=1))
    sign_in(client, cast.admin)

    def order(query):
        return listed(client.get(f"/organizations/{sender.pk}/outbox/?{query}")
                      .content.decode())

    assert order("") == [fourth.pk, third.pk, second.pk, first.pk]
    assert order("ordering=issue_date") == [third.pk, first.pk, fourth.pk, second.pk]
    assert order("ordering=-issue_date") == [fourth.pk, first.pk, third.pk, second.pk]
    assert order("ordering=amount") == [second.pk, first.pk, third.pk, fourth.pk]
    assert order("ordering=-amount") == [third.pk, first.pk, second.pk, fourth.pk]
    assert order("ordering=since") == [third.pk, first.pk, fourth.pk, second.pk]
    assert order("ordering=-since") == [second.pk, fourth.pk, first.pk, third.pk]


@pytest.mark.parametrize("path", ["/documents/", "/documents/inbox/",
                                  "/organizations/{org}/inbox/"])
def test_it_sorts_the_inbox_and_all_documents_too(client, cast, sender, path):
    older = store(sender, Direction.INCOMING, number="M-1", amount=Decimal("9.00"),
                  status=Status.RECEIVED)
    newer = store(sender, Direction.INCOMING, number="M-2", amount=Decimal("3.00"),
                  status=Status.RECEIVED)
    sign_in(client, cast.admin)
    url = path.format(org=sender.pk)

    assert listed(client.get(url).content.decode()) == [newer.pk, older.pk]
    assert listed(client.get(url + "?ordering=-amount").content.decode()) == [older.pk,
                                                                             newer.pk]


def test_it_pages_sorted_lists_with_first_previous_and_next(client, cast, sender, many):
    sign_in(client, cast.admin)
    url = f"/organizations/{sender.pk}/outbox/"

    first = client.get(url + "?status=created&ordering=-amount").content.decode()
    after = link(first, "next")
    assert after.startswith("?status=created&ordering=-amount&before=")
    second = text(client.get(url + after))
    assert 'rel="next">Next</a>' in second and 'rel="prev">Previous</a>' in second
    assert ">First page</a>" in second and ">Older</a>" not in second
    # The list newest first keeps its words.
    newest = text(client.get(url + f"?before={many[30].pk}"))
    assert 'rel="next">Older</a>' in newest and 'rel="prev">Newer</a>' in newest


def test_it_makes_the_sortable_headers_links_that_keep_the_filters(client, cast, sender,
                                                                  many):
    sign_in(client, cast.admin)
    url = f"/organizations/{sender.pk}/outbox/"

    page = client.get(url + "?status=created&number=F").content.decode()
    for column in COLUMNS:
        assert "aria-sort" not in header(page, column)
        assert header_link(page, column) == f"?status=created&number=F&ordering={column}"
    assert "sort by Amount ascending" in header(page, "amount")
    assert 'data-sort="status"' not in page and "<th>Status</th>" in page

    # Sorted one way, the header says so, and leads the other way, from the first page.
    cursor = link(client.get(url + "?status=created&number=F&ordering=amount")
                  .content.decode(), "next")
    page = client.get(url + cursor).content.decode()
    amount = header(page, "amount")
    assert 'aria-sort="ascending"' in amount and "▲" in amount
    assert "sorted ascending; sort Amount descending" in amount
    assert header_link(page, "amount") == "?status=created&number=F&ordering=-amount"
    assert header_link(page, "issue_date") == "?status=created&number=F&ordering=issue_date"
    assert "aria-sort" not in header(page, "since")
    # The filter form keeps the order when the filters change.
    assert '<input type="hidden" name="ordering" value="amount"' in page

    # Then the other way; its link goes back to newest first.
    page = client.get(url + "?status=created&number=F&ordering=-amount").content.decode()
    amount = header(page, "amount")
    assert 'aria-sort="descending"' in amount and "▼" in amount
    assert "sorted descending; show the newest first" in amount
    assert header_link(page, "amount") == "?status=created&number=F"
    assert html.unescape(re.search(r'href="([^"]*)" id="newest-first"', page).group(1)) \
        == "?status=created&number=F"
    # Sorting filters nothing.
    assert "Clear filters" not in text(client.get(url + "?ordering=-amount"))


@pytest.mark.parametrize("path", ["/documents/", "/organizations/{org}/outbox/"])
def test_it_says_so_when_it_does_not_know_an_order(client, cast, sender, many, path):
    sign_in(client, cast.admin)
    url = path.format(org=sender.pk)

    for query in ("?ordering=colour", "?ordering=Amount&export=csv",
                  "?ordering=number&export=csv"):
        response = client.get(url + query)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        page = text(response)
        assert "Sort order: Select a valid choice." in page
        assert 'id="documents-filter-invalid"' in page and listed(page) == []


@pytest.mark.parametrize("cursor", ["abc", "2026-13-01~5", "NaN~5", "1e999~5", "~0",
                                    "5", "~", "9" * 40, "2026-11-30T09:00:00~5"])
def test_it_shows_the_first_page_for_a_cursor_it_cannot_read(client, cast, sender, many,
                                                             cursor):
    sign_in(client, cast.admin)
    url = f"/organizations/{sender.pk}/outbox/?ordering=-since&before={cursor}"

    response = client.get(url)

    assert response.status_code == 200
    assert listed(response.content.decode()) == expected(many, "-since")[:25]


def exported(client, url: str, page: str) -> list[str]:
    target = html.unescape(re.search(r'href="([^"]*)" id="export-csv"', page).group(1))
    response = client.get(url + target)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    header_row, *lines = csv.reader(io.StringIO(content))
    return [line[header_row.index("Number")] for line in lines]


@pytest.mark.parametrize("ordering", ORDERS)
def test_it_exports_the_documents_in_the_order_the_list_shows(client, cast, sender, many,
                                                              ordering):
    sign_in(client, cast.admin)
    url = f"/organizations/{sender.pk}/outbox/"
    by_id = {document.pk: document.number for document in many}
    first = client.get(url + (f"?ordering={ordering}" if ordering else "")).content.decode()
    # From a later page too: the export starts at the list's first row.
    later = client.get(url + link(first, "next")).content.decode()

    assert exported(client, url, later) == [by_id[pk] for pk in expected(many, ordering)]


def test_it_says_an_export_of_a_sorted_list_holds_its_first_rows(client, cast, sender,
                                                                 settings, monkeypatch):
    from invoices.views import export

    monkeypatch.setattr(export, "LIMIT", 1)
    store(sender, number="F-1")
    store(sender, number="F-2")
    sign_in(client, cast.admin)
    url = f"/organizations/{sender.pk}/outbox/"

    assert "(at most the newest 1)" in text(client.get(url))
    assert "(at most the first 1 in this order)" in text(client.get(url + "?ordering=amount"))


@pytest.mark.parametrize("ordering", ORDERS)
def test_it_asks_the_database_as_often_for_any_page_whatever_the_list_holds(
        client, cast, sender, ordering):
    sign_in(client, cast.admin)
    url = f"/organizations/{sender.pk}/outbox/?ordering={ordering}"
    mark = store(sender, number="F-0", issue_date=date(2026, 1, 1), amount=Decimal("1.00"))
    cursor = DocumentOrdering.order_of([ordering]).cursor_of(mark)

    def counts():
        found = []
        for page in ("", f"&before={cursor}", f"&after={cursor}"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url + page).status_code == 200
            found.append(len(queries))
        return found

    few = counts()
    for i in range(60):
        store(sender, number=f"F-{i + 1}",
              issue_date=None if i % 3 == 0 else date(2025, 12, 1) + timedelta(days=i),
              amount=None if i % 4 == 0 else Decimal(i) / 2, since=MOMENT - timedelta(days=i))
    assert counts() == few


def test_it_reads_a_sorted_page_through_an_index_on_postgresql(sender, many):
    if connection.vendor != "postgresql":
        pytest.skip("The plan is PostgreSQL's.")
    documents = Document.objects.for_list().filter(organization=sender,
                                                   direction=Direction.OUTGOING)
    factory = RequestFactory()
    for ordering in ORDERS[1:]:
        for cursor in ("", "before", "after"):
            query = {"ordering": ordering}
            if cursor:
                start = DocumentFilter(query, queryset=documents, sortable=True)
                middle = keyset_page(factory.get("/", query), start.qs, count_limit=5,
                                     order=start.order)
                query[cursor] = middle.next_cursor
            request = factory.get("/", query)
            found = DocumentFilter(request.GET, queryset=documents, sortable=True)
            with CaptureQueriesContext(connection) as queries:
                # More rows than the count limit: the list is read as a big one is.
                keyset_page(request, found.qs, count_limit=5, order=found.order)
            for query_sql in [q["sql"] for q in queries.captured_queries][1:]:
                with transaction.atomic(), connection.cursor() as db:
                    # Where no index gives the order, PostgreSQL must sort all the same.
                    db.execute("SET LOCAL enable_seqscan = off")
                    db.execute("SET LOCAL enable_sort = off")
                    db.execute("EXPLAIN " + query_sql)
                    plan = "\n".join(row[0] for row in db.fetchall())
                assert "Sort" not in plan and "doc_org_dir_" in plan, (ordering, cursor, plan)
