"""What a walk of invoices in the browser and the API found: a rejected invoice that software
still got, inbox parameters that were ignored, a key's last use that an error did not count,
the API introduction that stayed English, and a validation report that was hard to act on."""

import re

import pytest
import zeep
from django.core.cache import cache
from zeep.exceptions import Fault

from invoices.models import Channel, Direction, Document, Status
from invoices.peppol.validation import RuleMessage
from onboarding.models import ConnectionKey
from tests.api import test_documents_api
from tests.api.test_documents_api import PROBLEM, call, send
from tests.conftest import text
from tests.invoices.conftest import invoice, make_sender, received_over_peppol

pytestmark = pytest.mark.django_db(transaction=True)

# The documents API tests' fixtures: a receiving organization on the platform, its key, and an
# invoice delivered into its inbox.
receiver = test_documents_api.receiver
receiver_key = test_documents_api.receiver_key
delivered = test_documents_api.delivered

REJECTED_TYPE = "tag:peppol-onboarding-portal,2026:problem:document-rejected"
V31 = "http://api.everbinding.nl/v3_1/"


def inbox_ids(http, live_server, issued, query=""):
    response = call(http, "GET", live_server, f"/api/v1/inbox{query}", issued)
    assert response.status_code == 200, response.text
    return [document["id"] for document in response.json()["results"]]


# -- 1. a rejected received document is no longer served to the software ---------------------


def test_it_leaves_a_rejected_document_out_of_the_inbox_unless_asked_for(
        live_server, http, cast, receiver_key, delivered):
    delivered.reject(cast.client_admin, "Wrong price")

    assert inbox_ids(http, live_server, receiver_key) == []
    assert inbox_ids(http, live_server, receiver_key, "?include_duplicates=true") == []
    asked = call(http, "GET", live_server, "/api/v1/inbox?status=rejected", receiver_key).json()
    assert [(d["id"], d["status"], d["status_reason"]) for d in asked["results"]] == [
        (delivered.pk, "rejected", "Wrong price")]
    # Asked for by its id, it is still described, with its status.
    one = call(http, "GET", live_server, f"/api/v1/inbox/{delivered.pk}", receiver_key)
    assert (one.status_code, one.json()["status"]) == (200, "rejected")


def test_it_answers_409_to_the_download_of_a_document_rejected_in_the_portal(
        live_server, http, cast, receiver_key, delivered):
    delivered.reject(cast.client_admin, "Wrong price")

    response = call(http, "GET", live_server, f"/api/v1/inbox/{delivered.pk}/download",
                    receiver_key)

    assert response.status_code == 409
    assert response.headers["Content-Type"] == PROBLEM
    assert response.json()["type"] == REJECTED_TYPE
    assert response.json()["title"] == "Document rejected"
    assert response.json()["detail"] == (
        f"This document was rejected in the portal by {cast.client_admin.email}: Wrong price. "
        "A rejected document is no longer offered to your software.")
    assert invoice().decode()[:20] not in response.text
    # Refused, it was no fetch.
    assert ConnectionKey.objects.get(pk=receiver_key.key.pk).first_fetched_at is None


def test_it_names_the_key_that_rejected_a_document_when_its_download_is_refused(
        live_server, http, receiver_key, delivered):
    rejected = call(http, "POST", live_server, f"/api/v1/inbox/{delivered.pk}/rejected",
                    receiver_key, json={"reason": "No such order"})
    assert rejected.status_code == 200

    response = call(http, "GET", live_server, f"/api/v1/inbox/{delivered.pk}/download",
                    receiver_key, headers={"Accept": "application/xml"})

    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"This document was rejected by connection key {receiver_key.key.app_key}: No such "
        "order. A rejected document is no longer offered to your software.")


def test_soap_leaves_a_rejected_document_out_and_says_why_it_is_not_given(
        live_server, cast, receiver_key, delivered):
    delivered.reject(cast.client_admin, "Wrong price")
    soap = zeep.Client(f"{live_server.url}/api/api31?wsdl").service
    token = soap.Login(AppKey=receiver_key.key.app_key,
                       SecretKey=receiver_key.secret).SecurityToken
    header = {"_soapheaders": {"SecurityToken": token}}

    listed = soap.GetInboxDocuments(**header)
    with pytest.raises(Fault) as refused:
        soap.GetInboxDocument(ExternalId=str(delivered.delivery_id), **header)
    with pytest.raises(Fault) as paid:
        soap.SetInboxDocumentStatus(ExternalId=str(delivered.delivery_id), Status="Paid",
                                    **header)
    again = soap.SetInboxDocumentStatus(ExternalId=str(delivered.delivery_id),
                                        Status="Rejected", Reason="Once more", **header)

    assert not (listed.Documents and listed.Documents.Document)
    for fault in (refused.value, paid.value):
        assert fault.detail.findtext(f"{{{V31}}}FaultDetail/{{{V31}}}Reason") == \
            "document-rejected"
    assert "was rejected" in refused.value.message
    assert again.Status == "Rejected"
    delivered.refresh_from_db()
    assert (delivered.status, delivered.status_reason) == (Status.REJECTED, "Wrong price")


# -- 2. inbox parameters are checked, not ignored --------------------------------------------


@pytest.mark.parametrize("name, value", [
    ("include_duplicates", "maybe"), ("include_duplicates", "yes"), ("page_size", "-1"),
    ("page_size", "abc"), ("page_size", "0"), ("page_size", "201"), ("page_size", "1e2"),
    ("page_size", "9" * 5000)])
def test_it_refuses_an_inbox_parameter_that_is_not_valid(live_server, http, receiver_key,
                                                         name, value):
    response = call(http, "GET", live_server, "/api/v1/inbox", receiver_key,
                    params={name: value})

    assert response.status_code == 400
    assert response.headers["Content-Type"] == PROBLEM
    assert list(response.json()["errors"]) == [name]


def test_it_titles_a_refused_parameter_in_the_language_asked_for(live_server, http,
                                                                 receiver_key):
    dutch = call(http, "GET", live_server, "/api/v1/inbox?page_size=0", receiver_key,
                 headers={"Accept-Language": "nl"}).json()
    english = call(http, "GET", live_server, "/api/v1/inbox?page_size=0", receiver_key).json()

    assert (dutch["title"], english["title"]) == ("Ongeldig verzoek", "Bad Request")
    assert dutch["errors"] == {"page_size": ["Geef een geheel getal van 1 tot 200."]}


def test_it_reads_the_inbox_parameters_it_documents(live_server, http, cast, receiver,
                                                    receiver_key, delivered):
    later = received_over_peppol(receiver, "F-LATER")

    assert inbox_ids(http, live_server, receiver_key, "?page_size=1") == [later.pk]
    assert inbox_ids(http, live_server, receiver_key, "?page_size=200") == [later.pk,
                                                                            delivered.pk]
    assert inbox_ids(http, live_server, receiver_key, "?page_size=") == [later.pk,
                                                                         delivered.pk]
    for given in ("TRUE", "1", "false", "0", ""):
        assert inbox_ids(http, live_server, receiver_key,
                         f"?include_duplicates={given}") == [later.pk, delivered.pk]


# -- 3. every authenticated call is a use of the key ------------------------------------------


def last_used(issued):
    return ConnectionKey.objects.get(pk=issued.key.pk).last_used_at


def test_it_counts_a_send_that_answered_409_as_a_use(live_server, http, acme_key, receiver):
    assert send(http, live_server, acme_key, invoice("F-1"), client_id="ERP-000001") \
        .status_code == 202
    # As for a key whose first call is the one sent again.
    ConnectionKey.objects.filter(pk=acme_key.key.pk).update(last_used_at=None)
    cache.delete(f"key-used:{acme_key.key.pk}")

    again = send(http, live_server, acme_key, invoice("F-1"), client_id="ERP-000001")

    assert again.status_code == 409
    assert last_used(acme_key) is not None


@pytest.mark.parametrize("method, path, kwargs", [
    ("GET", "/api/v1/documents/999999", {}),
    ("GET", "/api/v1/inbox/999999/download", {}),
    ("GET", "/api/v1/inbox?status=bogus", {}),
    ("POST", "/api/v1/documents", {"data": b"<x/>", "headers": {
        "Content-Type": "application/xml", "X-Client-Document-Id": "short"}}),
    ("POST", "/api/v1/recipients", {"json": {"identifiers": []}}),
    ("GET", "/api/v1/webhooks/999999", {}),
])
def test_it_counts_a_call_that_answered_an_error_as_a_use(live_server, http, acme_key,
                                                         method, path, kwargs):
    response = call(http, method, live_server, path, acme_key, **kwargs)

    assert 400 <= response.status_code < 500
    assert last_used(acme_key) is not None
    # Not a fetch of the inbox: a guided setup still waits for that.
    assert ConnectionKey.objects.get(pk=acme_key.key.pk).first_fetched_at is None


def test_it_notes_each_call_once_and_an_inbox_read_as_a_fetch(live_server, http, monkeypatch,
                                                              receiver_key, delivered):
    noted = []
    record_use = ConnectionKey.record_use

    def counted(pk, **kwargs):
        noted.append(kwargs.get("fetched", False))
        return record_use(pk, **kwargs)

    monkeypatch.setattr(ConnectionKey, "record_use", staticmethod(counted))

    assert inbox_ids(http, live_server, receiver_key) == [delivered.pk]
    assert noted == [True]
    assert ConnectionKey.objects.get(pk=receiver_key.key.pk).first_fetched_at is not None
    download = call(http, "GET", live_server, f"/api/v1/inbox/{delivered.pk}/download",
                    receiver_key)
    assert download.status_code == 200
    assert noted == [True, True]
    bad = call(http, "GET", live_server, "/api/v1/inbox?page_size=0", receiver_key)
    assert bad.status_code == 400
    assert noted == [True, True, False]
    wrong = http.get(f"{live_server.url}/api/v1/inbox", timeout=10,
                     auth=(receiver_key.key.app_key, receiver_key.secret + "x"))
    assert wrong.status_code == 401
    assert noted == [True, True, False]


# -- 4. the API introduction in the reader's language -----------------------------------------


FIRST_PARAGRAPH = (
    "The API for ERP software. Authenticate with HTTP Basic: a connection key's App Key as user "
    "name and its Secret as password; create keys in the portal. Each key answers for its own "
    "organization only.")


def test_it_gives_the_api_introduction_in_the_language_asked_for(client):
    def description(language):
        response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json",
                              HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return response.json()["info"]["description"]

    dutch, english = description("nl"), description("en")
    assert dutch.startswith("De API voor ERP-software. Authenticeer met HTTP Basic")
    assert english.startswith(FIRST_PARAGRAPH + "\n\n")
    # A paragraph each, and the limits after them.
    assert english.count("\n\n") >= 3 and "/api/api31?wsdl" in english
    assert "Limits: requests are limited to" in english
    assert "Limieten: verzoeken zijn beperkt tot" in dutch and "Limits" not in dutch


def test_the_openapi_document_says_what_the_inbox_leaves_out_and_what_it_refuses(client):
    document = client.get("/api/schema/",
                          HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    inbox = document["paths"]["/api/v1/inbox"]["get"]
    assert "status=rejected" in inbox["description"]
    parameters = {parameter["name"]: parameter for parameter in inbox["parameters"]}
    page_size = parameters["page_size"]
    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 200)
    assert "answers 400" in page_size["description"]
    assert parameters["include_duplicates"]["schema"]["type"] == "boolean"
    assert "rejected" in parameters["status"]["description"]
    download = document["paths"]["/api/v1/inbox/{id}/download"]["get"]
    assert "rejected" in download["description"]
    assert "document-rejected" in download["responses"]["409"]["description"]
    recipients = document["components"]["schemas"]["Recipient"]["properties"]["asked"]
    assert "without spaces before or after" in recipients["description"]


# -- 5. the validation report -----------------------------------------------------------------


STORED_REPORT = {
    "valid": False, "xsd_valid": True, "document_type": "Invoice",
    "customization_id": "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:"
                        "billing:3.0",
    "schema": "UBL 2.1", "rules": "Peppol BIS Billing 3.0", "release": "3.0.21",
    "verdict": "Refused under Peppol BIS Billing 3.0 (release 3.0.21). Fatal errors: 3, "
               "warnings: 1.",
    "verdict_key": "refused", "verdict_params": {}, "stopped_at": "",
    "messages": [
        {"rule_id": "BR-CO-16", "flag": "fatal",
         "location": "/ubl:Invoice[1]/cac:LegalMonetaryTotal[1]",
         "text": "[BR-CO-16]-Amount due for payment (BT-115) = Invoice total amount with VAT "
                 "(BT-112) -Paid amount (BT-113) +Rounding amount (BT-114)."},
        {"rule_id": "BR-21", "flag": "fatal",
         "location": "/ubl:Invoice[1]/cac:InvoiceLine[2]",
         "text": "[BR-21]-Each Invoice line (BG-25) shall have an Invoice line identifier "
                 "(BT-126)."},
        {"rule_id": "PEPPOL-EN16931-R003", "flag": "fatal", "location": "/ubl:Invoice[1]",
         "text": "A buyer reference or purchase order reference MUST be provided."},
        {"rule_id": "BR-NL-19", "flag": "warning",
         "location": "/ubl:Invoice[1]/cac:OrderReference[1]",
         "text": "[BR-XX-1]-Another rule's words stay as written."},
    ],
}


def report_rows(page: str, list_id: str) -> list[str]:
    table = page.split(f'id="{list_id}"')[1].split("</table>")[0]
    # A <wbr> (where a long XPath may wrap) takes no room; other tags part words.
    return [" ".join(re.sub(r"<[^>]+>", " ", row.replace("<wbr>", "")).split())
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]


def test_it_shows_each_rule_message_once_with_a_short_place_and_its_xpath(client, cast):
    sender = make_sender(cast)
    document = received_over_peppol(sender, "V-1")
    Document.objects.filter(pk=document.pk).update(validation=STORED_REPORT)
    client.force_login(cast.admin)

    page = text(client.get(f"/documents/{document.pk}/"))

    assert report_rows(page, "fatal") == [
        "BR-CO-16 Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) "
        "-Paid amount (BT-113) +Rounding amount (BT-114). Totals "
        "/ubl:Invoice[1]/cac:LegalMonetaryTotal[1]",
        "BR-21 Each Invoice line (BG-25) shall have an Invoice line identifier (BT-126). "
        "Line 2 /ubl:Invoice[1]/cac:InvoiceLine[2]",
        "PEPPOL-EN16931-R003 A buyer reference or purchase order reference MUST be provided. "
        "Document /ubl:Invoice[1]",
    ]
    assert report_rows(page, "warnings") == [
        "BR-NL-19 [BR-XX-1]-Another rule's words stay as written. "
        "/ubl:Invoice[1]/cac:OrderReference[1]"]
    assert "Checked against Peppol BIS Billing 3.0 (release 3.0.21)." in page
    # What is stored stays as the rules wrote it.
    document.refresh_from_db()
    assert document.validation == STORED_REPORT


@pytest.mark.parametrize("location, place, line", [
    ("/ubl:Invoice[1]", "document", None),
    ("/", "document", None),
    ("/*/cbc:Bogus", "document", None),
    ("/cn:CreditNote[1]/cac:CreditNoteLine[3]/cbc:ID[1]", "line", 3),
    ("/*/cac:InvoiceLine/cbc:ID", "line", 1),
    ("/ubl:Invoice[1]/cac:AccountingSupplierParty[1]/cac:Party[1]", "supplier", None),
    ("/ubl:Invoice[1]/cac:AccountingCustomerParty[1]", "customer", None),
    ("/ubl:Invoice[1]/cac:TaxTotal[1]/cac:TaxSubtotal[2]/cac:TaxCategory[1]", "vat", None),
    ("/ubl:Invoice[1]/cac:OrderReference[1]", "", None),
    ("", "", None),
])
def test_it_names_the_part_of_the_document_a_location_lies_in(location, place, line):
    message = RuleMessage(rule_id="R", flag="fatal", location=location, text="")
    assert (message.place, message.line_number) == (place, line)


@pytest.mark.parametrize("rule_id, written, shown", [
    ("BR-CO-16", "[BR-CO-16]-Amount due", "Amount due"),
    ("BR-NL-19", "[BR-NL-19] The use of a tax currency code", "The use of a tax currency code"),
    ("BR-CO-16", "[BR-CO-15]-Invoice total", "[BR-CO-15]-Invoice total"),
    ("BR-CO-16", "[BR-CO-16]", "[BR-CO-16]"),
    ("", "[]-Nothing", "[]-Nothing"),
])
def test_it_drops_the_rule_id_only_where_the_text_repeats_it(rule_id, written, shown):
    assert RuleMessage(rule_id=rule_id, flag="fatal", location="", text=written).shown_text \
        == shown


# -- 6. smaller wording -------------------------------------------------------------------------


def test_it_says_what_a_client_document_id_must_be(live_server, http, acme_key):
    response = send(http, live_server, acme_key, invoice(), client_id="has space")

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "A client document id must be 6 to 100 visible ASCII characters, without spaces.")


def test_it_answers_the_id_asked_for_without_its_surrounding_spaces(live_server, http,
                                                                   acme_key, receiver):
    response = call(http, "POST", live_server, "/api/v1/recipients", acme_key,
                    json={"identifiers": [" 0106:87654321 "]})

    assert response.status_code == 200
    assert response.json()[0]["asked"] == "0106:87654321"


@pytest.mark.parametrize("box", ["outbox", "inbox"])
def test_it_lists_nothing_while_a_filter_is_not_valid(client, cast, box):
    sender = make_sender(cast)
    direction = Direction.OUTGOING if box == "outbox" else Direction.INCOMING
    Document.store(organization=sender, direction=direction, status=Status.CREATED
                   if box == "outbox" else Status.RECEIVED, content=invoice("LISTED-1"),
                   channel=Channel.TEST if box == "outbox" else Channel.PEPPOL,
                   number="LISTED-1")
    client.force_login(cast.admin)
    base = f"/organizations/{sender.pk}/{box}/"

    invalid = text(client.get(base + "?date_from=garbage"))
    valid = text(client.get(base + "?date_from=2000-01-01"))

    assert 'id="id_date_from_error"' in invalid
    assert ">LISTED-1<" not in invalid
    assert 'id="documents-filter-invalid"' in invalid
    assert "Nothing is listed while a filter is not valid: correct it above." in invalid
    assert "No documents sent yet" not in invalid and "No documents received yet" not in invalid
    assert ">LISTED-1<" in valid and 'id="documents-filter-invalid"' not in valid
    # Nor is an export made without the filter.
    export = client.get(base + "?date_from=garbage&export=csv")
    assert export["Content-Type"].startswith("text/html")
