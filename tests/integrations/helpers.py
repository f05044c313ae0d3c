"""Organizations, keys and software calls the integration tests share."""

import base64

from onboarding.integrations.registry import get
from onboarding.integrations.runs import IntegrationRun
from onboarding.models import (
    ConnectionKey,
    Contract,
    Organization,
    OrganizationIdentifier,
    Subscription,
)
from tests.invoices.conftest import RECEIVER_KVK, SENDER_KVK, invoice, make_receiver

API31_BODY = (
    '<soapenv:Envelope xmlns:soapenv="{env}" xmlns:api="urn:peppol-onboarding-portal:api31:v1">'
    "<soapenv:Body><api:TestConnection><api:AppKey>{app_key}</api:AppKey>"
    "<api:Secret>{secret}</api:Secret><api:CompanyId>{company_id}</api:CompanyId>"
    "<api:SubscriptionKey>{subscription_key}</api:SubscriptionKey>"
    "</api:TestConnection></soapenv:Body></soapenv:Envelope>")
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def subscribe(environment, subscription):
    environment.subscription = subscription
    environment.save(update_fields=["subscription"])


def organization(cast, environment=None, *, active=True, kvk=SENDER_KVK, name="Acme Trading BV"):
    environment = environment or cast.company
    by = environment.administrators().first()
    org = Organization.create(environment=environment, by=by, name=name, registry_number=kvk,
                              registry_checked=True, street="Hoofdstraat 1",
                              postal_code="3511 AA", city="Utrecht")
    if kvk:
        OrganizationIdentifier.add(org, by, "0106", kvk)
    if active:
        Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
        org.refresh_from_db()
    return org


def afas_run(cast, **kwargs):
    subscribe(cast.company, Subscription.BASIC)
    org = organization(cast, **kwargs)
    run, _created = IntegrationRun.start(organization=org, setup=get("afas"), by=cast.admin,
                                         environment=cast.company)
    return run


def api31_run(cast):
    subscribe(cast.company, Subscription.PROFESSIONAL)
    contract = Contract.add(environment=cast.company, by=cast.sales, reference="C-4PS")
    org = organization(cast)
    run, _created = IntegrationRun.start(organization=org, setup=get("business-central-api31"),
                                         by=cast.admin, environment=cast.company)
    return run, contract.issued_subscription_key


def issue(run, cast):
    return ConnectionKey.issue(organization=run.organization, software=run.definition.software,
                               by=cast.admin)


def basic(app_key, secret):
    return "Basic " + base64.b64encode(f"{app_key}:{secret}".encode()).decode()


def send_by_api(issued, data: bytes):
    """What software does with its key: the invoice to the REST documents API."""
    from django.test import Client

    from invoices.models import Document

    answer = Client().post("/api/v1/documents", data=data, content_type="application/xml",
                           HTTP_AUTHORIZATION=basic(issued.key.app_key, issued.secret))
    assert answer.status_code == 202, answer.content
    return Document.objects.get(pk=answer.json()["id"])


def send_by_rest(base_url, app_key, secret, data=None):
    """The software's REST call: the invoice to the documents API, over HTTP."""
    import requests

    answer = requests.post(f"{base_url}/api/v1/documents", data=data or invoice(),
                           auth=(app_key, secret),
                           headers={"Content-Type": "application/xml"}, timeout=60)
    assert answer.status_code == 202, answer.text
    return answer.json()


def send_by_soap(base_url, app_key, secret, data=None, receiver=f"0106:{RECEIVER_KVK}"):
    """The software's SOAP v3.1 calls, from the served WSDL: Login, then SendDocument with
    the XML without its prolog."""
    import zeep

    service = zeep.Client(f"{base_url}/api/api31?wsdl").service
    token = service.Login(AppKey=app_key, SecretKey=secret).SecurityToken
    text = (data or invoice()).decode()
    payload = text.split("?>", 1)[1].lstrip() if text.startswith("<?xml") else text
    return service.SendDocument(ReceiverIdentifier=receiver, Subject="Test invoice",
                                Payload=payload, _soapheaders={"SecurityToken": token})


def send_test_invoice(issued, cast, **spec):
    make_receiver(cast)
    return send_by_api(issued, invoice(**spec))


def states(run):
    return {s.key: s for s in run.refresh()}


def step_html(page, key):
    """The part of a guided setup's page that shows step `key`."""
    return page.split(f'id="step-{key}"')[1].split('id="step-')[0]
