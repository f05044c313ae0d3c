"""Outbox, inbox, the document page, download, upload, the test invoice and "mark as
original", as users see them."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone

from customers.models import CustomerCard
from invoices.models import Channel, Direction, Document, Status
from onboarding.models import Partnership
from portal.tenancy import SESSION_KEY
from tests.conftest import sign_in, text, tied_error
from tests.invoices.conftest import invoice, make_receiver, received_over_peppol

pytestmark = pytest.mark.django_db


def upload(post, org, data, name="invoice.xml"):
    return post(f"/organizations/{org.pk}/documents/upload/",
                {"file": SimpleUploadedFile(name, data, content_type="text/xml")})


def test_it_explains_how_documents_get_into_an_empty_outbox_and_inbox(client, cast, sender):
    sign_in(client, cast.admin)
    outbox = client.get(f"/organizations/{sender.pk}/outbox/").content.decode()
    assert 'id="documents-empty"' in outbox
    assert "connection key" in outbox and "Send a test invoice" in outbox
    inbox = client.get(f"/organizations/{sender.pk}/inbox/").content.decode()
    assert "receiving is switched on" in inbox


def test_it_uploads_a_file_and_shows_where_it_went(client, post, cast, sender, receiver):
    sign_in(client, cast.admin)
    response = upload(post, sender, invoice("F-10"))
    document = Document.objects.get(direction=Direction.OUTGOING)
    assert response.status_code == 302 and response.url == f"/documents/{document.pk}/"
    page = client.get(response.url).content.decode()
    assert "Delivered" in page and "Bakery Client BV" in page
    assert str(document.delivery_id) in page
    assert "Passes the rules" in page
    outbox = client.get(f"/organizations/{sender.pk}/outbox/").content.decode()
    assert "F-10" in outbox and "Delivered" in outbox


def test_it_names_the_connection_key_that_sent_a_document(client, post, cast, sender,
                                                         receiver):
    from onboarding.models import ConnectionKey, Software, Subscription
    from tests.integrations.helpers import send_by_api, subscribe

    subscribe(sender.environment, Subscription.BASIC)
    issued = ConnectionKey.issue(organization=sender, software=Software.AFAS, by=cast.admin,
                                 label="AFAS production")
    document = send_by_api(issued, invoice("F-12"))
    sign_in(client, cast.admin)
    facts = re.search(r'id="sent-with">(.*?)</dd>', client.get(document.get_absolute_url())
                      .content.decode()).group(1)
    assert "Connection key AFAS production" in facts and issued.key.app_key in facts
    issued.key.revoke(cast.admin)
    assert "(revoked)" in client.get(document.get_absolute_url()).content.decode()
    uploaded = upload(post, sender, invoice("F-13"))
    assert 'id="sent-with"' not in client.get(uploaded.url).content.decode()


def test_it_names_the_entra_id_account_that_sent_a_document_through_the_broker(
        client, cast, sender):
    from invoices.models import Channel
    from invoices.submission import accept
    from onboarding.models import EntraIdentity

    identity = EntraIdentity.objects.create(user=cast.admin, tenant_id="t", object_id="o",
                                            username="anna@acme.nl")
    document = accept(sender, invoice("F-14"), Channel.SERVICE_BROKER,
                      entra_identity_id=identity.pk)
    sign_in(client, cast.admin)
    page = client.get(document.get_absolute_url()).content.decode()
    assert re.search(r'id="sent-with">Entra ID account anna@acme.nl, through the service '
                     r'broker</dd>', page)
    assert "Service broker (Entra ID)" in page


def test_it_shows_the_validation_report_of_a_refused_upload_grouped(client, post, cast, sender):
    sign_in(client, cast.admin)
    response = upload(post, sender, invoice("F-11", buyer_reference=""))
    page = client.get(response.url).content.decode()
    assert "Refused" in page
    fatal = page.split('id="fatal"')[1].split("</table>")[0]
    assert "PEPPOL-EN16931-R003" in fatal
    assert "/ubl:Invoice[1]" in fatal  # the location
    assert "Document F-11 was refused. The validation report below says why." in page


def test_it_says_why_the_sender_check_refused_an_upload_that_passed_the_rules(
        client, post, cast, sender):
    sign_in(client, cast.admin)

    response = upload(post, sender, invoice("F-12", supplier_kvk="55556666"))

    page = text(client.get(response.url))
    assert "Document F-12 was refused. The supplier's Endpoint-ID 0106:55556666 in this " \
        "document is not an identifier of Acme Trading BV." in page
    assert "The validation report below says why" not in page


def test_it_names_a_credit_notes_date_and_amount_as_a_credit_note(client, post, cast, sender,
                                                                  receiver):
    sign_in(client, cast.admin)
    response = upload(post, sender, invoice("C-1", document_type="CreditNote",
                                            billing_reference="F-2026-001"))

    page = text(client.get(response.url))
    assert "Credit note date" in page and "Amount credited" in page
    assert "Issue date" not in page and "Amount due" not in page
    outbox = text(client.get(f"/organizations/{sender.pk}/outbox/"))
    assert re.search(r'title="Credit note">credit</span> EUR <span class="text-nowrap">',
                     row_of(outbox, "C-1"))


def test_it_refuses_hostile_xml_at_the_field_and_stores_nothing(client, post, cast, sender):
    sign_in(client, cast.admin)
    response = upload(post, sender, b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>')
    assert response.status_code == 400
    assert "DOCTYPE" in response.content.decode()
    assert not Document.objects.exists()


def test_it_refuses_a_too_large_upload_at_the_field(client, post, cast, sender, settings):
    settings.DOCUMENT_MAX_MB = 1
    sign_in(client, cast.admin)
    response = upload(post, sender, b" " * (1024 * 1024 + 10))
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
    assert not Document.objects.exists()


def test_it_downloads_the_ubl_exactly_as_received(client, post, cast, sender, receiver):
    # Line ends and a comment that any re-serialisation would change.
    data = invoice("F-12").replace(b"\n", b"\r\n").replace(b"<cbc:ID>", b"<!-- x --><cbc:ID>", 1)
    sign_in(client, cast.admin)
    upload(post, sender, data)
    document = Document.objects.get(direction=Direction.OUTGOING)
    response = client.get(f"/documents/{document.pk}/ubl/")
    assert response.status_code == 200
    assert response.content == data
    assert response["Content-Disposition"] == 'attachment; filename="F-12.xml"'


def test_it_sends_a_test_invoice_to_the_organization_itself(client, post, cast, sender):
    identifier = sender.identifiers.get()
    identifier.switch(cast.admin, "receive", True)
    sender.decide_receiving(cast.admin, True)
    sign_in(client, cast.admin)
    assert "itself" in client.get(f"/organizations/{sender.pk}/test-invoice/").content.decode()
    response = post(f"/organizations/{sender.pk}/test-invoice/", {"receiver": "self"})
    outgoing = Document.objects.get(direction=Direction.OUTGOING)
    assert outgoing.status == Status.DELIVERED and outgoing.channel == "test"
    assert outgoing.validation["messages"] == []
    incoming = Document.objects.get(direction=Direction.INCOMING)
    assert incoming.organization == sender
    page = client.get(response.url).content.decode()
    assert "Delivered inside the platform to Acme Trading BV" in page


def test_it_sends_a_test_invoice_to_a_customer_card_and_asks_for_a_missing_address(
        client, post, cast, sender):
    card = CustomerCard.objects.create(organization=sender, name="Unknown BV",
                                       customer_number="7", endpoint_scheme="0106",
                                       endpoint_value="44445555")
    sign_in(client, cast.admin)
    url = f"/organizations/{sender.pk}/test-invoice/"
    response = post(url, {"receiver": str(card.pk)})
    assert response.status_code == 400
    assert "street, postal code and city" in response.content.decode()
    assert not Document.objects.exists()
    response = post(url, {"receiver": str(card.pk), "street": "Dorpsweg 4",
                          "postal_code": "1234 AB", "city": "Ede"})
    document = Document.objects.get()
    assert document.status == Status.QUEUED
    assert document.validation["messages"] == []
    assert "waiting for the Peppol network" in client.get(response.url).content.decode()


def test_it_lists_what_the_filters_ask_for(client, post, cast, sender, receiver):
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-20"))
    upload(post, sender, invoice("F-21", buyer_reference=""))
    upload(post, sender, invoice("X-30", customer_kvk="11112222"))
    base = f"/organizations/{sender.pk}/outbox/"

    def numbers(query):
        page = client.get(base + query).content.decode()
        return sorted(n for n in ("F-20", "F-21", "X-30") if f">{n}<" in page)

    assert numbers("") == ["F-20", "F-21", "X-30"]
    assert numbers("?status=refused") == ["F-21"]
    assert numbers("?status=queued") == ["X-30"]
    assert numbers("?number=F-") == ["F-20", "F-21"]
    assert numbers("?counterparty=0106:11112222") == ["X-30"]
    assert numbers("?q=x-30") == ["X-30"]
    quoted = Document.objects.get(number="F-20", direction=Direction.OUTGOING).delivery_id
    assert numbers(f"?q=+{quoted}+") == ["F-20"]
    assert numbers("?date_from=2000-01-01&date_to=2000-01-02") == []
    # A range the wrong way round says so beside its last day.
    reversed_range = client.get(base + "?date_from=2000-01-02&date_to=2000-01-01")
    assert "This day comes before the first day: swap them." in reversed_range.content.decode()
    # Tied to its field, for a screen reader there too.
    assert 'aria-invalid="true" aria-describedby="id_date_to_error"' in \
        reversed_range.content.decode()
    assert 'id="id_date_to_error">This day comes before' in reversed_range.content.decode()
    assert "Sent or received from" in reversed_range.content.decode()
    assert "No documents match these filters." in client.get(base + "?number=nothing").content \
        .decode()
    # A reversed range is no empty box: nothing is listed until it is corrected.
    late = client.get(base + "?date_from=2999-12-31&date_to=2999-01-01").content.decode()
    assert "Nothing is listed while a filter is not valid" in late
    assert "No documents sent yet" not in late


def row_of(page: str, number: str) -> str:
    """The list row of the document numbered `number`, as its HTML."""
    return next(row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if f">{number}<" in row)


def test_it_says_beside_a_status_in_the_list_why_the_document_is_there(client, post, cast,
                                                                     sender, receiver):
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-20"))
    upload(post, sender, invoice("F-21", buyer_reference=""))
    upload(post, sender, invoice("X-30", customer_kvk="11112222"))
    outbox = text(client.get(f"/organizations/{sender.pk}/outbox/"))
    assert "Fatal errors: 1" in row_of(outbox, "F-21")
    assert "Waiting for the Peppol network" in row_of(outbox, "X-30")
    assert "status-note" not in row_of(outbox, "F-20")

    upload(post, sender, invoice("F-20"))
    sign_in(client, cast.client_admin)
    inbox = text(client.get(f"/organizations/{receiver.pk}/inbox/"))
    rows = re.findall(r"<tr>.*?</tr>", inbox, re.S)[1:]
    held = next(row for row in rows if ">Duplicate<" in row)
    first = next(row for row in rows if ">Received<" in row)
    assert "Possible duplicate: not offered for download" in held
    assert "status-note" not in first

    sign_in(client, cast.admin)
    client.cookies.load({"django_language": "nl"})
    assert "Wacht op het Peppol-netwerk: aflevering via Peppol" in row_of(
        text(client.get(f"/organizations/{sender.pk}/outbox/")), "X-30")


def test_it_pages_by_keyset_keeping_the_filters(client, cast, sender, settings):
    from tests.invoices.test_document_model import outgoing

    for _ in range(30):
        outgoing(sender)
    sign_in(client, cast.admin)
    first = client.get(f"/organizations/{sender.pk}/outbox/?status=created").content.decode()
    assert "30 documents" in first
    newest = Document.objects.order_by("-pk")
    older = newest[24].pk
    assert f"?status=created&amp;before={older}" in first
    second = client.get(f"/organizations/{sender.pk}/outbox/?status=created&before={older}")
    rows = re.findall(r'href="/documents/(\d+)/"', second.content.decode())
    assert rows == [str(d.pk) for d in newest[25:]]
    assert "?status=created&amp;after=" in second.content.decode()


def test_it_runs_the_same_number_of_queries_for_one_page_and_many(client, cast, sender):
    from tests.invoices.test_document_model import outgoing

    sign_in(client, cast.admin)
    url = f"/organizations/{sender.pk}/outbox/"
    outgoing(sender)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(40):
        outgoing(sender)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as across:
        client.get("/documents/outbox/")
    assert len(across) <= len(few)


def test_it_shows_all_organizations_documents_including_a_clients(client, post, cast, sender,
                                                                  receiver):
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-40"))
    assert "F-40" in client.get("/documents/outbox/").content.decode()
    assert "F-40" not in client.get("/documents/inbox/").content.decode()
    # The accountant sees the client's inbox through the partnership.
    Partnership.start(accountant=cast.accountancy, organization=receiver, by=cast.client_admin)
    sign_in(client, cast.accountant)
    session = client.session
    session[SESSION_KEY] = cast.accountancy.pk
    session.save()
    assert "F-40" in client.get("/documents/inbox/").content.decode()
    everything = client.get("/documents/?direction=incoming").content.decode()
    assert "F-40" in everything
    # The client's name leads to its inbox, where the accountant works for it.
    assert f'<a href="/organizations/{receiver.pk}/inbox/">{receiver.name}</a>' in everything
    inbox = client.get(f"/organizations/{receiver.pk}/inbox/").content.decode()
    # Its breadcrumb leads to the client's organization page, which the accountant opens.
    assert f'<a href="/organizations/{receiver.pk}/">{receiver.name}</a>' in inbox
    assert client.get(f"/organizations/{receiver.pk}/").status_code == 200


def test_it_answers_404_for_another_environments_document_and_download(client, post, cast,
                                                                       sender, receiver):
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-50"))
    incoming = Document.objects.get(direction=Direction.INCOMING)
    outgoing = Document.objects.get(direction=Direction.OUTGOING)
    # Acme sent it, but the copy in the Bakery's inbox is the Bakery's.
    assert client.get(f"/documents/{incoming.pk}/").status_code == 404
    assert client.get(f"/documents/{incoming.pk}/ubl/").status_code == 404
    sign_in(client, cast.outsider)
    assert client.get(f"/documents/{outgoing.pk}/").status_code == 404
    assert client.get(f"/documents/{outgoing.pk}/ubl/").status_code == 404
    assert "F-50" not in client.get("/documents/").content.decode()


def test_it_holds_back_a_duplicate_until_an_administrator_marks_it_original(
        client, post, cast, sender, receiver):
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-60"))
    upload(post, sender, invoice("F-60"))
    duplicate = Document.objects.get(status=Status.DUPLICATE)
    sign_in(client, cast.client_admin)
    page = client.get(f"/documents/{duplicate.pk}/").content.decode()
    assert 'id="duplicate-notice"' in page and 'id="download"' not in page
    assert client.get(f"/documents/{duplicate.pk}/ubl/").status_code == 404
    url = f"/documents/{duplicate.pk}/mark-original/"
    # Someone who may see it but not release it is told so, with the way back.
    from onboarding.models import Membership, OrganizationMember, Role
    from tests.conftest import make_user

    member = make_user("clerk@bakery.nl")
    Membership.objects.create(environment=cast.client, user=member, role=Role.BASIC)
    OrganizationMember.objects.create(organization=receiver, user=member)
    sign_in(client, member)
    told = text(client.get(url))
    assert "Only administrators of this organization and TechSupport mark a document as " \
        f'original. <a href="/documents/{duplicate.pk}/">Back to the document</a>' in told
    sign_in(client, cast.client_admin)
    refused = post(url, {"reason": ""})
    assert refused.status_code == 400
    assert 'aria-invalid="true" aria-describedby="id_reason_error"' in text(refused)
    assert '<div class="invalid-feedback" id="id_reason_error">' in text(refused)
    response = post(url, {"reason": "Ander bedrag, tweede levering"})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.RECEIVED
    page = client.get(f"/documents/{duplicate.pk}/").content.decode()
    assert "Ander bedrag, tweede levering" in page and 'id="download"' in page
    assert client.get(f"/documents/{duplicate.pk}/ubl/").status_code == 200


def test_a_held_duplicate_links_to_the_earlier_document_it_repeats(client, post, cast, sender,
                                                                   receiver):
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-61"))
    upload(post, sender, invoice("F-61"))
    original = Document.objects.get(direction=Direction.INCOMING, status=Status.RECEIVED)
    duplicate = Document.objects.get(status=Status.DUPLICATE)
    sign_in(client, cast.client_admin)

    page = client.get(f"/documents/{duplicate.pk}/").content.decode()

    notice = re.search(r'<div class="alert[^"]*" id="duplicate-notice">.*?</div>\s*</div>',
                       page, re.S).group()
    received = formats.date_format(timezone.localtime(original.created_at), "DATE_FORMAT")
    assert f'<a href="/documents/{original.pk}/" class="duplicate-original">{received} at ' \
        in notice
    assert "Received earlier:" in notice and ">Received</span>" in notice
    # The original itself is held for nothing, and names nothing.
    assert 'id="duplicate-of"' not in client.get(f"/documents/{original.pk}/").content.decode()
    post(f"/documents/{duplicate.pk}/mark-original/", {"reason": "A second delivery"})
    assert 'id="duplicate-of"' not in client.get(f"/documents/{duplicate.pk}/").content.decode()


def test_a_held_duplicate_links_only_to_earlier_documents_the_user_may_see(
        client, post, cast, sender, receiver):
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-62"))
    upload(post, sender, invoice("F-62"))
    original = Document.objects.get(direction=Direction.INCOMING, status=Status.RECEIVED)
    duplicate = Document.objects.get(status=Status.DUPLICATE)
    # The same supplier, number and issue date in Acme's own inbox, which Acme's
    # administrator sees and Bakery's does not.
    elsewhere = Document.store(
        organization=sender, direction=Direction.INCOMING, status=Status.RECEIVED,
        content=invoice("F-62"), channel=Channel.PEPPOL, number=original.number,
        supplier_id=original.supplier_id, issue_date=original.issue_date)
    assert client.get(f"/documents/{elsewhere.pk}/").status_code == 200
    # Acme's administrator may not see Bakery's duplicate, nor learn of its original.
    response = client.get(f"/documents/{duplicate.pk}/")
    assert response.status_code == 404
    assert f"/documents/{original.pk}/" not in response.content.decode()
    sign_in(client, cast.outsider)
    response = client.get(f"/documents/{duplicate.pk}/")
    assert response.status_code == 404
    assert f"/documents/{original.pk}/" not in response.content.decode()

    sign_in(client, cast.client_admin)
    page = client.get(f"/documents/{duplicate.pk}/").content.decode()
    assert f'href="/documents/{original.pk}/"' in page
    assert f'href="/documents/{elsewhere.pk}/"' not in page
    assert client.get(f"/documents/{elsewhere.pk}/").status_code == 404


def test_it_shows_the_readable_invoice_in_dutch(client, post, cast, sender, receiver):
    cast.client_admin.language = "nl"
    cast.client_admin.save()
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-70"))
    incoming = Document.objects.get(direction=Direction.INCOMING)
    sign_in(client, cast.client_admin)
    page = client.get(f"/documents/{incoming.pk}/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Btw-specificatie" in page
    assert "242,00" in page and "Advies" in page and "Hoofdstraat 1" in page
    verdict = page.split('id="verdict">')[1].split("</p>")[0]
    assert verdict and "no fatal errors" not in verdict


def test_it_lets_techsupport_find_a_duplicate_by_delivery_id_and_release_it(
        client, post, cast, sender, receiver):
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-80"))
    upload(post, sender, invoice("F-80"))
    duplicate = Document.objects.get(status=Status.DUPLICATE)
    original = Document.objects.get(status=Status.RECEIVED)
    client.force_login(cast.techsupport)
    page = client.get(f"/staff/documents/?delivery_id={duplicate.delivery_id}").content.decode()
    assert "F-80" in page and f"/staff/documents/{duplicate.pk}/mark-original/" in page
    # Its page links the document it repeats, to compare before releasing it.
    page = client.get(f"/staff/documents/{duplicate.pk}/").content.decode()
    held = page.split('id="duplicate-of"')[1].split("</div>")[0]
    assert f'href="/staff/documents/{original.pk}/"' in held and "Received" in held
    # Its breadcrumb goes back through the duplicates; the original's, through its
    # organization's documents.
    crumbs = page.split('class="breadcrumb"')[1].split("</ol>")[0]
    assert 'href="/staff/documents/">Duplicates' in crumbs
    page = client.get(f"/staff/documents/{original.pk}/").content.decode()
    assert 'id="duplicate-of"' not in page
    crumbs = page.split('class="breadcrumb"')[1].split("</ol>")[0]
    assert f'href="/staff/organizations/{receiver.pk}/documents/"' in crumbs
    assert 'href="/staff/documents/"' not in crumbs
    response = post(f"/staff/documents/{duplicate.pk}/mark-original/",
                    {"reason": "Supplier confirmed a second delivery"})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.RECEIVED
    assert duplicate.events.last().actor == cast.techsupport
    # Released again from a page opened before: it says so, and the page explains.
    again = post(f"/staff/documents/{duplicate.pk}/mark-original/",
                 {"reason": "Supplier confirmed a second delivery"})
    assert "Document F-80 was released already." in \
        client.get(again.url).content.decode()
    assert duplicate.events.filter(to_status=Status.RECEIVED).count() == 1
    assert 'id="not-held">This document is not held as a duplicate.' in client.get(
        f"/staff/documents/{duplicate.pk}/mark-original/").content.decode()
    # A sent document is never held: there is no such page for it.
    sent = Document.objects.outbox().first()
    assert client.get(f"/staff/documents/{sent.pk}/mark-original/").status_code == 404
    client.force_login(cast.admin)
    assert client.get("/staff/documents/").status_code == 404


def test_it_shows_techsupport_why_a_delivery_failed_but_not_the_invoice(client, cast, sender):
    from invoices.models import Channel
    from invoices.submission import submit

    sent = submit(sender, invoice("F-94"), Channel.PORTAL, cast.admin).document
    sent.mark_delivery_failed(None, "The receiver is not on the Peppol network.")
    client.force_login(cast.techsupport)
    found = client.get(f"/staff/documents/?delivery_id={sent.delivery_id}").content.decode()
    assert f'href="/staff/documents/{sent.pk}/">F-94</a>' in found

    page = text(client.get(f"/staff/documents/{sent.pk}/"))

    assert re.search(r'id="status-reason">The receiver is not on the Peppol network.<', page)
    assert "Acme Trading BV" in page and sender.company_id in page
    verdict = re.search(r'id="verdict">([^<]*)<', page).group(1)
    # The verdict says the counts once.
    assert verdict.strip() == ("Valid under Peppol BIS Billing 3.0 (release 3.0.21). Fatal errors: "
                               "0, warnings: 0.")
    timeline = page.split('id="timeline"')[1]
    assert timeline.index("Queued") < timeline.index("Delivery failed")
    assert "the system (validation)" in timeline and "system: validation" not in timeline
    # The invoice itself stays with those who work for the organization.
    assert "Download UBL" not in page and "Advies" not in page
    client.force_login(cast.admin)
    assert client.get(f"/staff/documents/{sent.pk}/").status_code == 404


def test_it_says_what_the_system_wrote_in_the_readers_language(client, post, cast, sender,
                                                               receiver):
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-90"))
    upload(post, sender, invoice("F-90"))
    delivered = Document.objects.filter(direction=Direction.OUTGOING).first()
    duplicate = Document.objects.get(status=Status.DUPLICATE)
    sender.identifiers.update(can_send=False)
    refused = Document.objects.get(pk=upload(post, sender, invoice("F-91")).url.split("/")[2])
    assert refused.status == Status.REFUSED
    assert refused.status_reason.startswith("Sending is switched off for identifier 0106:")

    cast.admin.language = "nl"
    cast.admin.save()
    page = client.get(f"/documents/{delivered.pk}/").content.decode()
    assert "Binnen het platform afgeleverd bij Bakery Client BV." in page
    assert "Delivered inside the platform" not in page
    page = client.get(f"/documents/{refused.pk}/").content.decode()
    assert "Verzenden staat uit voor identificatie 0106:" in page
    assert "Sending is switched off" not in page
    cast.admin.language = "en"
    cast.admin.save()
    page = client.get(f"/documents/{refused.pk}/").content.decode()
    assert "Sending is switched off for identifier 0106:" in page
    cast.client_admin.language = "nl"
    cast.client_admin.save()
    sign_in(client, cast.client_admin)
    page = client.get(f"/documents/{duplicate.pk}/").content.decode()
    assert "Zelfde leverancier, nummer en factuurdatum als een eerder ontvangen document." \
        in page


def test_it_shows_a_reason_a_person_typed_as_it_was_typed(client, post, cast, sender,
                                                          receiver):
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-92"))
    upload(post, sender, invoice("F-92"))
    duplicate = Document.objects.get(status=Status.DUPLICATE)
    client.force_login(cast.techsupport)
    post(f"/staff/documents/{duplicate.pk}/mark-original/",
         {"reason": "Supplier confirmed a second delivery"})
    cast.client_admin.language = "nl"
    cast.client_admin.save()
    sign_in(client, cast.client_admin)

    page = client.get(f"/documents/{duplicate.pk}/").content.decode()

    assert "Supplier confirmed a second delivery" in page and "Ontvangen" in page


def test_the_menu_marks_the_inbox_on_a_received_document_and_the_outbox_on_a_sent_one(
        client, post, cast, sender, receiver):
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-11"))
    sent = Document.objects.get(direction=Direction.OUTGOING)
    received = Document.objects.get(direction=Direction.INCOMING)
    active = re.compile(r'class="nav-link active"[^>]*>([^<]+)</a>')

    assert active.findall(client.get(f"/documents/{sent.pk}/").content.decode()) == ["Outbox"]
    sign_in(client, cast.client_admin)
    page = client.get(f"/documents/{received.pk}/")
    assert page.status_code == 200 and active.findall(page.content.decode()) == ["Inbox"]


def test_the_menu_marks_neither_box_on_all_documents_nor_on_a_missing_document(client, cast):
    sign_in(client, cast.admin)
    active = re.compile(r'class="nav-link active"[^>]*>([^<]+)</a>')

    assert active.findall(client.get("/documents/outbox/").content.decode()) == ["Outbox"]
    assert active.findall(client.get("/documents/inbox/").content.decode()) == ["Inbox"]
    assert active.findall(client.get("/documents/").content.decode()) == []
    missing = client.get("/documents/999999/")
    assert missing.status_code == 404 and active.findall(missing.content.decode()) == []
    # A path that no page has: the menu is drawn without a page to mark.
    nowhere = client.get("/no-such-page/")
    assert nowhere.status_code == 404 and active.findall(nowhere.content.decode()) == []


def test_an_empty_list_across_organizations_offers_a_test_invoice_for_each(client, cast,
                                                                          sender):
    sign_in(client, cast.admin)
    page = client.get("/documents/outbox/").content.decode()
    offered = page.split('id="test-invoice-for"')[1].split("</div>")[0]
    assert f'href="/organizations/{sender.pk}/test-invoice/">{sender.name}</a>' in offered
    # The inbox has nothing to send, and a filtered list says only that nothing matches.
    assert 'id="test-invoice-for"' not in client.get("/documents/inbox/").content.decode()
    filtered = client.get("/documents/outbox/?number=F-1").content.decode()
    assert 'id="documents-none-match"' in filtered and 'id="test-invoice-for"' not in filtered

    client.force_login(cast.basic)
    page = client.get("/documents/").content.decode()
    assert 'id="no-organizations"' in page and 'id="test-invoice-for"' not in page


def test_it_marks_a_received_invoice_downloaded_after_saying_how_long_it_is_kept(
        client, post, cast, sender, receiver, settings):
    settings.DOCUMENT_RETENTION_AFTER_DOWNLOAD_DAYS = 7
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-70"))
    received = Document.objects.get(direction=Direction.INCOMING)
    url = f"/documents/{received.pk}/mark-downloaded/"
    # Only the receiving organization's users reach it.
    assert client.get(url).status_code == 404
    assert post(url).status_code == 404
    sign_in(client, cast.client_admin)
    assert 'id="mark-downloaded"' in client.get(f"/documents/{received.pk}/").content.decode()

    confirm = text(client.get(url))
    week = formats.date_format(timezone.localtime(timezone.now() + timedelta(days=7)))
    assert f"The platform keeps it until {week} and then deletes it" in confirm
    response = post(url)

    received.refresh_from_db()
    assert response.status_code == 302 and response.url == f"/documents/{received.pk}/"
    assert received.status == Status.DOWNLOADED and received.downloaded_at is not None
    assert timezone.localtime(received.keep_until).date() == \
        timezone.localdate() + timedelta(days=7)
    page = text(client.get(response.url))
    assert f"F-70 is marked as downloaded. The platform keeps it until {week}." in page
    assert "Mark as downloaded" not in page
    assert received.events.filter(to_status=Status.DOWNLOADED, actor=cast.client_admin).exists()
    # Asked again, it says so and changes nothing.
    assert "it is not waiting to be fetched" in text(client.get(url))
    post(url)
    assert received.events.filter(to_status=Status.DOWNLOADED).count() == 1


def test_it_says_so_when_the_invoice_changed_before_it_was_marked_downloaded(
        client, post, cast, sender, receiver, monkeypatch):
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-71"))
    received = Document.objects.get(direction=Direction.INCOMING)
    sign_in(client, cast.client_admin)
    locked = Document.locked

    def rejected_meanwhile(self, **kwargs):
        Document.objects.filter(pk=self.pk).update(status=Status.REJECTED)
        return locked(self, **kwargs)

    monkeypatch.setattr(Document, "locked", rejected_meanwhile)
    response = post(f"/documents/{received.pk}/mark-downloaded/")

    assert response.status_code == 302
    assert "This document is rejected; that step is not possible now." in text(
        client.get(response.url))
    received.refresh_from_db()
    # The refusal rolled back the whole step.
    assert received.downloaded_at is None and not received.events.filter(
        to_status=Status.DOWNLOADED).exists()


def three_received(client, post, cast, sender, numbers):
    """The sender's administrator sends three invoices to the receiver here: (the sender's
    copy of the first, and the receiver's three, in order)."""
    sign_in(client, cast.admin)
    for number in numbers:
        upload(post, sender, invoice(number))
    own_outgoing = Document.objects.filter(direction=Direction.OUTGOING).first()
    return own_outgoing, *Document.objects.filter(direction=Direction.INCOMING).order_by("pk")


def test_it_marks_chosen_received_invoices_downloaded_together_after_asking(
        client, post, cast, sender, receiver):
    own_outgoing, first, second, third = three_received(client, post, cast, sender,
                                                        ("F-80", "F-81", "F-82"))
    third.mark_downloaded(None)
    sign_in(client, cast.client_admin)
    inbox = client.get(f"/organizations/{receiver.pk}/inbox/").content.decode()
    assert f'id="choose-{first.pk}"' in inbox and f'id="choose-{second.pk}"' in inbox
    # The downloaded one may still be chosen, for a processing status.
    assert f'id="choose-{third.pk}"' in inbox and 'id="set-chosen-status"' in inbox
    url = "/documents/mark-downloaded/"
    back = f"/organizations/{receiver.pk}/inbox/"

    # Another organization's document and one no longer waiting are left out.
    chosen = {"document": [first.pk, second.pk, second.pk, third.pk, own_outgoing.pk, "x"],
              "next": back}
    confirm = text(post(url, chosen))
    assert "Mark these 2 invoices as downloaded" in confirm
    assert "F-80" in confirm and "F-81" in confirm and "F-82" not in confirm
    assert "2 of the chosen documents are left out" in confirm
    assert Document.objects.filter(status=Status.DOWNLOADED).count() == 1

    response = post(url, {**chosen, "confirm": "yes"})

    assert response.status_code == 302 and response.url == back
    assert "2 invoices are marked as downloaded." in text(client.get(back))
    assert set(Document.objects.filter(status=Status.DOWNLOADED).values_list("pk", flat=True)) \
        == {first.pk, second.pk, third.pk}
    own_outgoing.refresh_from_db()
    assert own_outgoing.status == Status.DELIVERED


def test_it_sets_the_processing_status_of_chosen_invoices_together_after_asking(
        client, post, cast, sender, receiver):
    own_outgoing, first, second, third = three_received(client, post, cast, sender,
                                                        ("F-83", "F-84", "F-85"))
    first.mark_downloaded(None)
    third.reject(cast.client_admin, "Not ours")
    sign_in(client, cast.client_admin)
    back = f"/organizations/{receiver.pk}/inbox/"
    inbox = client.get(back).content.decode()
    assert 'formaction="/documents/status/" id="set-chosen-status"' in inbox
    assert f'id="choose-{first.pk}"' in inbox and f'id="choose-{third.pk}"' not in inbox
    url = "/documents/status/"

    # The rejected one and another organization's document are left out.
    chosen = {"document": [first.pk, second.pk, third.pk, own_outgoing.pk], "next": back}
    asked = text(post(url, chosen))
    assert "Say how far your bookkeeping is with these 2 invoices" in asked
    assert "F-83" in asked and "F-84" in asked and "F-85" not in asked
    assert "2 of the chosen documents are left out" in asked
    assert re.search(r'id="seen-approved">The sender sees: under review.<', asked)
    # Confirming without a status, or with one that is no processing status, changes nothing.
    for wrong in ({}, {"status": "delivered"}):
        refused = post(url, {**chosen, "confirm": "yes", **wrong})
        assert refused.status_code == 400
        assert re.search(r'id="status-error">Choose one of the processing statuses.<',
                         text(refused))
        radios = re.findall(r'<input[^>]*type="radio"[^>]*>', text(refused))
        assert radios and all('aria-invalid="true"' in radio for radio in radios)
    assert not Document.objects.filter(status=Status.APPROVED).exists()

    response = post(url, {**chosen, "confirm": "yes", "status": "approved"})

    assert response.status_code == 302 and response.url == back
    assert "2 invoices are now approved." in text(client.get(back))
    assert set(Document.objects.filter(status=Status.APPROVED).values_list("pk", flat=True)) \
        == {first.pk, second.pk}
    third.refresh_from_db()
    assert third.status == Status.REJECTED
    # Asked again for the same two, it says that nothing changed; with one more, which.
    again = post(url, {**chosen, "confirm": "yes", "status": "approved"})
    assert "Nothing changed: the chosen invoices already were approved, or no longer take a " \
           "status." in text(client.get(again.url))
    fourth = received_over_peppol(receiver, "F-86")
    more = post(url, {**chosen, "document": [first.pk, fourth.pk], "confirm": "yes",
                      "status": "approved"})
    assert "1 invoice is now approved. 1 already was, or no longer takes a status." in text(
        client.get(more.url))
    # The senders' copies follow, each with its own history line.
    sent = Document.objects.filter(direction=Direction.OUTGOING, number__in=("F-83", "F-84"))
    assert set(sent.values_list("status", flat=True)) == {Status.UNDER_REVIEW}
    assert first.events.filter(to_status=Status.APPROVED, actor=cast.client_admin).count() == 1
    # A paid invoice goes back a step only on its own page, never in passing.
    second.set_processing_status(cast.client_admin, Status.PAID)
    back_a_step = post(url, {**chosen, "confirm": "yes", "status": "opened"})
    said = text(client.get(back_a_step.url))
    assert "1 invoice is now opened." in said
    assert "1 paid invoice keeps its status: change it on its own page." in said
    second.refresh_from_db()
    assert second.status == Status.PAID


def test_it_offers_the_processing_status_of_a_selection_only_to_those_who_may_set_it(
        client, post, cast, sender):
    from onboarding.models import OrganizationMember

    waiting = received_over_peppol(sender, "F-86")
    downloaded = received_over_peppol(sender, "F-87")
    downloaded.mark_downloaded(None)
    OrganizationMember.objects.create(organization=sender, user=cast.basic)
    sign_in(client, cast.basic)
    back = f"/organizations/{sender.pk}/inbox/"
    inbox = client.get(back).content.decode()
    # Marking downloaded is theirs; the processing status is not.
    assert f'id="choose-{waiting.pk}"' in inbox and 'id="mark-chosen-downloaded"' in inbox
    assert f'id="choose-{downloaded.pk}"' not in inbox and "set-chosen-status" not in inbox

    response = post("/documents/status/", {"document": [waiting.pk, downloaded.pk],
                                           "next": back, "confirm": "yes", "status": "paid"})

    # Back at the table, where the keyboard chooses again.
    assert response.status_code == 302 and response.url == back + "#documents"
    assert "Choose at least one received invoice whose processing status you may set." in text(
        client.get(back))
    assert not Document.objects.filter(status=Status.PAID).exists()


def test_it_asks_to_choose_and_never_sends_the_user_elsewhere(client, post, cast, sender,
                                                             receiver):
    sign_in(client, cast.client_admin)
    response = post("/documents/mark-downloaded/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == "/documents/inbox/#documents"
    assert "Choose at least one received invoice to mark as downloaded." in text(
        client.get(response.url))


def test_it_rejects_a_received_invoice_with_a_reason_the_sender_reads(
        client, post, cast, sender, receiver, mailoutbox):
    sign_in(client, cast.admin)
    upload(post, sender, invoice("F-90"))
    sent = Document.objects.get(direction=Direction.OUTGOING)
    received = Document.objects.get(direction=Direction.INCOMING)
    url = f"/documents/{received.pk}/reject/"
    # The sender's users cannot reach the receiver's copy.
    assert client.get(url).status_code == 404
    assert 'id="reject"' not in client.get(f"/documents/{sent.pk}/").content.decode()
    sign_in(client, cast.client_admin)
    assert 'id="reject"' in client.get(f"/documents/{received.pk}/").content.decode()
    confirm = text(client.get(url))
    assert 'id="sender-told"' in confirm and "A rejection cannot be undone." in confirm

    empty = post(url, {"reason": "  "})
    assert empty.status_code == 400
    assert re.search(r'id="reason-error">Give the reason for rejecting.<', text(empty))
    assert tied_error(empty, "id_reason") == "Give the reason for rejecting."
    received.refresh_from_db()
    assert received.status == Status.RECEIVED and not mailoutbox

    response = post(url, {"reason": "Wrong amount: we ordered 10, not 12."})

    assert response.status_code == 302 and response.url == f"/documents/{received.pk}/"
    page = text(client.get(response.url))
    assert "F-90 is rejected." in page
    assert re.search(r'id="rejected-notice"><strong>Rejected.</strong> Wrong amount: we '
                     r"ordered 10, not 12.<", page)
    assert 'id="reject"' not in page
    received.refresh_from_db()
    sent.refresh_from_db()
    assert received.status == sent.status == Status.REJECTED
    assert received.events.get(to_status=Status.REJECTED).actor == cast.client_admin
    assert "it cannot be rejected" in text(client.get(url))
    # The sender sees why, on the document and in its outbox, and its administrators are
    # told by mail.
    sign_in(client, cast.admin)
    sent_page = text(client.get(f"/documents/{sent.pk}/"))
    assert re.search(r'id="rejected-notice">Rejected by Bakery Client BV: Wrong amount: we '
                     r"ordered 10, not 12.<", sent_page)
    assert "Rejected" in text(client.get(f"/organizations/{sender.pk}/outbox/?status=rejected"))
    assert [m.to for m in mailoutbox] == [[cast.admin.email]]
    assert mailoutbox[0].subject.endswith("Bakery Client BV rejected document F-90")
    assert "Reason: Wrong amount: we ordered 10, not 12." in mailoutbox[0].body
    assert f"{settings.PORTAL_URL}/documents/{sent.pk}/\n" in mailoutbox[0].body


@pytest.mark.parametrize("step, data, button", [
    ("reject", {"reason": "Not ours"}, 'id="reject"'),
    ("status", {"status": "paid"}, 'id="set-status"'),
])
def test_it_lets_only_those_who_act_for_the_organization_take_a_receivers_step(
        client, post, cast, sender, step, data, button):
    from onboarding.models import OrganizationMember

    received = received_over_peppol(sender, "F-91")
    OrganizationMember.objects.create(organization=sender, user=cast.basic)
    url = f"/documents/{received.pk}/{step}/"
    sign_in(client, cast.basic)
    assert button not in client.get(f"/documents/{received.pk}/").content.decode()
    assert 'id="not-allowed"' in client.get(url).content.decode()
    post(url, data)
    received.refresh_from_db()
    assert received.status == Status.RECEIVED


def test_it_says_before_rejecting_whether_the_sender_is_told(client, post, cast, sender):
    from invoices.models import Channel

    received = received_over_peppol(sender, "F-91")
    url = f"/documents/{received.pk}/reject/"
    # Received over Peppol: the platform cannot tell the sender, and says so first.
    sign_in(client, cast.admin)
    assert "The sender is at another Peppol access point" in text(client.get(url))
    # Delivered inside the platform, but the sender's copy is gone: it says that instead.
    Document.objects.filter(pk=received.pk).update(channel=Channel.PLATFORM)
    assert "The sender's copy is no longer on this platform" in text(client.get(url))
    post(url, {"reason": "Not ours"})
    received.refresh_from_db()
    assert (received.status, received.status_reason) == (Status.REJECTED, "Not ours")


def test_it_tries_a_failed_delivery_again_for_those_who_send(client, post, cast, sender):
    from invoices.models import Channel
    from invoices.submission import submit
    from onboarding.models import OrganizationMember

    sent = submit(sender, invoice("F-93"), Channel.PORTAL, cast.admin).document
    assert sent.status == Status.QUEUED  # nobody receives for it yet
    sent.mark_delivery_failed(None, "The receiver is not on the Peppol network.")
    url = f"/documents/{sent.pk}/retry-delivery/"
    OrganizationMember.objects.create(organization=sender, user=cast.basic)
    sign_in(client, cast.basic)
    assert 'id="retry-delivery"' not in client.get(f"/documents/{sent.pk}/").content.decode()
    assert 'id="not-allowed"' in post(url).content.decode()
    sign_in(client, cast.outsider)
    assert post(url).status_code == 404
    sent.refresh_from_db()
    assert sent.status == Status.DELIVERY_FAILED

    # The receiver joined the platform meanwhile: trying again delivers it there.
    receiver = make_receiver(cast)
    sign_in(client, cast.admin)
    assert "The receiver is not on the Peppol network." in text(client.get(url))
    response = post(url)

    assert response.status_code == 302 and response.url == f"/documents/{sent.pk}/"
    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED
    incoming = Document.objects.get(direction=Direction.INCOMING)
    assert (incoming.organization, incoming.channel) == (receiver, Channel.PLATFORM)
    assert "Delivery of F-93 is tried again." in text(client.get(response.url))
    # Pressed twice (two tabs): the second says why nothing happens, and delivers nothing.
    again = post(url)
    assert "This document is delivered; that step is not possible now." in text(
        client.get(again.url))
    assert Document.objects.filter(direction=Direction.INCOMING).count() == 1
    assert 'id="not-failed"' in client.get(url).content.decode()


@pytest.mark.parametrize("url,extra", [("/documents/mark-downloaded/", {}),
                                       ("/documents/status/", {"status": "approved"})])
@pytest.mark.parametrize("back", ["inbox", "-1", "2026-02-30", "javascript:alert(1)"])
def test_it_goes_back_to_the_inbox_from_a_selection_whose_way_back_is_no_path(
        client, post, cast, sender, receiver, url, extra, back):
    _own_outgoing, first, _second, _third = three_received(client, post, cast, sender,
                                                           ("F-86", "F-87", "F-88"))
    sign_in(client, cast.client_admin)

    response = post(url, {"document": [first.pk], "next": back, "confirm": "yes", **extra})

    assert response.status_code == 302 and response.url == "/documents/inbox/"
    first.refresh_from_db()
    assert first.status == (extra.get("status") or Status.DOWNLOADED)


FAR_OFF = "This day is too far off to search by: enter a day closer to today."


@pytest.mark.parametrize("path", ["/documents/", "/documents/outbox/", "/documents/inbox/",
                                  "/organizations/{org}/outbox/", "/organizations/{org}/inbox/"])
@pytest.mark.parametrize("field, day", [("date_to", "9999-12-31"), ("date_from", "0001-01-01"),
                                        ("date_from", "9999-12-31"), ("date_to", "0001-01-01")])
def test_it_says_beside_the_field_that_a_day_at_the_calendars_edge_is_too_far_off(
        client, cast, sender, path, field, day):
    received_over_peppol(sender, "M-7")
    client.force_login(cast.admin)
    response = client.get(path.format(org=sender.pk), {field: day})
    assert response.status_code == 200
    assert tied_error(response, f"id_{field}") == FAR_OFF
    # The day before the edge still filters.
    near = client.get(path.format(org=sender.pk),
                      {field: "9999-12-30" if day.startswith("9999") else "0001-01-02"})
    assert near.status_code == 200
    assert tied_error(near, f"id_{field}") == ""


@pytest.mark.parametrize("path", ["/documents/", "/organizations/{org}/inbox/"])
def test_it_shows_the_error_instead_of_exporting_without_the_day_at_the_calendars_edge(
        client, cast, sender, path):
    received_over_peppol(sender, "M-7")
    client.force_login(cast.admin)
    for query in ({"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}):
        response = client.get(path.format(org=sender.pk), {**query, "export": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert "This day is too far off to search by" in response.content.decode()
        assert 'id="documents-filter-invalid"' in response.content.decode()


def test_it_lists_the_days_asked_for_in_the_readers_time_zone_page_by_page(client, cast,
                                                                         sender, settings):
    from tests.invoices.test_document_model import outgoing

    # Ended before today: the list reads the range through the index by day (see
    # DocumentFilter.searches), and shows the same rows in the same order as ever.
    day = timezone.localdate() - timedelta(days=3)
    start = timezone.make_aware(datetime.combine(day, time.min))
    documents = [outgoing(sender) for _ in range(32)]
    for minutes, document in enumerate(documents[1:-1]):
        Document.objects.filter(pk=document.pk).update(
            created_at=start + timedelta(minutes=minutes * 40))
    # Just before the day and just after it, in Amsterdam.
    Document.objects.filter(pk=documents[0].pk).update(created_at=start - timedelta(seconds=1))
    Document.objects.filter(pk=documents[-1].pk).update(
        created_at=start + timedelta(days=1))
    sign_in(client, cast.admin)
    url = f"/organizations/{sender.pk}/outbox/"
    query = f"?date_from={day.isoformat()}&date_to={day.isoformat()}"
    first = client.get(url + query).content.decode()
    assert 'id="document-count">30 documents' in first
    shown = re.findall(r'href="/documents/(\d+)/"', first)
    assert shown == [str(d.pk) for d in documents[30:0:-1]][:25]
    second = client.get(url + query + f"&before={shown[-1]}").content.decode()
    assert re.findall(r'href="/documents/(\d+)/"', second) == \
        [str(d.pk) for d in documents[5:0:-1]]
    earlier = client.get(url + f"?date_to={day - timedelta(days=1)}").content.decode()
    assert 'id="document-count">1 document ·' in earlier
    assert re.findall(r'href="/documents/(\d+)/"', earlier) == [str(documents[0].pk)]


def test_a_second_window_hears_the_chosen_invoices_were_marked_already(
        client, post, cast, sender, receiver):
    _own_outgoing, first, second, _third = three_received(client, post, cast, sender,
                                                          ("F-83", "F-84", "F-85"))
    sign_in(client, cast.client_admin)
    chosen = {"document": [first.pk, second.pk], "confirm": "yes"}
    post("/documents/mark-downloaded/", chosen)

    again = post("/documents/mark-downloaded/", chosen)

    assert again.url == "/documents/inbox/"
    assert "Nothing changed: none of the chosen invoices waits to be downloaded any more." in \
        text(client.get(again.url))
