"""The outbox and inbox, and the dashboard that counts what waits in them, with a million
documents on PostgreSQL: the same number of queries per page as with a handful, and the
server time as a ratio against a minimal Django view. Then a list's CSV download at its
limit: how fast it streams, and that its memory stays flat.

`OUTBOX_BENCH_DOCUMENTS` lowers the number of documents for a quicker run."""

import os
import time
import tracemalloc
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from invoices.models import Direction, Document, Status
from invoices.views import export
from onboarding.models import Organization, Subscription
from tests.bench.conftest import query_count, report, server_time
from tests.conftest import sign_in

pytestmark = [pytest.mark.bench, pytest.mark.urls("tests.bench.urls")]

DOCUMENTS = int(os.environ.get("OUTBOX_BENCH_DOCUMENTS", "1000000"))
# The most memory a CSV download of a list may hold at once.
EXPORT_MEMORY = 32e6
# Lists never read the UBL itself, so a short stand-in keeps the table a realistic width
# without gigabytes of XML.
CONTENT = b"<Invoice/>"
OUTGOING = (Status.DELIVERED, Status.DELIVERED, Status.DELIVERED, Status.QUEUED,
            Status.REFUSED)
INCOMING = (Status.RECEIVED, Status.DOWNLOADED, Status.DOWNLOADED, Status.DUPLICATE)
COLUMNS = ("organization_id", "direction", "document_type", "status", "status_reason",
           "channel", "content", "sha256", "size", "filename", "sender_scheme", "sender_value",
           "receiver_scheme", "receiver_value", "supplier_id", "counterparty_name", "number",
           "issue_date", "currency", "payable_amount", "buyer_reference", "validation", "rules",
           "rules_release", "created_at", "status_changed_at", "keep_until",
           "client_document_id")


def rows(organizations, count):
    start = timezone.now() - timedelta(days=365)
    for i in range(count):
        org = organizations[i % len(organizations)]
        outgoing = i % 5 != 0
        status = OUTGOING[i % len(OUTGOING)] if outgoing else INCOMING[i % len(INCOMING)]
        at = start + timedelta(seconds=i * 30)
        customer = f"{20_000_000 + i % 5000}"
        yield (org, Direction.OUTGOING if outgoing else Direction.INCOMING, "invoice", status,
               "", "connection_key", CONTENT, "0" * 64, len(CONTENT), "", "0106", "12345678",
               "0106", customer, "0106:12345678", f"Customer {i % 5000:04d} BV", f"F{i:08d}",
               date(2026, 1, 1) + timedelta(days=i % 330), "EUR", f"{100 + i % 900}.50",
               f"PO-{i % 777}", '{"valid": true, "messages": []}', "Peppol BIS Billing 3.0",
               "3.0.21", at, at, None if outgoing else at + timedelta(days=90), "")


def copy_documents(organizations, count):
    table = Document._meta.db_table
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows(organizations, count):
                copy.write_row(row)
        cursor.execute(f"VACUUM ANALYZE {table}")


@pytest.mark.django_db(transaction=True)
def test_bench_outbox_with_a_million_documents(client, cast):
    if connection.vendor != "postgresql":
        pytest.skip("The outbox benchmark loads its documents with PostgreSQL's COPY.")
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    orgs = [Organization.create(environment=cast.company, by=cast.admin, name=f"Bench {n} BV",
                                registry_number=f"1234567{n}", registry_checked=True)
            for n in range(3)]
    other = Organization.create(environment=cast.other, by=cast.outsider, name="Elsewhere BV",
                                registry_number="99990000", registry_checked=True)
    org = orgs[0]
    sign_in(client, cast.admin)
    pages = {
        "outbox of one organization": f"/organizations/{org.pk}/outbox/",
        "inbox of one organization": f"/organizations/{org.pk}/inbox/",
        "outbox, queued only": f"/organizations/{org.pk}/outbox/?status=queued",
        "outbox of all organizations": "/documents/outbox/",
        "all documents, by number": "/documents/?number=F0000",
        "outbox search": f"/organizations/{org.pk}/outbox/?q=Customer+0042",
        "dashboard, counting the invoices to look at": "/",
    }
    copy_documents([o.pk for o in orgs], 60)
    for url in pages.values():
        # A first visit may write what later ones only read (the session, for one).
        client.get(url)
    small = {label: query_count(client, url) for label, url in pages.items()}

    start = time.perf_counter()
    copy_documents([o.pk for o in orgs] + [other.pk], DOCUMENTS)
    print(f"\n{DOCUMENTS:,} documents loaded by COPY in {time.perf_counter() - start:.1f} s")
    middle = Document.objects.filter(organization=org, direction=Direction.OUTGOING) \
        .order_by("-pk").values_list("pk", flat=True)[DOCUMENTS // 10]
    pages["outbox of one organization, deep page"] = \
        f"/organizations/{org.pk}/outbox/?before={middle}"
    small["outbox of one organization, deep page"] = small["outbox of one organization"]

    baseline = server_time(client, "/bench/minimal/")
    for label, url in pages.items():
        queries = query_count(client, url)
        report(f"{label} ({DOCUMENTS:,} documents)", server_time(client, url, rounds=15),
               baseline, queries)
        assert queries == small[label], f"{label}: queries grew from {small[label]} to {queries}"

    # A list's CSV download streams: however many rows, it holds only a chunk at once.
    tracemalloc.start()
    start = time.perf_counter()
    response = client.get("/documents/outbox/?export=csv")
    written = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - start
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"CSV download of the outbox of all organizations: {export.LIMIT:,} rows at most, "
          f"{written / 1e6:.1f} MB in {seconds:.1f} s; at most {peak / 1e6:.1f} MB of memory "
          f"at once (target: under {EXPORT_MEMORY / 1e6:.0f} MB)")
    assert peak < EXPORT_MEMORY
