"""The OpenAPI document and the docs page, served by the portal itself."""

import re

import pytest
from openapi_spec_validator import validate

from tests.api.test_documents_api import receiver, receiver_key  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_serves_a_valid_openapi_document(live_server, http):
    response = http.get(f"{live_server.url}/api/schema/", timeout=10,
                        headers={"Accept": "application/vnd.oai.openapi+json"})

    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert set(document["paths"]) == {
        "/api/v1/ping", "/api/v1/organization", "/api/v1/documents",
        "/api/v1/documents/{id}", "/api/v1/documents/{id}/retry", "/api/v1/recipients",
        "/api/v1/inbox",
        "/api/v1/inbox/{id}", "/api/v1/inbox/{id}/download", "/api/v1/inbox/{id}/downloaded",
        "/api/v1/inbox/{id}/rejected", "/api/v1/inbox/{id}/status", "/api/v1/webhooks",
        "/api/v1/webhooks/{id}", "/api/v1/webhooks/{id}/secret",
        "/api/v1/{party_id}/salesInvoice/send", "/api/v1/{party_id}/purchaseInvoice/{id}",
        "/api/v1/{party_id}/purchaseInvoice/{id}/download"}
    send = document["paths"]["/api/v1/documents"]["post"]
    assert set(send["requestBody"]["content"]) == {"application/xml"}
    assert {"202", "409", "413"} <= set(send["responses"])
    assert "application/problem+json" in send["responses"]["413"]["content"]
    download = document["paths"]["/api/v1/inbox/{id}/download"]["get"]
    assert "application/xml" in download["responses"]["200"]["content"]
    reject = document["paths"]["/api/v1/inbox/{id}/rejected"]["post"]
    assert reject["requestBody"]["content"]["application/json"]["schema"]["$ref"] == \
        "#/components/schemas/Rejection"
    assert document["components"]["schemas"]["Rejection"]["required"] == ["reason"]
    inbox = document["paths"]["/api/v1/inbox"]["get"]
    assert {"cursor", "status", "created_after", "created_before",
            "include_duplicates"} <= {parameter["name"] for parameter in inbox["parameters"]}
    assert {"connectionKey": []} in send["security"] and {"entraBearer": []} in send["security"]
    assert "X-Party-Id" in {parameter["name"] for parameter in send["parameters"]}
    bearer = document["components"]["securitySchemes"]["entraBearer"]
    assert (bearer["type"], bearer["scheme"], bearer["bearerFormat"]) == ("http", "bearer",
                                                                         "JWT")
    ping = document["paths"]["/api/v1/ping"]["get"]
    # The service broker's callers test their connection with ping too.
    assert ping["security"] == [{"connectionKey": []}, {"entraBearer": []}]
    assert "application/problem+json" in ping["responses"]["401"]["content"]
    assert document["components"]["securitySchemes"]["connectionKey"] == {
        "type": "http", "scheme": "basic",
        "description": "HTTP Basic with the connection key's App Key as user name and its "
                       "Secret as password.",
    }
    # Every operation says what it does for the caller, never what the code says to itself.
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description"), (method, path)
            assert "CSRF" not in operation["description"] and \
                "views" not in operation["description"], (method, path)
    assert "format" not in {parameter["name"] for parameter in download.get("parameters", [])}
    assert "413" in send["responses"] and "10 MB" in send["responses"]["413"]["description"]
    assert "415" in send["responses"]
    problem = document["components"]["schemas"]["Problem"]["properties"]
    assert {"errors", "document_id", "delivery_id"} <= set(problem)
    hooks = document["paths"]["/api/v1/webhooks"]["post"]["description"]
    assert "X-Signature" in hooks and "HMAC-SHA256" in hooks and "five minutes" in hooks


def test_it_describes_the_headers_limits_and_events_a_client_relies_on(live_server, http):
    document = http.get(f"{live_server.url}/api/schema/", timeout=10,
                        headers={"Accept": "application/vnd.oai.openapi+json"}).json()
    send = document["paths"]["/api/v1/documents"]["post"]["responses"]
    assert {"Location"} == set(send["202"]["headers"]) == set(send["409"]["headers"])
    assert set(send["429"]["headers"]) == {"Retry-After"}
    assert set(send["401"]["headers"]) == {"WWW-Authenticate"}
    download = document["paths"]["/api/v1/inbox/{id}/download"]["get"]["responses"]
    assert set(download["200"]["headers"]) == {"Content-Disposition"}
    # Each operation that reads a JSON body says what a body of another type gets.
    for path, method in [("/api/v1/recipients", "post"), ("/api/v1/webhooks", "post"),
                         ("/api/v1/webhooks/{id}", "patch"),
                         ("/api/v1/inbox/{id}/status", "post"),
                         ("/api/v1/inbox/{id}/rejected", "post")]:
        assert "415" in document["paths"][path][method]["responses"], path
    assert "415" not in document["paths"]["/api/v1/inbox/{id}/downloaded"]["post"]["responses"]
    assert "limited to 120/min per key" in document["info"]["description"]
    assert "10 MB" in document["info"]["description"]
    inbox = {parameter["name"]: parameter
             for parameter in document["paths"]["/api/v1/inbox"]["get"]["parameters"]}
    assert "at most 200" in inbox["page_size"]["description"]
    assert "or later" in inbox["created_after"]["description"]
    event = document["webhooks"]["event"]["post"]
    assert event["requestBody"]["content"]["application/json"]["schema"]["$ref"] == \
        "#/components/schemas/WebhookEvent"
    assert "X-Signature" in event["description"]
    sent = document["components"]["schemas"]["SentDocument"]["properties"]["status"]
    assert "delivery_failed: it could not be delivered" in sent["description"]


def test_it_renders_the_docs_from_the_portals_own_static_files(live_server, http):
    page = http.get(f"{live_server.url}/api/docs/", timeout=10)

    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        # Swagger UI's start-up script comes from the docs page itself, as a file.
        assert asset.startswith(("/static/", "/api/docs/")), f"{asset} is not the portal's"
        assert http.get(f"{live_server.url}{asset}", timeout=10).status_code == 200
    script = next(asset for asset in assets if asset.startswith("/api/docs/"))
    assert "/api/schema/" in http.get(f"{live_server.url}{script}", timeout=10).text
    assert "<script>" not in page.text


def test_it_names_every_soap_operation_of_the_wsdl_in_the_api_description(live_server, http):
    document = http.get(f"{live_server.url}/api/schema/", timeout=10,
                        headers={"Accept": "application/vnd.oai.openapi+json"}).json()
    wsdl = http.get(f"{live_server.url}/api/api31?wsdl", timeout=10).text
    operations = set(re.findall(r'<wsdl:operation name="(\w+)"', wsdl))

    assert {"Login", "SendDocument", "GetInboxDocuments"} <= operations
    description = document["info"]["description"]
    assert "/api/api31?wsdl" in description
    for operation in operations | {"TestConnection"}:
        assert operation in description


def conforms(document, path, method, response):
    """Whether a real answer matches what the OpenAPI document says of its status code."""
    from openapi_schema_validator import OAS30Validator, OAS31Validator

    described = document["paths"][path][method]["responses"][str(response.status_code)]
    content_type = response.headers["Content-Type"].split(";")[0]
    schema = described["content"][content_type]["schema"]
    validator = OAS31Validator if document["openapi"].startswith("3.1") else OAS30Validator
    validator({**schema, "components": document["components"]}).validate(response.json())
    return True


def test_its_answers_about_documents_match_the_document(live_server, http, acme_key,
                                                        receiver_key):  # noqa: F811
    from tests.api.test_documents_api import call, send
    from tests.invoices.conftest import invoice

    document = http.get(f"{live_server.url}/api/schema/", timeout=10,
                        headers={"Accept": "application/vnd.oai.openapi+json"}).json()
    sent = send(http, live_server, acme_key, invoice("F-SCHEMA-1"))
    assert sent.status_code == 202
    pk = sent.json()["id"]
    received = call(http, "GET", live_server, "/api/v1/inbox", receiver_key).json()
    incoming = received["results"][0]["id"]

    for path, method, url, issued, expected in (
            ("/api/v1/documents", "post", None, None, 202),
            ("/api/v1/documents/{id}", "get", f"/api/v1/documents/{pk}", acme_key, 200),
            ("/api/v1/documents/{id}/retry", "post", f"/api/v1/documents/{pk}/retry",
             acme_key, 409),
            ("/api/v1/documents/{id}", "get", "/api/v1/documents/999999", acme_key, 404),
            ("/api/v1/inbox", "get", "/api/v1/inbox", receiver_key, 200),
            ("/api/v1/inbox", "get", "/api/v1/inbox?cursor=zz", receiver_key, 400),
            ("/api/v1/inbox/{id}", "get", f"/api/v1/inbox/{incoming}", receiver_key, 200)):
        response = sent if url is None else call(http, method.upper(), live_server, url,
                                                 issued)
        assert response.status_code == expected, (url, response.text)
        assert conforms(document, path, method, response)
