"""Requests the API cannot read at all, refused before or while they reach a view: each gets
an answer in the API's own form (a problem, or a SOAP fault on the SOAP endpoint), never a
server error or Django's HTML page."""

import http.client
import json
import logging
from urllib.parse import urlsplit

import pytest
from django.test import Client
from lxml import etree

from tests.integrations.helpers import basic
from tests.invoices.conftest import invoice

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


@pytest.fixture
def api(settings, acme_key):
    settings.API_RATE_LIMIT = "1000000/min"
    return Client(HTTP_AUTHORIZATION=basic(acme_key.key.app_key, acme_key.secret))


def fault(response) -> tuple[str, str]:
    root = etree.fromstring(response.content)
    return root.findtext(".//faultcode"), root.findtext(".//{*}Reason")


def test_it_refuses_json_nested_too_deeply_to_read(api, caplog):
    body = '{"identifiers": ' + "[" * 50_000 + "]" * 50_000 + "}"

    response = api.post("/api/v1/recipients", body, content_type="application/json")

    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "The JSON is nested too deeply to be read."
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_it_says_a_number_is_too_long_without_pythons_advice(api):
    body = '{"identifiers": [' + "9" * 5000 + "]}"

    response = api.post("/api/v1/recipients", body, content_type="application/json")

    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "A number in the JSON has too many digits to be read."


def test_it_answers_a_json_body_over_the_upload_limit_with_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"identifiers": ["0106:12345678"], "pad": "x" * 2000})

    response = api.post("/api/v1/recipients", body, content_type="application/json")

    assert response.status_code == 413 and response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "The request body is larger than this address accepts."


def test_it_answers_a_host_it_does_not_serve_in_the_apis_own_form(settings):
    settings.ALLOWED_HOSTS = ["portal.example"]
    client = Client(HTTP_HOST="evil.example")

    rest = client.get("/api/v1/ping")
    soap = client.post("/api/api31", b"<x/>", content_type="text/xml; charset=utf-8")

    assert rest.status_code == 400 and rest["Content-Type"] == PROBLEM
    assert soap.status_code == 400 and fault(soap) == ("soapenv:Client", "bad-request")
    # The portal's pages keep Django's own page.
    assert "text/html" in client.get("/accounts/login/")["Content-Type"]


def send_in_chunks(live_server, path, body: bytes, headers: dict):
    """POST `body` with Transfer-Encoding: chunked and no Content-Length, as a client that
    streams does."""
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request("POST", path, body=iter([body[:100], body[100:]]),
                           headers={**headers, "Transfer-Encoding": "chunked"},
                           encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def test_it_asks_for_a_content_length_instead_of_reading_chunks_as_nothing(live_server,
                                                                           settings, acme_key):
    settings.API_RATE_LIMIT = settings.API31_RATE_LIMIT = "1000000/min"
    auth = {"Authorization": basic(acme_key.key.app_key, acme_key.secret)}

    status, content_type, body = send_in_chunks(
        live_server, "/api/v1/documents", invoice("CH-1"),
        {**auth, "Content-Type": "application/xml"})
    assert (status, content_type) == (411, PROBLEM)
    assert json.loads(body)["detail"].startswith("Send the body with a Content-Length header")

    status, _content_type, body = send_in_chunks(
        live_server, "/api/api31", f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body/></s:Envelope>'
        .encode(), {"Content-Type": "text/xml; charset=utf-8"})
    assert status == 411
    root = etree.fromstring(body)
    assert root.findtext(".//{*}Reason") == "length-required"
    assert "Content-Length" in root.findtext(".//faultstring")
