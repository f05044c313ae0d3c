"""The outbox, inbox and all documents found by what a user has at hand: the counterparty's
identifier as the outbox shows it ("0106:81234567", or the value alone), the id the sending
software gave (X-Client-Document-Id), and the start of a Delivery ID as a document's title
quotes it; each read from an index on PostgreSQL."""

import hashlib
import re
import uuid

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from invoices.filters import DocumentFilter
from invoices.models import Channel, Direction, Document, Status
from invoices.pagination import keyset_page
from tests.conftest import sign_in, text
from tests.invoices.conftest import RECEIVER_KVK, SENDER_KVK

pytestmark = pytest.mark.django_db

DELIVERY_ID = uuid.UUID("3f2a9c1b-4d5e-4f60-8a7b-9c0d1e2f3a4b")


def stored(organization, direction=Direction.OUTGOING, *, number, counterparty="",
           scheme="0106", party="", own="00000000", **fields):
    """A document of `organization` (at Endpoint-ID 0106:`own`) with `counterparty` (its
    name) at Endpoint-ID scheme:party: the receiver of a sent one, the sender of a received
    one."""
    outgoing = direction == Direction.OUTGOING
    content = f"<Invoice>{number}</Invoice>".encode()
    return Document.objects.create(
        organization=organization, direction=direction, channel=Channel.TEST,
        status=Status.DELIVERED if outgoing else Status.RECEIVED, content=content,
        sha256=hashlib.sha256(content).hexdigest(), size=len(content), number=number,
        counterparty_name=counterparty,
        sender_scheme="0106" if outgoing else scheme, sender_value=own if outgoing else party,
        receiver_scheme=scheme if outgoing else "0106",
        receiver_value=party if outgoing else own, **fields)


def listed(client, url) -> list[str]:
    """The numbers a list shows, in its order."""
    return re.findall(r'<td class="document-number"><a href="/documents/\d+/"[^>]*>([^<]+)</a>',
                      text(client.get(url)))


@pytest.fixture
def outbox(sender):
    stored(sender, number="K-1", counterparty="Lunchroom De Korenaar", party="87654321")
    stored(sender, number="K-2", counterparty="Lunchroom De Korenaar", party="87654321")
    stored(sender, number="M-1", counterparty="Molenzicht", party="81234567")
    stored(sender, number="V-1", counterparty="Vat Only BV", scheme="9944",
           party="NL004495445B01")
    return f"/organizations/{sender.pk}/outbox/"


def test_it_filters_by_the_counterpartys_identifier_whole_or_its_value_alone(
        client, cast, sender, outbox):
    sign_in(client, cast.admin)
    # What the outbox shows under the customer's name is what the filter takes.
    assert "<code>0106:87654321</code>" in text(client.get(outbox))

    assert listed(client, outbox + "?counterparty=87654321") == ["K-2", "K-1"]
    assert listed(client, outbox + "?counterparty=0106:87654321") == ["K-2", "K-1"]
    assert listed(client, outbox + "?counterparty=+0106:+81234567+") == ["M-1"]
    # Letters in any case, as identifiers are compared.
    assert listed(client, outbox + "?counterparty=nl004495445b01") == ["V-1"]
    assert listed(client, outbox + "?counterparty=9944:NL004495445B01") == ["V-1"]
    # The scheme must be the counterparty's; the value whole.
    assert listed(client, outbox + "?counterparty=0088:87654321") == []
    assert listed(client, outbox + "?counterparty=8765432") == []
    # The name still finds, by part.
    assert listed(client, outbox + "?counterparty=korenaar") == ["K-2", "K-1"]


def test_it_filters_a_received_document_by_its_suppliers_identifier_not_its_own(
        client, cast, sender, receiver):
    stored(receiver, Direction.INCOMING, number="IN-1", counterparty="Acme Trading BV",
           party=SENDER_KVK, own=RECEIVER_KVK)
    stored(receiver, Direction.INCOMING, number="IN-2", counterparty="Other Supplier BV",
           party="55556666", own=RECEIVER_KVK)
    # The sender's copy, which the receiver does not see.
    stored(sender, number="OUT-1", counterparty="Bakery Client BV", party=RECEIVER_KVK,
           own=SENDER_KVK)
    sign_in(client, cast.client_admin)
    inbox = f"/organizations/{receiver.pk}/inbox/"

    assert listed(client, inbox + f"?counterparty={SENDER_KVK}") == ["IN-1"]
    assert listed(client, inbox + f"?counterparty=0106:{SENDER_KVK}") == ["IN-1"]
    assert listed(client, inbox + "?q=55556666") == ["IN-2"]
    # The receiving organization's own identifier is in every received document: it is
    # no counterparty.
    assert listed(client, inbox + f"?counterparty={RECEIVER_KVK}") == []
    # Across organizations: only the documents the user may see.
    assert listed(client, f"/documents/?counterparty={SENDER_KVK}") == ["IN-1"]
    assert listed(client, f"/documents/?counterparty={RECEIVER_KVK}") == []


def test_it_finds_the_counterpartys_identifier_with_the_search_too(client, cast, sender,
                                                                  outbox):
    sign_in(client, cast.admin)
    assert listed(client, outbox + "?q=87654321") == ["K-2", "K-1"]
    assert listed(client, outbox + "?q=0106:81234567") == ["M-1"]
    assert listed(client, "/documents/?q=NL004495445b01") == ["V-1"]
    # Text still finds as ever.
    assert listed(client, outbox + "?q=molen") == ["M-1"]


def test_it_finds_a_document_by_the_id_its_sending_software_gave(client, cast, sender,
                                                                 receiver):
    stored(sender, number="F-160", client_document_id="walk-0160")
    stored(sender, number="F-161", client_document_id="walk-01601")
    # Another organization's software may use the same id: the user does not see that one.
    stored(receiver, number="THEIRS", client_document_id="walk-0160")
    sign_in(client, cast.admin)

    assert listed(client, f"/organizations/{sender.pk}/outbox/?q=walk-0160") == ["F-160"]
    assert listed(client, "/documents/?q=+walk-0160+") == ["F-160"]
    # The whole id: part of it is no id.
    assert listed(client, "/documents/?q=walk-016") == []


def test_it_finds_a_document_by_the_start_of_its_delivery_id(client, cast, sender, receiver):
    stored(sender, number="F-1", delivery_id=DELIVERY_ID)
    stored(sender, number="F-2", delivery_id=uuid.UUID("3f2a9c1c-0000-4000-8000-000000000000"))
    stored(receiver, number="THEIRS", delivery_id=uuid.UUID(
        "3f2a9c1b-0000-4000-8000-000000000000"))
    sign_in(client, cast.admin)
    url = f"/organizations/{sender.pk}/outbox/"
    page = text(client.get(f"/documents/{Document.objects.get(number='F-1').pk}/"))
    assert str(DELIVERY_ID) in page

    assert listed(client, url + "?q=3f2a9c1b") == ["F-1"]
    assert listed(client, url + "?q=3F2A9C1B-4D") == ["F-1"]
    assert listed(client, url + "?q=3f2a9c1b4d5e") == ["F-1"]
    assert listed(client, url + f"?q={DELIVERY_ID}") == ["F-1"]
    assert listed(client, "/documents/?q=3f2a9c1") == []
    assert listed(client, "/documents/?q=3f2a9c1b") == ["F-1"]
    # Fewer than 8 characters find nothing by Delivery ID; what is no hex neither.
    assert listed(client, url + "?q=3f2a9c1") == []
    assert listed(client, url + "?q=3f2a9c1g") == []


# Each search of a box, and the indexes that must answer it (any one of each group): the
# counterparty's identifier (the supplier's in an inbox), the client document id, the
# Delivery ID, the number's trigrams.
IDENTIFIER = ("doc_customer_id",)
CLIENT_ID = ("doc_client_document_id", "client_document_id_once_per_organization")
DELIVERY = ("doc_delivery_id", "delivery_id_once_per_direction")
SEARCHES = {
    "?counterparty=20000042": [IDENTIFIER],
    "?counterparty=0106:20000042": [IDENTIFIER],
    "?q=20000042": [IDENTIFIER, CLIENT_ID, DELIVERY, ("doc_number_trgm",)],
    "?q=walk-00160": [CLIENT_ID, IDENTIFIER, ("doc_number_trgm",)],
    "?q=3f2a9c1b": [DELIVERY, CLIENT_ID],
}


@pytest.mark.parametrize("direction", [Direction.OUTGOING, Direction.INCOMING, None])
def test_it_reads_a_search_from_indexes_on_postgresql(cast, sender, direction):
    if connection.vendor != "postgresql":
        pytest.skip("The plan is PostgreSQL's.")
    # Enough for the planner to weigh reading the box against the few rows each index
    # finds, as it does with a real box's many.
    outgoing = (direction or Direction.OUTGOING) == Direction.OUTGOING
    party, own = ("receiver_value", "sender_value") if outgoing else \
        ("sender_value", "receiver_value")
    content = b"<Invoice/>"
    Document.objects.bulk_create((Document(
        organization=sender, direction=direction or Direction.OUTGOING, channel=Channel.TEST,
        status=Status.DELIVERED, content=content, sha256="0" * 64, size=len(content),
        number=f"F-{i:05d}", counterparty_name=f"Customer {i % 500:03d} BV",
        sender_scheme="0106", receiver_scheme="0106",
        **{party: f"{20000000 + i % 500}", own: SENDER_KVK},
        client_document_id=f"walk-{i:05d}", delivery_id=uuid.uuid4()) for i in range(5000)),
        batch_size=1000)
    with connection.cursor() as db:
        # What VACUUM would do, which runs outside a test's transaction only: new rows of a
        # trigram index wait in its pending list, which the planner counts against it.
        for index in ("number", "counterparty_name", "buyer_reference"):
            db.execute(f"SELECT gin_clean_pending_list('doc_{index}_trgm'::regclass)")
        db.execute("ANALYZE invoices_document")
    documents = Document.objects.for_list().filter(organization=sender)
    if direction:
        documents = documents.filter(direction=direction)
    factory = RequestFactory()
    for query, indexes in SEARCHES.items():
        request = factory.get("/" + query)
        found = DocumentFilter(request.GET, queryset=documents, direction=direction,
                               sortable=True)
        with CaptureQueriesContext(connection) as queries:
            keyset_page(request, found.qs, selective=found.searches, order=found.order)
        for sql in [q["sql"] for q in queries.captured_queries]:
            with transaction.atomic(), connection.cursor() as db:
                # As with many rows, where reading an organization's whole box, in the table
                # or by an index, costs more than the few rows each index finds.
                db.execute("SET LOCAL enable_seqscan = off")
                db.execute("SET LOCAL enable_indexscan = off")
                db.execute("EXPLAIN " + sql)
                plan = "\n".join(row[0] for row in db.fetchall())
            scanned = set(re.findall(r"Bitmap Index Scan on (\w+)", plan))
            for names in indexes:
                if direction == Direction.INCOMING:
                    names = tuple(name.replace("customer", "supplier") for name in names)
                assert scanned & set(names), (query, plan)
            assert not {name for name in scanned
                        if name.startswith(("doc_org_", "invoices_document_"))}, (query, plan)
