"""Supporting documents inside a UBL invoice (the PDF of the invoice, a timesheet): listed on
the document's page and downloaded as files, by those who may see the document."""

import re

import pytest

from invoices.models import Direction, Document, Status
from invoices.submission import submit
from tests.conftest import sign_in, text
from tests.invoices.conftest import PDF, invoice, received_over_peppol, with_attachment

pytestmark = pytest.mark.django_db


def test_it_lists_the_supporting_documents_and_downloads_the_embedded_one(
        cast, client, sender, receiver, django_capture_on_commit_callbacks):
    data = with_attachment(with_attachment(invoice("F-60")), uri="https://example.com/hours",
                           reference="ATT-2", description="Timesheet")
    with django_capture_on_commit_callbacks(execute=True):
        sent = submit(sender, data, "portal", cast.admin).document
    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED
    received = Document.objects.get(direction=Direction.INCOMING)
    sign_in(client, cast.client_admin)

    page = text(client.get(f"/documents/{received.pk}/"))

    url = f"/documents/{received.pk}/attachments/1/"
    assert re.search(rf'<a href="{url}" id="attachment-1" download>invoice.pdf</a> · The '
                     r"invoice as PDF", page)
    assert "(application/pdf, 39\xa0bytes)" in page
    # One named by its web address is shown, never fetched or linked.
    assert re.search(r"ATT-2 · Timesheet\s*<div class=\"small text-muted\">Named by its web "
                     r"address, which the platform does not open: <code>https://example.com/"
                     r"hours</code>", page)
    assert 'id="attachment-2"' not in page and "/attachments/2/" not in page
    response = client.get(url)
    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/documents/{received.pk}/attachments/2/").status_code == 404
    assert client.get(f"/documents/{received.pk}/attachments/3/").status_code == 404
    # The sender opens its own copy's attachment too; the receiver cannot open the sender's.
    assert client.get(f"/documents/{sent.pk}/attachments/1/").status_code == 404
    sign_in(client, cast.admin)
    assert client.get(f"/documents/{sent.pk}/attachments/1/").content == PDF


def test_it_never_lets_a_sender_choose_how_the_browser_treats_the_file(cast, client, sender):
    data = with_attachment(invoice("F-61"), b"<script>alert(1)</script>",
                           mime_code="text/html", filename="../../evil page.html")
    received = received_over_peppol(sender, "F-61")
    Document.objects.filter(pk=received.pk).update(content=data, size=len(data))
    sign_in(client, cast.admin)

    response = client.get(f"/documents/{received.pk}/attachments/1/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename=".._.._evil_page.html"'
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("filename, mime_code, expected", [
    ("", "application/pdf", 'filename="F-62-1.pdf"'),
    ("", "image/png", 'filename="F-62-1.png"'),
    ("", "application/x-unknown", 'filename="F-62-1"'),
    # A name in other letters reaches the browser whole, as RFC 6266 writes it.
    ("factuur-één.pdf", "application/pdf", "filename*=utf-8''factuur-%C3%A9%C3%A9n.pdf"),
])
def test_it_names_the_file_after_the_document_or_as_the_sender_wrote_it(
        cast, client, sender, filename, mime_code, expected):
    data = with_attachment(invoice("F-62"), filename=filename, mime_code=mime_code)
    received = received_over_peppol(sender, "F-62")
    Document.objects.filter(pk=received.pk).update(content=data, size=len(data))
    sign_in(client, cast.admin)

    response = client.get(f"/documents/{received.pk}/attachments/1/")

    assert response["Content-Disposition"] == f"attachment; {expected}"


def test_it_offers_no_file_for_broken_base64_nor_for_a_held_duplicate(cast, client, sender):
    broken = with_attachment(invoice("F-63"), encoded="not base64 at all!")
    received = received_over_peppol(sender, "F-63")
    Document.objects.filter(pk=received.pk).update(content=broken, size=len(broken))
    held = received_over_peppol(sender, "F-64", status=Status.DUPLICATE)
    data = with_attachment(invoice("F-64"))
    Document.objects.filter(pk=held.pk).update(content=data, size=len(data))
    sign_in(client, cast.admin)

    assert client.get(f"/documents/{received.pk}/attachments/1/").status_code == 404
    # A duplicate held back lists its attachment but offers no file until it is released.
    page = text(client.get(f"/documents/{held.pk}/"))
    assert "invoice.pdf" in page and 'id="attachment-1"' not in page
    assert client.get(f"/documents/{held.pk}/attachments/1/").status_code == 404


def test_it_marks_in_the_lists_the_documents_that_carry_attachments(
        cast, client, sender, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(sender, with_attachment(with_attachment(invoice("F-62")), reference="ATT-2",
                                       uri="https://example.com/hours"), "portal", cast.admin)
        submit(sender, invoice("F-63"), "portal", cast.admin)
    assert sorted(Document.objects.values_list("number", "direction", "attachment_count")) == [
        ("F-62", "incoming", 2), ("F-62", "outgoing", 2),
        ("F-63", "incoming", 0), ("F-63", "outgoing", 0)]

    sign_in(client, cast.client_admin)
    rows = re.findall(r"<tr>.*?</tr>", text(client.get(f"/organizations/{receiver.pk}/inbox/")),
                      re.S)
    marked = next(row for row in rows if ">F-62<" in row)
    assert 'title="2 attachments"' in marked
    assert '<span class="visually-hidden">2 attachments</span>' in marked
    assert "attachment-mark" not in next(row for row in rows if ">F-63<" in row)
    sign_in(client, cast.admin)
    outbox = text(client.get(f"/organizations/{sender.pk}/outbox/"))
    assert 'title="2 attachments"' in outbox
    client.cookies.load({"django_language": "nl"})
    assert 'title="2 bijlagen"' in text(client.get(f"/organizations/{sender.pk}/outbox/"))


def test_it_counts_the_attachments_of_documents_stored_before_they_were_counted(sender):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("invoices.migrations.0009_document_attachment_count")
    attached = received_over_peppol(sender, "F-64")
    data = with_attachment(invoice("F-64"))
    Document.objects.filter(pk=attached.pk).update(content=data, size=len(data))
    plain = received_over_peppol(sender, "F-65")
    broken = received_over_peppol(sender, "F-66")
    Document.objects.filter(pk=broken.pk).update(content=b"<Invoice><Attachment>")
    Document.objects.update(attachment_count=0)

    migration.count_attachments(apps, None)

    assert dict(Document.objects.values_list("pk", "attachment_count")) == {
        attached.pk: 1, plain.pk: 0, broken.pk: 0}
