"""Odd requests to the SOAP endpoint are the caller's fault: each answer is a response or a
fault that says so (Client, or VersionMismatch for another SOAP version), never a Server
fault, whatever the operation is asked with."""

import logging

import pytest
from django.test import Client
from lxml import etree

from invoices.api.soap import issue_token
from onboarding.api import keycache
from tests.api.test_soap_v31 import receiver  # noqa: F401 - fixture
from tests.invoices.conftest import invoice

pytestmark = pytest.mark.django_db

V31 = "http://api.everbinding.nl/v3_1/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TOKEN = "{token}"


def envelope(body: str, token: str = TOKEN) -> str:
    header = f"<v:SecurityToken>{token}</v:SecurityToken>" if token is not None else ""
    return (f'<s:Envelope xmlns:s="{SOAP_ENV}" xmlns:v="{V31}"><s:Header>{header}</s:Header>'
            f"<s:Body>{body}</s:Body></s:Envelope>")


def inbox(**fields) -> str:
    return envelope("<v:GetInboxDocuments>" + "".join(
        f"<v:{name}>{value}</v:{name}>" for name, value in fields.items())
        + "</v:GetInboxDocuments>")


def sending(to: str, payload: str) -> str:
    return envelope(f"<v:SendDocument><v:ReceiverIdentifier>{to}</v:ReceiverIdentifier>"
                    f"<v:Payload>{payload}</v:Payload></v:SendDocument>")


def status(external_id: str, value: str = "Downloaded") -> str:
    return envelope(f"<v:SetInboxDocumentStatus><v:ExternalId>{external_id}</v:ExternalId>"
                    f"<v:Status>{value}</v:Status></v:SetInboxDocumentStatus>")


UBL = invoice("ODD-1").decode().split("?>", 1)[1]
ODD = {
    "an empty body": "",
    "no XML": "not xml",
    "unclosed XML": "<a>",
    "an empty envelope": envelope(""),
    "an unknown operation": envelope("<v:Nope/>"),
    "a login without its fields": envelope("<v:Login/>", token=None),
    "a login with a very long App Key": envelope(
        f"<v:Login><v:AppKey>{'a' * 100_000}</v:AppKey><v:SecretKey>x</v:SecretKey></v:Login>",
        token=None),
    "a page that is no number": inbox(Page="abc"),
    "a page with an underscore": inbox(Page="1_0"),
    "a page in full-width digits": inbox(Page="１"),
    "a page beyond any database offset": inbox(Page="9" * 25),
    "a page of more digits than Python converts": inbox(Page="9" * 5000),
    "a page size of more digits than Python converts": inbox(PageSize="-" + "9" * 5000),
    "a page size of 0": inbox(PageSize="0"),
    "a page that is an element": inbox(Page="<x>1</x>"),
    "a moment that is no date": inbox(CreatedFrom="zzz"),
    "a day no month has": inbox(CreatedFrom="2026-02-30"),
    "a day and time no month has": inbox(CreatedFrom="2026-13-01T08:00:00Z"),
    "the last moment there is": inbox(CreatedFrom="9999-12-31T23:59:59+14:00"),
    "the first moment there is": inbox(CreatedFrom="0001-01-01T00:00:00-12:00"),
    "the first day, before UTC has it": inbox(CreatedFrom="0001-01-01"),
    "the last moment, after UTC has it": inbox(CreatedFrom="9999-12-31T23:59:59-01:00"),
    "a document id that is no id": envelope(
        "<v:GetInboxDocument><v:ExternalId>zzz</v:ExternalId></v:GetInboxDocument>"),
    "a document without its id": envelope("<v:GetInboxDocument/>"),
    "a status for a document id that is no id": status("zzz", "x"),
    "a status for an unknown document": status("00000000-0000-0000-0000-000000000000"),
    "a send without its fields": envelope("<v:SendDocument/>"),
    "a receiver that is no identifier": sending("zzz", "x"),
    "a receiver of only a colon": sending(":", "x"),
    "a receiver with a very long value": sending("0106:" + "1" * 300, "x"),
    "a payload of two elements": sending("0106:87654321", "<a/><b/>"),
    "a payload that is not an invoice": sending("0106:87654321", "&lt;Invoice/&gt;"),
    "a payload in CDATA": sending("0106:87654321", f"<![CDATA[{UBL}]]>"),
    "an empty token": envelope("<v:GetInboxDocuments/>", token=""),
    "a very long token": envelope("<v:GetInboxDocuments/>", token="x" * 5000),
    "a token of three dots": envelope("<v:GetInboxDocuments/>", token="a.b.c"),
    "two operations": envelope("<v:GetInboxDocuments/><v:GetInboxDocuments/>"),
    "an external entity": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM '
                          '"file:///etc/passwd">]>' + envelope(
                              "<v:Login><v:AppKey>&e;</v:AppKey></v:Login>", token=None),
    "a SOAP 1.2 envelope": '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
                           f'<s:Body><v:Login xmlns:v="{V31}"/></s:Body></s:Envelope>',
}


@pytest.mark.parametrize("action", [None, "GetInboxDocuments"])
@pytest.mark.parametrize("odd", ODD)
def test_it_answers_an_odd_request_as_the_callers_fault(odd, action, settings, acme_key,
                                                       receiver, caplog):  # noqa: F811
    settings.API31_RATE_LIMIT = settings.API_RATE_LIMIT = "1000000/min"
    token, _expires = issue_token(keycache.lookup(acme_key.key.app_key))
    extra = {"HTTP_SOAPACTION": f'"{V31}{action}"'} if action else {}

    response = Client().post("/api/api31", ODD[odd].replace(TOKEN, token).encode(),
                             content_type="text/xml; charset=utf-8", **extra)

    root = etree.fromstring(response.content)
    code = root.findtext(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault/faultcode")
    assert code in (None, "soapenv:Client", "soapenv:VersionMismatch"), \
        root.findtext(".//faultstring")
    assert (code is None) == (response.status_code == 200)
    # Not reported as an error of the portal's own.
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]



@pytest.mark.parametrize("page", ["1_0", "１", "1.0", " 2 "])
def test_it_reads_a_page_as_xsd_int_does(page, settings, acme_key):
    settings.API31_RATE_LIMIT = settings.API_RATE_LIMIT = "1000000/min"
    token, _expires = issue_token(keycache.lookup(acme_key.key.app_key))

    response = Client().post("/api/api31", inbox(Page=page).replace(TOKEN, token).encode(),
                             content_type="text/xml; charset=utf-8",
                             HTTP_SOAPACTION=f'"{V31}GetInboxDocuments"')

    root = etree.fromstring(response.content)
    if page.strip() == "2":
        # Whitespace around the digits is xsd:int's own.
        assert root.findtext(f".//{{{V31}}}Page") == "2"
    else:
        assert root.findtext(".//{*}Reason") == "invalid-field"
        assert root.findtext(".//faultstring") == "Page must be a whole number."
