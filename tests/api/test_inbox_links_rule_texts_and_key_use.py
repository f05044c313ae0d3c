"""What the documents API answered wrong: a download address for received documents whose
download answers 409, validation messages that repeated their rule id in front of the text,
and SOAP inbox calls that noted the key's use twice."""

import pytest
import zeep
from zeep.exceptions import Fault

from invoices.models import Direction, Document, Status
from onboarding.models import ConnectionKey
from tests.api import test_documents_api
from tests.api.test_documents_api import call, send
from tests.api.test_documents_walk_fixes import STORED_REPORT
from tests.invoices.conftest import invoice, received_over_peppol

pytestmark = pytest.mark.django_db(transaction=True)

receiver = test_documents_api.receiver
receiver_key = test_documents_api.receiver_key
delivered = test_documents_api.delivered


# -- 1. a download address only where the download gives the document ------------------------


def listed(http, live_server, issued, query):
    response = call(http, "GET", live_server, f"/api/v1/inbox{query}", issued)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_it_gives_a_download_address_only_where_the_download_answers_200(
        live_server, http, cast, acme_key, receiver, receiver_key, delivered):
    # The same invoice again: held as a possible duplicate.
    assert send(http, live_server, acme_key, invoice()).status_code == 202
    duplicate = Document.objects.get(direction=Direction.INCOMING, status=Status.DUPLICATE)
    rejected = received_over_peppol(receiver, "F-REJECTED")
    rejected.reject(cast.client_admin, "Wrong price")

    with_duplicates = listed(http, live_server, receiver_key, "?include_duplicates=true")
    only_rejected = listed(http, live_server, receiver_key, "?status=rejected")

    assert [(d["id"], d["status"], d["download"]) for d in with_duplicates] == [
        (duplicate.pk, "duplicate", None),
        (delivered.pk, "received", f"/api/v1/inbox/{delivered.pk}/download")]
    assert [(d["id"], d["status"], d["download"]) for d in only_rejected] == [
        (rejected.pk, "rejected", None)]
    # The field is there for each, so that a client reads every item alike.
    assert all("download" in d for d in [*with_duplicates, *only_rejected])
    for document in (duplicate, rejected):
        one = call(http, "GET", live_server, f"/api/v1/inbox/{document.pk}", receiver_key)
        assert (one.status_code, one.json()["download"]) == (200, None)
        refused = call(http, "GET", live_server, f"/api/v1/inbox/{document.pk}/download",
                       receiver_key)
        assert refused.status_code == 409
    given = call(http, "GET", live_server, with_duplicates[1]["download"], receiver_key)
    assert given.status_code == 200
    assert given.content == bytes(Document.objects.get(pk=delivered.pk).content)


def test_it_answers_a_document_it_just_rejected_without_a_download_address(
        live_server, http, receiver_key, delivered):
    marked = call(http, "POST", live_server, f"/api/v1/inbox/{delivered.pk}/downloaded",
                  receiver_key)
    rejected = call(http, "POST", live_server, f"/api/v1/inbox/{delivered.pk}/rejected",
                    receiver_key, json={"reason": "No such order"})

    assert marked.json()["download"] == f"/api/v1/inbox/{delivered.pk}/download"
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    assert rejected.json()["download"] is None


def test_the_openapi_document_says_when_the_download_address_is_null(client):
    document = client.get("/api/schema/",
                          HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    download = document["components"]["schemas"]["ReceivedDocument"]["properties"]["download"]
    assert download["type"] == ["string", "null"]
    assert "null while the download would answer 409" in download["description"]
    assert "duplicate" in download["description"] and "rejected" in download["description"]


# -- 2. validation messages without the rule id repeated in front ----------------------------


def test_it_answers_validation_messages_without_the_rule_id_the_official_text_repeats(
        live_server, http, acme_key, receiver):
    response = send(http, live_server, acme_key, invoice("V-1"))
    sent = Document.objects.get(pk=response.json()["id"])
    Document.objects.filter(pk=sent.pk).update(validation=STORED_REPORT)

    status = call(http, "GET", live_server, response.headers["Location"], acme_key).json()

    assert [(m["rule_id"], m["flag"], m["text"]) for m in status["messages"]] == [
        ("BR-CO-16", "fatal", "Amount due for payment (BT-115) = Invoice total amount with VAT "
                              "(BT-112) -Paid amount (BT-113) +Rounding amount (BT-114)."),
        ("BR-21", "fatal", "Each Invoice line (BG-25) shall have an Invoice line identifier "
                           "(BT-126)."),
        ("PEPPOL-EN16931-R003", "fatal",
         "A buyer reference or purchase order reference MUST be provided."),
        # Another rule's id is no repetition: it stays.
        ("BR-NL-19", "warning", "[BR-XX-1]-Another rule's words stay as written.")]
    assert status["messages"][0]["location"] == "/ubl:Invoice[1]/cac:LegalMonetaryTotal[1]"
    # What is stored stays as the rules wrote it.
    sent.refresh_from_db()
    assert sent.validation == STORED_REPORT


def test_no_message_the_rules_give_comes_with_its_rule_id_in_front(live_server, http,
                                                                     acme_key, receiver):
    # An amount due that does not add up fails BR-CO-16, whose official text starts
    # "[BR-CO-16]-".
    data = invoice("V-2").replace(b'<cbc:PayableAmount currencyID="EUR">',
                                  b'<cbc:PayableAmount currencyID="EUR">1', 1)
    response = send(http, live_server, acme_key, data)

    status = call(http, "GET", live_server, response.headers["Location"], acme_key).json()
    stored = Document.objects.get(pk=response.json()["id"]).validation["messages"]

    assert status["status"] == "refused" and status["messages"]
    # The official texts do repeat the rule id: the answer leaves it out.
    assert any(m["text"].startswith(f"[{m['rule_id']}]") for m in stored)
    for message in status["messages"]:
        assert message["rule_id"] and message["text"]
        assert not message["text"].startswith(f"[{message['rule_id']}]"), message


# -- 3. a SOAP inbox call notes the key's use once --------------------------------------------


def test_soap_notes_each_call_once_and_an_inbox_read_as_a_fetch(
        live_server, monkeypatch, receiver_key, delivered):
    noted = []
    record_use = ConnectionKey.record_use

    def counted(pk, **kwargs):
        noted.append("fetched" if kwargs.get("fetched") else
                     "tested" if kwargs.get("tested") else "used")
        return record_use(pk, **kwargs)

    monkeypatch.setattr(ConnectionKey, "record_use", staticmethod(counted))
    soap = zeep.Client(f"{live_server.url}/api/api31?wsdl").service
    token = soap.Login(AppKey=receiver_key.key.app_key,
                       SecretKey=receiver_key.secret).SecurityToken
    header = {"_soapheaders": {"SecurityToken": token}}
    assert noted == ["tested"]

    listed = soap.GetInboxDocuments(**header)
    assert [d.Number for d in listed.Documents.Document] == [delivered.number]
    assert noted[1:] == ["fetched"]
    assert ConnectionKey.objects.get(pk=receiver_key.key.pk).first_fetched_at is not None
    soap.GetInboxDocument(ExternalId=str(delivered.delivery_id), **header)
    assert noted[2:] == ["fetched"]
    soap.SetInboxDocumentStatus(ExternalId=str(delivered.delivery_id), Status="Opened",
                                **header)
    assert noted[3:] == ["used"]
    # A fault is a use of the key, not a fetch.
    with pytest.raises(Fault):
        soap.GetInboxDocuments(PageSize=0, **header)
    with pytest.raises(Fault):
        soap.GetInboxDocument(ExternalId="not-an-id", **header)
    assert noted[4:] == ["used", "used"]
    # A token that is not valid is no use of the key at all.
    with pytest.raises(Fault):
        soap.GetInboxDocuments(_soapheaders={"SecurityToken": token + "x"})
    assert len(noted) == 6
