"""A document list downloaded as CSV: the rows the list's filters choose, in the reader's
language, with the separator and decimal sign of their spreadsheet, and nothing that runs as
a formula."""

import csv
import io
import re

import pytest
from django.utils import timezone

from invoices.models import Channel, Direction, Document, Status
from invoices.submission import submit
from invoices.views import export
from tests.conftest import sign_in
from tests.invoices.conftest import invoice, with_attachment

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(django_capture_on_commit_callbacks, cast, sender):
    """Send as the sender's administrator, routed as after a real request."""
    def send(data):
        with django_capture_on_commit_callbacks(execute=True):
            return submit(sender, data, Channel.PORTAL, cast.admin).document
    return send


def rows(response, delimiter=","):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:]), delimiter=delimiter))


def test_it_downloads_what_the_filters_choose(client, cast, sender, receiver, send):
    send(invoice("F-1"))
    send(with_attachment(invoice("F-2")))
    assert send(invoice("F-3", buyer_reference="")).status == Status.REFUSED
    sign_in(client, cast.admin)
    # A page's cursor: older than the newest document, whatever ids the database handed out.
    cursor = Document.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    page = client.get(f"/organizations/{sender.pk}/outbox/?status=delivered&before={cursor}")
    link = re.search(r'href="([^"]*)" id="export-csv"', page.content.decode()).group(1)
    assert "export=csv" in link and "status=delivered" in link and "before" not in link

    response = client.get(f"/organizations/{sender.pk}/outbox/" + link.replace("&amp;", "&"))

    header, *lines = rows(response)
    assert header[:6] == ["Created", "Direction", "Organization", "Type", "Number",
                          "Issue date"]
    assert [line[4] for line in lines] == ["F-2", "F-1"]
    first = dict(zip(header, lines[0], strict=True))
    assert (first["Direction"], first["Organization"], first["Type"]) == (
        "Outgoing", "Acme Trading BV", "Invoice")
    assert (first["Counterparty"], first["Sender"], first["Receiver"]) == (
        "Bakery Client BV", "0106:12345678", "0106:87654321")
    assert (first["Amount"], first["Currency"], first["Status"]) == ("242.00", "EUR",
                                                                     "Delivered")
    stored = Document.objects.outbox().get(number="F-2")
    assert first["Delivery ID"] == str(stored.delivery_id)
    assert [dict(zip(header, line, strict=True))["Attachments"] for line in lines] == ["1", "0"]
    assert first["Created"] == timezone.localtime(stored.created_at).strftime("%Y-%m-%d %H:%M")
    assert response["Content-Disposition"] == (
        f'attachment; filename="outbox-{sender.company_id}-{timezone.localdate()}.csv"')


def test_it_writes_dutch_with_semicolons_and_decimal_commas(client, cast, sender, receiver, send):
    send(invoice("F-1"))
    cast.admin.language = "nl"
    cast.admin.save()
    sign_in(client, cast.admin)

    header, line = rows(client.get("/documents/outbox/?export=csv"), delimiter=";")

    row = dict(zip(header, line, strict=True))
    assert (row["Richting"], row["Bedrag"], row["Status"]) == ("Uitgaand", "242,00",
                                                               "Afgeleverd")


def test_it_leaves_out_what_the_reader_may_not_see_and_runs_no_formula(
        client, cast, sender, receiver, send):
    send(invoice("F-1", supplier_name="=HYPERLINK(\"x\")"))
    sign_in(client, cast.client_admin)

    header, *lines = rows(client.get("/documents/?export=csv"))

    # The receiver sees its incoming copy only, not the sender's outgoing one.
    assert [dict(zip(header, line, strict=True))["Direction"] for line in lines] == [
        "Incoming"]
    assert dict(zip(header, lines[0], strict=True))["Counterparty"] == "'=HYPERLINK(\"x\")"


def test_it_stops_at_the_limit_newest_first(client, cast, sender, receiver, send,
                                            monkeypatch):
    for number in ("F-1", "F-2", "F-3"):
        send(invoice(number))
    monkeypatch.setattr(export, "LIMIT", 2)
    sign_in(client, cast.client_admin)

    _header, *lines = rows(client.get("/documents/inbox/?export=csv"))

    assert [line[4] for line in lines] == ["F-3", "F-2"]
    assert Document.objects.filter(direction=Direction.INCOMING).count() == 3
