"""4PS Business Central's API31 connection test ("Verbinding testen") over SOAP 1.1."""

from datetime import timedelta

import pytest
from django.utils import timezone
from lxml import etree

from onboarding.models import ConnectionKey, Contract, Subscription

pytestmark = pytest.mark.django_db(transaction=True)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
API31 = "urn:peppol-onboarding-portal:api31:v1"


def envelope(app_key="", secret="", company_id="", subscription_key="",
             soap_namespace=SOAP_ENV, prolog=""):
    return (f'{prolog}<soapenv:Envelope xmlns:soapenv="{soap_namespace}" xmlns:api="{API31}">'
            "<soapenv:Header/><soapenv:Body><api:TestConnection>"
            f"<api:AppKey>{app_key}</api:AppKey><api:Secret>{secret}</api:Secret>"
            f"<api:CompanyId>{company_id}</api:CompanyId>"
            f"<api:SubscriptionKey>{subscription_key}</api:SubscriptionKey>"
            "</api:TestConnection></soapenv:Body></soapenv:Envelope>").encode()


@pytest.fixture
def good(acme, bc_key):
    return {"app_key": bc_key.key.app_key, "secret": bc_key.secret,
            "company_id": acme.company_id, "subscription_key": acme.subscription_key}


def post(http, live_server, body, path="/api/api31"):
    return http.post(f"{live_server.url}{path}", data=body, timeout=10,
                     headers={"Content-Type": "text/xml; charset=utf-8",
                              "SOAPAction": f'"{API31}/TestConnection"'})


def fault(response, status=500):
    assert response.status_code == status
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = etree.fromstring(response.content)
    found = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert found is not None, response.text
    reason = found.findtext(f"detail/{{{API31}}}FaultDetail/{{{API31}}}Reason")
    return found.findtext("faultcode"), found.findtext("faultstring"), reason


def test_it_answers_a_good_connection_test_and_records_it(live_server, http, acme, bc_key,
                                                          good):
    before = timezone.now()
    response = post(http, live_server, envelope(**good))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = etree.fromstring(response.content)
    answer = root.find(f"{{{SOAP_ENV}}}Body/{{{API31}}}TestConnectionResponse")
    assert answer.findtext(f"{{{API31}}}Result") == "OK"
    assert answer.findtext(f"{{{API31}}}CompanyId") == acme.company_id
    assert answer.findtext(f"{{{API31}}}OrganizationName") == "Acme Trading BV"
    assert ConnectionKey.objects.get(pk=bc_key.key.pk).last_tested_at >= before


def test_it_answers_with_a_trailing_slash_too(live_server, http, good):
    assert post(http, live_server, envelope(**good), path="/api/api31/").status_code == 200


def test_it_points_at_the_soapenv_namespace_when_the_envelope_has_another(live_server, http,
                                                                        bc_key, good):
    response = post(http, live_server,
                    envelope(**good, soap_namespace="http://www.w3.org/2003/05/soap-envelope"))

    code, message, reason = fault(response)
    assert code == "soapenv:VersionMismatch"
    assert reason == "envelope-namespace"
    assert ('check "Generieke webservice naamruimten": Prefix soapenv, Namespace '
            "http://schemas.xmlsoap.org/soap/envelope/") in message
    assert ConnectionKey.objects.get(pk=bc_key.key.pk).last_tested_at is None


def test_it_points_at_the_soapenv_namespace_when_the_prefix_is_undeclared(live_server, http,
                                                                         good):
    body = envelope(**good).replace(f' xmlns:soapenv="{SOAP_ENV}"'.encode(), b"")

    code, message, reason = fault(post(http, live_server, body))

    assert (code, reason) == ("soapenv:Client", "malformed-xml")
    assert "Prefix soapenv" in message


@pytest.mark.parametrize("prolog", [
    '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>',
])
def test_it_refuses_a_body_with_a_doctype(live_server, http, bc_key, good, prolog):
    body = envelope(**{**good, "company_id": "&xxe;"}, prolog=prolog)

    code, message, reason = fault(post(http, live_server, body))

    assert (code, reason) == ("soapenv:Client", "doctype-forbidden")
    assert "DOCTYPE" in message
    assert b"root:" not in post(http, live_server, body).content
    assert ConnectionKey.objects.get(pk=bc_key.key.pk).last_tested_at is None


def test_it_refuses_a_tampered_body(live_server, http, good):
    truncated = envelope(**good)[:-30]
    oversized = envelope(**{**good, "company_id": "X" * 70_000})

    assert fault(post(http, live_server, truncated))[2] == "malformed-xml"
    assert fault(post(http, live_server, oversized), status=413)[2] == "too-large"
    assert fault(post(http, live_server, b"not xml at all"))[2] == "malformed-xml"
    assert fault(post(http, live_server, b""))[2] == "malformed-xml"


def test_it_answers_a_wrong_secret_and_an_unknown_key_alike(live_server, http, good):
    wrong = fault(post(http, live_server, envelope(**{**good, "secret": "pps_wrong"})))
    unknown = fault(post(http, live_server, envelope(**{**good, "app_key": "ppk_unknown"})))

    assert wrong == unknown
    assert wrong[0] == "soapenv:Client"
    assert wrong[1].startswith("The App Key and Secret do not match a connection key.")


def test_it_refuses_a_revoked_key(live_server, http, cast, bc_key, good):
    bc_key.key.revoke(cast.admin)

    code, message, reason = fault(post(http, live_server, envelope(**good)))

    assert reason == "key-revoked" and "revoked" in message


def test_it_refuses_a_company_id_of_another_organization(live_server, http, acme, good):
    code, message, reason = fault(post(http, live_server,
                                       envelope(**{**good, "company_id": "XCNL99999999"})))

    assert reason == "company-id-mismatch"
    assert f"which has {acme.company_id}" in message


def test_it_refuses_a_subscription_key_that_is_not_the_environments(live_server, http, cast,
                                                                    acme, good):
    other = Contract.add(environment=cast.accountancy, by=cast.sales, reference="NUM-1")

    for key in ("0" * 32, other.issued_subscription_key):
        code, message, reason = fault(post(http, live_server,
                                           envelope(**{**good, "subscription_key": key})))
        assert reason == "subscription-key"
        assert "does not belong to a current contract with API rights" in message


def test_it_refuses_the_key_of_an_ended_contract_or_one_without_api_rights(live_server, http,
                                                                           cast, acme, good):
    contract = Contract.objects.get(environment=acme.environment)
    Contract.objects.filter(pk=contract.pk).update(
        starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate() - timedelta(days=1))
    # Without a running contract the key itself has no API access any more (the plan rule
    # every key meets), before the subscription key is even read.
    assert fault(post(http, live_server, envelope(**good)))[2] == "plan-without-api-access"

    Contract.objects.filter(pk=contract.pk).update(ends_on=None, api_rights=False)
    assert fault(post(http, live_server, envelope(**good)))[2] == "plan-without-api-access"


def test_it_refuses_an_environment_that_left_professional(live_server, http, cast, good):
    cast.company.subscription = Subscription.BASIC
    cast.company.save(update_fields=["subscription"])

    assert fault(post(http, live_server, envelope(**good)))[2] == "plan-without-api-access"


def test_it_refuses_a_key_made_for_other_software(live_server, http, acme_key, good):
    body = envelope(**{**good, "app_key": acme_key.key.app_key, "secret": acme_key.secret})

    code, message, reason = fault(post(http, live_server, body))

    assert reason == "wrong-software"
    assert "made for AFAS" in message


def test_it_refuses_an_inactive_organization(live_server, http, cast, acme, good):
    acme.deactivate(cast.techsupport)

    assert fault(post(http, live_server, envelope(**good)))[2] == "organization-inactive"


def test_it_says_which_fields_are_missing_and_which_operation_it_answers(live_server, http,
                                                                        good):
    missing = fault(post(http, live_server, envelope(**{**good, "subscription_key": ""})))
    other_operation = envelope(**good).replace(b"TestConnection", b"SendInvoice")

    assert missing[2] == "missing-fields" and "SubscriptionKey" in missing[1]
    code, message, reason = fault(post(http, live_server, other_operation))
    assert reason == "unknown-operation" and "TestConnection" in message


def test_it_refuses_a_header_it_must_understand(live_server, http, good):
    body = envelope(**good).replace(
        b"<soapenv:Header/>",
        b'<soapenv:Header><x:Security xmlns:x="urn:x" soapenv:mustUnderstand="1"/>'
        b"</soapenv:Header>")

    response = post(http, live_server, body)

    assert response.status_code == 500
    assert b"<faultcode>soapenv:MustUnderstand</faultcode>" in response.content


def test_it_answers_get_with_a_fault(live_server, http):
    response = http.get(f"{live_server.url}/api/api31", timeout=10)

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert b"soapenv:Fault" in response.content


def test_it_answers_an_unexpected_error_with_a_server_fault(client, good, monkeypatch):
    from onboarding.api import api31

    def broken(fields):
        raise RuntimeError("database went away")

    monkeypatch.setattr(api31, "check_connection", broken)

    response = client.post("/api/api31", envelope(**good), content_type="text/xml")

    assert response.status_code == 500
    assert b"<faultcode>soapenv:Server</faultcode>" in response.content
    assert b"database went away" not in response.content
