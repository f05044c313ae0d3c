"""The SOAP v3.1 operations, driven with zeep from the served WSDL as an ERP would: Login,
SendDocument, GetInboxDocuments, GetInboxDocument and SetInboxDocumentStatus, and their
faults."""

import ast
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import zeep
import zeep.transports
from django.core import mail
from django.utils import timezone
from lxml import etree
from zeep.exceptions import Fault

from invoices.api import soap as soap_module
from invoices.api.soap import FAULT_REASONS
from invoices.models import Document, Status
from invoices.peppol.smp import INVOICE_DOCUMENT_TYPE
from onboarding.api import api31
from onboarding.api.authentication import Refusal
from onboarding.models import (
    ConnectionKey,
    Software,
    Subscription,
    change_subscription,
    entitlements,
)
from tests.invoices.conftest import invoice, make_receiver
from tests.standins.dns_smp import PeppolNetwork

pytestmark = pytest.mark.django_db(transaction=True)

V31 = "http://api.everbinding.nl/v3_1/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


@pytest.fixture
def receiver(cast):
    return make_receiver(cast)


@pytest.fixture
def receiver_key(receiver, cast):
    return ConnectionKey.issue(organization=receiver, software=Software.ACCEPT,
                               by=cast.client_admin)


@pytest.fixture
def soap(live_server):
    return zeep.Client(f"{live_server.url}/api/api31?wsdl").service


def login(soap, issued):
    return soap.Login(AppKey=issued.key.app_key, SecretKey=issued.secret).SecurityToken


def token_header(token):
    return {"_soapheaders": {"SecurityToken": token}}


def payload(data: bytes) -> str:
    """The XML without its prolog, as SendDocument takes it."""
    text = data.decode()
    return text.split("?>", 1)[1].lstrip() if text.startswith("<?xml") else text


def reason(fault: Fault) -> str:
    return fault.detail.findtext(f"{{{V31}}}FaultDetail/{{{V31}}}Reason")


def send(soap, token, data, receiver="0106:87654321", **extra):
    return soap.SendDocument(ReceiverIdentifier=receiver, Subject="Invoice",
                             Payload=payload(data), **extra, **token_header(token))


def test_it_serves_a_wsdl_for_the_endpoint(live_server):
    response = requests.get(f"{live_server.url}/api/api31?wsdl", timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = etree.fromstring(response.content)
    assert root.get("targetNamespace") == V31
    location = root.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address").get("location")
    assert location == f"{live_server.url}/api/api31"
    # Each operation says what it does, the statuses it sets and how it reads a moment.
    wsdl = "{http://schemas.xmlsoap.org/wsdl/}"
    documented = {operation.get("name"): operation.findtext(f"{wsdl}documentation")
                  for operation in root.find(f"{wsdl}portType")}
    assert all(documented.values()), documented
    assert "Downloaded, Opened, UnderReview" in documented["SetInboxDocumentStatus"]
    assert "Dutch time" in documented["GetInboxDocuments"]
    assert "without its XML declaration" in documented["GetInboxDocument"]
    # The fault codes and the limits are written down where a client's author reads them.
    fault = next(message for message in root.findall(f"{wsdl}message")
                 if message.get("name") == "Fault")
    assert "receiver-not-reachable: The receiver is neither" in \
        fault.findtext(f"{wsdl}documentation")
    service = root.find(f"{wsdl}service").findtext(f"{wsdl}documentation")
    assert "limited to 120/min per connection key" in service and "10 MB" in service


def test_it_documents_every_fault_reason_the_endpoint_gives():
    """Each code that a fault's FaultDetail/Reason may hold, as the code writes it, is in the
    WSDL's list."""
    given = {refusal.value for refusal in Refusal}
    # The connection test's refusals for the subscription, returned as (code, message).
    for node in ast.walk(ast.parse(Path(entitlements.__file__).read_text())):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and \
                isinstance(node.value.elts[0], ast.Constant):
            given.add(node.value.elts[0].value)
    for module in (soap_module, api31):
        tree = ast.parse(Path(module.__file__).read_text())
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "Fault" \
                    and len(call.args) >= 3 and isinstance(call.args[2], ast.Constant):
                given.add(call.args[2].value)
    # The conditional ones: ("too-large" if ... else "bad-request").
    for module in (soap_module, api31):
        for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
            if isinstance(node, ast.IfExp) and all(
                    isinstance(side, ast.Constant) and isinstance(side.value, str)
                    and re.fullmatch(r"[a-z]+(-[a-z]+)+", side.value)
                    for side in (node.body, node.orelse)):
                given |= {node.body.value, node.orelse.value}

    assert len(given) > 30, given
    assert given - set(FAULT_REASONS) == set()


def test_it_runs_the_whole_cycle_of_sending_and_fetching(soap, acme, acme_key, receiver,
                                                        receiver_key):
    data = invoice("F-SOAP-1")
    sent = send(soap, login(soap, acme_key), data)

    outgoing = Document.objects.outbox().get()
    assert sent.ExternalId == str(outgoing.delivery_id)
    assert sent.DocumentId == outgoing.pk
    assert outgoing.status == Status.DELIVERED
    assert outgoing.channel == "connection_key"
    assert outgoing.connection_key == acme_key.key

    token = login(soap, receiver_key)
    inbox = soap.GetInboxDocuments(Page=1, PageSize=10, **token_header(token))
    assert inbox.HasMore is False
    [listed] = inbox.Documents.Document
    assert listed.ExternalId == sent.ExternalId
    assert (listed.Number, listed.SenderIdentifier, listed.Status) == (
        "F-SOAP-1", "0106:12345678", "Received")

    fetched = soap.GetInboxDocument(ExternalId=sent.ExternalId, **token_header(token))
    assert fetched.Payload == payload(data)
    assert fetched.Payload.encode() == bytes(Document.objects.inbox().get().content)
    assert fetched.Number == "F-SOAP-1"

    marked = soap.SetInboxDocumentStatus(ExternalId=sent.ExternalId, Status="Downloaded",
                                         **token_header(token))
    assert marked.Status == "Downloaded"
    incoming = Document.objects.inbox().get()
    assert incoming.status == Status.DOWNLOADED and incoming.downloaded_at is not None


def declared(data: bytes, encoding: str) -> bytes:
    """`data` (a UBL invoice) written in `encoding`, with a declaration that says so."""
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n' + payload(data)).encode(encoding)


def test_it_stores_a_payload_that_declares_another_encoding_as_the_text_it_is(
        soap, acme, acme_key, receiver, receiver_key):
    data = invoice("F-LATIN-1", supplier_name="Démo Bäckerei BV")
    # The SOAP message is the text's encoding: the declaration inside the payload misstates it.
    sent = soap.SendDocument(
        ReceiverIdentifier="0106:87654321", Subject="Invoice",
        Payload=declared(data, "ISO-8859-1").decode("iso-8859-1"),
        **token_header(login(soap, acme_key)))

    assert sent.ExternalId
    incoming = Document.objects.inbox().get()
    assert incoming.counterparty_name == "Démo Bäckerei BV"
    assert bytes(incoming.content) == payload(data).encode()
    fetched = soap.GetInboxDocument(ExternalId=sent.ExternalId,
                                    **token_header(login(soap, receiver_key)))
    assert fetched.Payload == payload(data)


@pytest.mark.parametrize("encoding", ["UTF-16", "ISO-8859-1", "UTF-8"])
def test_it_gives_a_received_document_as_text_whatever_its_encoding(
        live_server, soap, acme, acme_key, receiver, receiver_key, encoding):
    data = invoice("F-ENCODED", supplier_name="Démo Bäckerei BV")
    stored = declared(data, encoding)
    # Sent by the REST API, which stores the bytes exactly as they came.
    response = requests.post(
        f"{live_server.url}/api/v1/documents", data=stored, timeout=10,
        headers={"Content-Type": "application/xml"},
        auth=(acme_key.key.app_key, acme_key.secret))
    assert response.status_code == 202, response.text
    assert bytes(Document.objects.inbox().get().content) == stored

    fetched = soap.GetInboxDocument(ExternalId=response.json()["delivery_id"],
                                    **token_header(login(soap, receiver_key)))

    assert fetched.Payload == payload(data)
    assert "Démo Bäckerei BV" in fetched.Payload


def test_it_says_a_payload_is_not_an_invoice(soap, acme_key, receiver):
    with pytest.raises(Fault) as refused:
        send(soap, login(soap, acme_key), b"<Order><ID>1</ID></Order>")

    assert reason(refused.value) == "not-an-invoice"
    assert refused.value.message == ("The Payload is not a UBL Invoice or CreditNote: its root "
                                     "element is Order.")
    assert not Document.objects.exists()


def test_it_refuses_a_login_with_a_wrong_secret(soap, acme_key):
    with pytest.raises(Fault) as refused:
        soap.Login(AppKey=acme_key.key.app_key, SecretKey="pps_guess")

    assert refused.value.code.endswith("Client")
    assert reason(refused.value) == "invalid-credentials"
    assert "do not match" in refused.value.message


def test_it_asks_for_the_security_token(soap, acme_key):
    with pytest.raises(Fault) as refused:
        soap.GetInboxDocuments(Page=1)

    assert reason(refused.value) == "token-missing"
    assert "Login" in refused.value.message


@pytest.mark.parametrize("spoil, expected", [
    (lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "token-invalid"),
    (lambda token: "ppk_nosuchkey:" + token.split(":", 1)[1], "token-invalid"),
])
def test_it_refuses_a_tampered_token(soap, acme_key, spoil, expected):
    token = spoil(login(soap, acme_key))
    with pytest.raises(Fault) as refused:
        soap.GetInboxDocuments(Page=1, **token_header(token))

    assert reason(refused.value) == expected


def test_it_ends_the_token_with_a_revoked_key(soap, cast, acme_key):
    token = login(soap, acme_key)
    acme_key.key.revoke(cast.admin)

    with pytest.raises(Fault) as refused:
        soap.GetInboxDocuments(Page=1, **token_header(token))

    assert reason(refused.value) == "key-revoked"


def test_it_ends_the_token_when_the_plan_no_longer_has_api_access(soap, cast, acme_key):
    token = login(soap, acme_key)
    change_subscription(cast.company, cast.sales, Subscription.INVOICE_PORTAL)

    with pytest.raises(Fault) as refused:
        soap.GetInboxDocuments(Page=1, **token_header(token))

    assert reason(refused.value) == "plan-without-api-access"


def test_it_lets_a_token_expire(soap, settings, acme_key):
    token = login(soap, acme_key)
    settings.SOAP_TOKEN_HOURS = -1

    with pytest.raises(Fault) as refused:
        soap.GetInboxDocuments(Page=1, **token_header(token))

    assert reason(refused.value) == "token-expired"


def look_up_in(network, settings):
    """Receivers are looked up in `network`'s SML and SMP stand-ins."""
    sml = network.sml_settings()
    settings.PEPPOL_SML_ZONE = sml["zone"]
    settings.PEPPOL_DNS_SERVERS = sml["nameservers"]
    settings.PEPPOL_DNS_PORT = sml["port"]


def test_it_refuses_a_receiver_that_cannot_be_reached_without_an_email(
        soap, settings, acme_key):
    with PeppolNetwork() as network:
        network.register("0106", "55556666", [INVOICE_DOCUMENT_TYPE])
        look_up_in(network, settings)
        token = login(soap, acme_key)
        with pytest.raises(Fault) as refused:
            send(soap, token, invoice(customer_kvk="99998888"), receiver="0106:99998888")
        with_email = send(soap, token, invoice("F-2", customer_kvk="99998888"),
                          receiver="0106:99998888", ReceiverEmail="ap@example.nl")
        on_peppol = send(soap, token, invoice("F-3", customer_kvk="55556666"),
                         receiver="0106:55556666")

    assert reason(refused.value) == "receiver-not-reachable"
    assert "0106:99998888" in refused.value.message
    mailed = Document.objects.get(delivery_id=with_email.ExternalId)
    # Nothing here sends over Peppol: the fallback address gets it.
    assert (mailed.receiver_email, mailed.status) == ("ap@example.nl", Status.DELIVERED)
    assert [m.attachments[0][0] for m in mail.outbox if m.to == ["ap@example.nl"]] == [
        "F-2.xml"]
    assert Document.objects.filter(delivery_id=on_peppol.ExternalId).exists()
    assert Document.objects.count() == 2


def test_it_sends_for_a_debtor_without_a_kvk_number_under_the_dummy_number_by_email(
        soap, settings, acme_key):
    with PeppolNetwork() as network:
        look_up_in(network, settings)
        token = login(soap, acme_key)
        # Accept leaves the identifier out for a debtor without a KvK number.
        with pytest.raises(Fault) as refused:
            soap.SendDocument(Payload=payload(invoice(customer_kvk="99999998")),
                              **token_header(token))
        sent = soap.SendDocument(Payload=payload(invoice("F-2", customer_kvk="99999998")),
                                 ReceiverEmail="hoek@example.nl", **token_header(token))

    assert reason(refused.value) == "receiver-not-reachable"
    assert refused.value.message == (
        "Without a ReceiverIdentifier the dummy number 0106:99999998 is used, which nobody "
        "receives for on Peppol: give the debtor's invoice email address in ReceiverEmail.")
    mailed = Document.objects.get(delivery_id=sent.ExternalId)
    assert (mailed.receiver_scheme, mailed.receiver_value) == ("0106", "99999998")
    assert (mailed.receiver_email, mailed.status) == ("hoek@example.nl", Status.DELIVERED)
    assert Document.objects.count() == 1


def test_it_mails_at_most_the_days_number_of_documents_for_an_organization(
        soap, settings, acme_key, receiver):
    settings.RECEIVER_EMAILS_PER_DAY = 1
    with PeppolNetwork() as network:
        look_up_in(network, settings)
        token = login(soap, acme_key)
        send(soap, token, invoice("F-1", customer_kvk="99998888"), receiver="0106:99998888",
             ReceiverEmail="ap@example.nl")
        with pytest.raises(Fault) as refused:
            send(soap, token, invoice("F-2", customer_kvk="99998888"),
                 receiver="0106:99998888", ReceiverEmail="other@example.nl")
        # A receiver on the platform is not mailed, so the day's number does not stop it.
        on_platform = send(soap, token, invoice("F-3"), ReceiverEmail="ap@example.nl")

    assert reason(refused.value) == "email-limit"
    assert refused.value.message.startswith("At most 1 document a day goes by email")
    assert Document.objects.outbox().get(delivery_id=on_platform.ExternalId).receiver_email == ""
    assert [m.to for m in mail.outbox if m.attachments] == [["ap@example.nl"]]


@pytest.mark.parametrize("address", ["not-an-email", "a@b@example.nl", "x" * 250 + "@example.nl"])
def test_it_refuses_a_receiver_email_that_is_no_address(soap, acme_key, address):
    with pytest.raises(Fault) as refused:
        send(soap, login(soap, acme_key), invoice(customer_kvk="99998888"),
             receiver="0106:99998888", ReceiverEmail=address)

    assert reason(refused.value) == "invalid-field"
    assert refused.value.message.startswith("ReceiverEmail is not an email address: ")
    assert not Document.objects.exists()


def test_it_refuses_to_send_for_an_identifier_that_is_not_the_organizations(
        soap, acme_key, receiver):
    with pytest.raises(Fault) as refused:
        send(soap, login(soap, acme_key), invoice(supplier_kvk="11112222"))

    assert reason(refused.value) == "no-right-to-send"
    assert "0106:11112222" in refused.value.message
    assert not Document.objects.exists()


def test_it_refuses_a_receiver_that_is_not_the_documents_buyer(soap, acme_key, receiver):
    with pytest.raises(Fault) as refused:
        send(soap, login(soap, acme_key), invoice(), receiver="0106:11112222")

    assert reason(refused.value) == "receiver-mismatch"


def test_it_names_the_buyers_endpoint_when_the_receiver_identifier_is_left_out(
        soap, acme_key, receiver):
    with pytest.raises(Fault) as refused:
        soap.SendDocument(Payload=payload(invoice()),
                          **token_header(login(soap, acme_key)))

    assert reason(refused.value) == "receiver-mismatch"
    assert refused.value.message == (
        "Without a ReceiverIdentifier the dummy number 0106:99999998 is used, but the buyer's "
        "Endpoint-ID in the document is 0106:87654321: send that as ReceiverIdentifier.")


def test_it_writes_statuses_in_the_platforms_words_whatever_the_language_asked(
        live_server, acme_key, receiver_key):
    session = requests.Session()
    session.headers["Accept-Language"] = "nl"
    dutch = zeep.Client(f"{live_server.url}/api/api31?wsdl",
                        transport=zeep.transports.Transport(session=session)).service

    sent = send(dutch, login(dutch, acme_key), invoice())
    token = login(dutch, receiver_key)
    [listed] = dutch.GetInboxDocuments(Page=1, PageSize=10, **token_header(token)) \
        .Documents.Document
    fetched = dutch.GetInboxDocument(ExternalId=sent.ExternalId, **token_header(token))
    reviewed = dutch.SetInboxDocumentStatus(ExternalId=sent.ExternalId, Status="UnderReview",
                                            **token_header(token))
    with pytest.raises(Fault) as refused:
        dutch.SetInboxDocumentStatus(ExternalId=sent.ExternalId, Status="Kwijt",
                                     **token_header(token))

    assert (sent.Status, listed.Status, fetched.Status, reviewed.Status) == (
        "Delivered", "Received", "Received", "Under review")
    # Messages for people are in the language asked for.
    assert refused.value.message.startswith("Status kan op Downloaded, ")


def test_it_refuses_a_payload_that_is_not_xml(soap, acme_key, receiver):
    with pytest.raises(Fault) as refused:
        soap.SendDocument(ReceiverIdentifier="0106:87654321", Payload="not xml",
                          **token_header(login(soap, acme_key)))

    assert reason(refused.value) == "document-unreadable"


def test_it_takes_a_payload_over_ten_million_characters_within_the_limit(soap, acme_key,
                                                                          receiver):
    from tests.invoices.conftest import with_attachment

    data = with_attachment(invoice("F-BIG"), b"%PDF-1.4\n" + b"0" * 7_700_000)

    sent = send(soap, login(soap, acme_key), data)

    assert Document.objects.outbox().get(delivery_id=sent.ExternalId).size == \
        len(payload(data).encode())
    assert sent.Status == "Delivered"


def test_it_says_a_payload_over_the_limit_is_too_large(soap, acme_key, receiver):
    from tests.invoices.conftest import with_attachment

    data = with_attachment(invoice("F-BIG"), b"%PDF-1.4\n" + b"0" * 8_500_000)

    with pytest.raises(Fault) as refused:
        send(soap, login(soap, acme_key), data)

    assert reason(refused.value) == "document-too-large"
    assert "larger than 10 MB" in refused.value.message
    assert not Document.objects.exists()


def test_it_answers_an_unknown_document_with_a_fault(soap, acme_key, receiver_key):
    send(soap, login(soap, acme_key), invoice())
    sent = Document.objects.outbox().get()
    token = login(soap, acme_key)

    for external_id in (str(uuid.uuid4()), "not-an-id", str(sent.delivery_id)):
        with pytest.raises(Fault) as refused:
            soap.GetInboxDocument(ExternalId=external_id, **token_header(token))
        assert reason(refused.value) == "unknown-document"
        with pytest.raises(Fault):
            soap.SetInboxDocumentStatus(ExternalId=external_id, Status="Downloaded",
                                        **token_header(token))
    assert Document.objects.inbox().get().status == Status.RECEIVED


def test_it_says_a_held_duplicate_is_held_rather_than_unknown(soap, acme_key, receiver_key):
    token = login(soap, acme_key)
    send(soap, token, invoice("F-1"))
    send(soap, token, invoice("F-1"))
    held = Document.objects.inbox().get(status=Status.DUPLICATE)

    with pytest.raises(Fault) as refused:
        soap.GetInboxDocument(ExternalId=str(held.delivery_id),
                              **token_header(login(soap, receiver_key)))

    assert reason(refused.value) == "document-held"
    assert "held as a possible duplicate" in refused.value.message


def test_it_pages_the_inbox_from_a_date_and_leaves_duplicates_out(soap, acme_key,
                                                                  receiver_key):
    token = login(soap, acme_key)
    for number in ("F-1", "F-2", "F-3", "F-3"):
        send(soap, token, invoice(number))
    old = Document.objects.inbox().get(number="F-1")
    Document.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=5))
    token = login(soap, receiver_key)

    first = soap.GetInboxDocuments(Page=1, PageSize=2, **token_header(token))
    second = soap.GetInboxDocuments(Page=2, PageSize=2, **token_header(token))
    recent = soap.GetInboxDocuments(CreatedFrom=timezone.now() - timedelta(days=1),
                                    **token_header(token))

    assert [d.Number for d in first.Documents.Document] == ["F-1", "F-2"]
    assert first.HasMore is True
    assert [d.Number for d in second.Documents.Document] == ["F-3"]
    assert second.HasMore is False
    assert [d.Number for d in recent.Documents.Document] == ["F-2", "F-3"]
    assert Document.objects.inbox().filter(status=Status.DUPLICATE).count() == 1


def test_it_sets_the_processing_statuses_and_rejects_with_a_reason(soap, acme_key,
                                                                   receiver_key):
    sent = send(soap, login(soap, acme_key), invoice())
    token = login(soap, receiver_key)

    answers = [soap.SetInboxDocumentStatus(ExternalId=sent.ExternalId, Status=word,
                                           **token_header(token)).Status
               for word in ("Opened", "UnderReview", "approved for payment", "Approved")]
    rejected = soap.SetInboxDocumentStatus(ExternalId=sent.ExternalId, Status="Rejected",
                                           Reason="Wrong order number",
                                           **token_header(token))

    assert answers == ["Opened", "Under review", "Approved for payment", "Approved"]
    assert rejected.Status == "Rejected"
    received = Document.objects.inbox().get()
    assert (received.status, received.status_reason) == (Status.REJECTED,
                                                         "Wrong order number")
    outgoing = Document.objects.outbox().get()
    assert outgoing.status_reason == "Rejected by Bakery Client BV: Wrong order number"


def test_it_refuses_a_status_it_does_not_know_or_a_rejection_without_reason(
        soap, acme_key, receiver_key):
    sent = send(soap, login(soap, acme_key), invoice())
    token = login(soap, receiver_key)
    with pytest.raises(Fault) as unknown:
        soap.SetInboxDocumentStatus(ExternalId=sent.ExternalId, Status="Delivered",
                                    **token_header(token))
    with pytest.raises(Fault) as no_reason:
        soap.SetInboxDocumentStatus(ExternalId=sent.ExternalId, Status="Rejected",
                                    **token_header(token))

    assert reason(unknown.value) == "invalid-status"
    assert "UnderReview" in unknown.value.message
    assert reason(no_reason.value) == "invalid-field"
    assert no_reason.value.message == "Give the reason for rejecting."
    assert Document.objects.inbox().get().status == Status.RECEIVED


def test_it_still_answers_the_api31_connection_test(live_server, acme, bc_key):
    from tests.api.test_api31 import API31, envelope

    response = requests.post(
        f"{live_server.url}/api/api31", timeout=10,
        data=envelope(bc_key.key.app_key, bc_key.secret, acme.company_id,
                      acme.subscription_key),
        headers={"Content-Type": "text/xml; charset=utf-8",
                 "SOAPAction": f'"{API31}/TestConnection"'})

    assert response.status_code == 200
    assert b"TestConnectionResponse" in response.content


def test_it_answers_an_operation_in_the_body_without_a_soap_action(live_server, acme_key):
    body = (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:v="{V31}"><soapenv:Body>'
            f"<v:Login><v:AppKey>{acme_key.key.app_key}</v:AppKey>"
            f"<v:SecretKey>{acme_key.secret}</v:SecretKey></v:Login>"
            "</soapenv:Body></soapenv:Envelope>")
    response = requests.post(f"{live_server.url}/api/api31", data=body.encode(), timeout=10,
                             headers={"Content-Type": "text/xml; charset=utf-8"})

    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.findtext(f".//{{{V31}}}SecurityToken").startswith(acme_key.key.app_key)


def test_it_tells_a_large_call_without_a_soap_action_to_name_its_operation(live_server,
                                                                          acme_key):
    body = (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:v="{V31}"><soapenv:Body>'
            f"<v:SendDocument><v:Payload>{'x' * 70_000}</v:Payload></v:SendDocument>"
            "</soapenv:Body></soapenv:Envelope>")
    response = requests.post(f"{live_server.url}/api/api31", data=body.encode(), timeout=10,
                             headers={"Content-Type": "text/xml; charset=utf-8"})

    assert response.status_code == 413
    root = etree.fromstring(response.content)
    assert root.findtext(".//{*}Reason") == "too-large"
    assert root.findtext(".//faultstring") == (
        "The request is larger than a connection test can be. Calls of the v3.1 API name "
        "their operation in the SOAPAction header; without it, a call is limited as a "
        "connection test is.")


def inbox_page_envelope(token, page) -> bytes:
    return (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:v="{V31}"><soapenv:Header>'
            f"<v:SecurityToken>{token}</v:SecurityToken></soapenv:Header><soapenv:Body>"
            f"<v:GetInboxDocuments><v:Page>{page}</v:Page></v:GetInboxDocuments>"
            "</soapenv:Body></soapenv:Envelope>").encode()


def test_it_refuses_a_page_beyond_any_inbox_as_the_callers_mistake(live_server, soap,
                                                                    acme_key):
    response = requests.post(f"{live_server.url}/api/api31", timeout=10,
                             data=inbox_page_envelope(login(soap, acme_key), 10 ** 20),
                             headers={"Content-Type": "text/xml; charset=utf-8"})

    root = etree.fromstring(response.content)
    assert root.findtext(".//faultcode") == "soapenv:Client"
    assert root.findtext(".//faultstring") == (
        "Page is 1 to 1,000,000,000; PageSize is 1 to 500.")
    assert root.findtext(f".//{{{V31}}}Reason") == "invalid-field"


def test_it_answers_an_unexpected_error_with_a_server_fault_of_the_operations_own_kind(
        soap, acme_key, monkeypatch):
    from invoices.api import soap as v31

    def broken(key, fields):
        raise RuntimeError("the inbox could not be read")

    monkeypatch.setitem(v31.OPERATIONS, "GetInboxDocuments", broken)
    with pytest.raises(Fault) as failed:
        soap.GetInboxDocuments(**token_header(login(soap, acme_key)))

    assert failed.value.code == "soapenv:Server"
    assert failed.value.message == ("The server could not answer this request. It was "
                                    "logged; please try again later.")
    assert reason(failed.value) == "server-error"
