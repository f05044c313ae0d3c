"""API31: the SOAP 1.1 endpoint with which 4PS Business Central tests its connection
("Verbinding testen") using the connection keys, the company ID and the subscription key.

Request (POST, text/xml)::

    <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
                      xmlns:api="urn:peppol-onboarding-portal:api31:v1">
      <soapenv:Body>
        <api:TestConnection>
          <api:AppKey>ppk_...</api:AppKey>
          <api:Secret>pps_...</api:Secret>
          <api:CompanyId>XCNL00000001</api:CompanyId>
          <api:SubscriptionKey>...</api:SubscriptionKey>
        </api:TestConnection>
      </soapenv:Body>
    </soapenv:Envelope>

The answer is a TestConnectionResponse (HTTP 200) or a SOAP Fault (HTTP 500) whose
detail carries a machine-readable Reason.
"""

from __future__ import annotations

import logging
import math
from typing import Protocol

from django.conf import settings
from django.dispatch import Signal
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from lxml import etree

from invoices.peppol.xmlsafe import XmlForbiddenDoctype, XmlRejected, parse_xml
from invoices.submission import LengthRequired, refuse_chunked
from onboarding.api import abuse
from onboarding.api.authentication import (
    KeyRefused,
    Refusal,
    check_credentials,
    failures_message,
    refusal_message,
)
from onboarding.models import Environment, Software
from onboarding.models.connection_keys import call_refused
from portal import problems

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
API31_NS = "urn:peppol-onboarding-portal:api31:v1"
OPERATION = "TestConnection"
FIELDS = ("AppKey", "Secret", "CompanyId", "SubscriptionKey")
# A connection test is a few hundred bytes; nothing bigger is read, let alone parsed.
MAX_REQUEST_BYTES = 64 * 1024
CONTENT_TYPE = "text/xml; charset=utf-8"

logger = logging.getLogger(__name__)

# Sent with the request and the fault's reason and message when a test fails.
connection_test_failed = Signal()
# Why a connection key's authentication refused a call, as a fault's reason.
REFUSALS = frozenset(refusal.value for refusal in Refusal)


class SoapService(Protocol):
    """Operations of another namespace answered on this same endpoint, registered by the app
    that owns them (the documents app's SOAP v3.1), so that ERPs keep one URL."""

    namespace: str

    def max_request_bytes(self) -> int: ...

    def answer(self, request, envelope, operation, address: str) -> HttpResponse: ...

    def wsdl(self, request) -> HttpResponse: ...


# {namespace: service}
SERVICES: dict[str, SoapService] = {}


def register(service: SoapService) -> None:
    SERVICES[service.namespace] = service


def service_by_action(request) -> SoapService | None:
    """The service a SOAPAction header names; its requests may be larger than a connection
    test, so they are told apart before the body is read."""
    action = request.META.get("HTTP_SOAPACTION", "").strip().strip('"')
    for namespace, service in SERVICES.items():
        if action.startswith(namespace):
            return service
    return None


def _without_action() -> str:
    """What a call without a SOAPAction header is told when the connection test's limits
    stop it: only the header tells another service's call apart before its body is read."""
    if not SERVICES:
        return ""
    return " " + _("Calls of the v3.1 API name their operation in the SOAPAction header; "
                   "without it, a call is limited as a connection test is.")


class Fault(Exception):
    """A SOAP 1.1 fault: `code` is Client, Server, VersionMismatch or MustUnderstand."""

    def __init__(self, code: str, message: str, reason: str, technical: str = "",
                 status: int = 500):
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.technical = technical
        # SOAP 1.1 over HTTP answers a fault with 500; a request the endpoint does not read
        # answers as HTTP says (413, 411), as the WSDL's fault list promises.
        self.status = status
        # The connection key whose App Key and Secret the failed call had right, if any.
        self.key = None
        # The App Key a failed authentication named, counted against its address.
        self.app_key = ""


def refused_fault(refused, app_key: str) -> Fault:
    """The fault for credentials check_credentials refused (a KeyRefused)."""
    fault = Fault("Client", refusal_message(refused.refusal, refused.key),
                  refused.refusal.value)
    fault.app_key = app_key
    return fault


def namespace_advice() -> str:
    return _('In 4PS Business Central, check "Generieke webservice naamruimten": Prefix '
             'soapenv, Namespace %(namespace)s.') % {"namespace": SOAP_ENV}


def bad_request(request, exception=None):
    """Django's handler400: on this endpoint a SOAP fault, as the client expects; elsewhere
    the portal's answer (see portal.problems.bad_request)."""
    if request.path.rstrip("/") == reverse("api:api31"):
        status, message = problems.refused_before_view(exception)
        return fault_response(Fault("Client", message,
                                    "too-large" if status == 413 else "bad-request"),
                              status=status)
    return problems.bad_request(request, exception)


@csrf_exempt
def api31(request):
    """Never raises: every failure is a SOAP fault, as the client expects."""
    address = None
    namespace = API31_NS
    try:
        if request.method == "GET" and "wsdl" in {name.lower() for name in request.GET} \
                and SERVICES:
            return next(iter(SERVICES.values())).wsdl(request)
        if request.method != "POST":
            response = fault_response(Fault("Client", _("Send a SOAP 1.1 envelope by HTTP "
                                                        "POST."), "method-not-allowed"),
                                      status=405)
            response["Allow"] = "POST"
            return response
        address = abuse.client_address(request)
        service = service_by_action(request)
        if service is not None:
            namespace = service.namespace
            envelope, operation = read_envelope(request, service.max_request_bytes())
            return _answer_by(service, request, envelope, operation, address)
        limited = rate_limited(address)
        if limited is not None:
            return limited
        envelope, operation = read_envelope(request, MAX_REQUEST_BYTES)
        service = SERVICES.get(etree.QName(operation).namespace) if operation is not None \
            else None
        if service is not None:
            namespace = service.namespace
            return _answer_by(service, request, envelope, operation, address)
        fields = read_operation(operation)
        return stopped_response(address, fields["AppKey"]) or \
            envelope_response(check_connection(fields))
    except Fault as fault:
        if fault.reason == Refusal.INVALID.value and address is not None:
            abuse.count_failure(address, fault.app_key)
        payload = getattr(request, "soap_payload", b"")
        if fault.reason in REFUSALS:
            # Any operation's: a guided setup that waits for the key says why it waits.
            call_refused.send(sender=Fault, app_key=fault.app_key, reason=fault.reason,
                              payload=payload)
        if namespace == API31_NS:
            # Only API31's own connection test: a guided setup shows why it failed.
            connection_test_failed.send(sender=Fault, payload=payload,
                                        reason=fault.reason, message=str(fault.message),
                                        key=fault.key)
        return fault_response(fault, status=fault.status, namespace=namespace)
    except Exception:
        logger.exception("API31 request failed")
        return fault_response(Fault("Server", _("The server could not answer this request. "
                                                "It was logged; please try again later."),
                                    "server-error"), namespace=namespace)


def rate_limited(address: str) -> HttpResponse | None:
    """A fault with Retry-After when `address` made too many calls, or too many with wrong
    keys; each call counts, also those that answer a fault."""
    wait = abuse.api31_requests.count(address)
    if wait is None:
        return stopped_response(address)
    return _too_many(Fault("Client", _("Too many connection tests from your address (the limit "
                                       "is %(rate)s). Try again in %(wait)d seconds.")
                           % {"rate": settings.API31_RATE_LIMIT, "wait": math.ceil(wait)}
                           + _without_action(), "rate-limited"), wait)


def stopped_response(address: str, app_key: str = "") -> HttpResponse | None:
    """A fault with Retry-After when `address` failed to authenticate too often, with
    `app_key` when one is given (see abuse.failure_wait)."""
    if stopped := abuse.failure_wait(address, app_key):
        return _too_many(Fault("Client", failures_message(*stopped), "too-many-failures"),
                         stopped[0])
    return None


def _too_many(fault: Fault, wait: float) -> HttpResponse:
    response = fault_response(fault, status=429)
    response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def _answer_by(service, request, envelope, operation, address) -> HttpResponse:
    if operation is None:
        raise Fault("Client", _("The SOAP Body must hold an operation element in namespace "
                                "%(namespace)s.") % {"namespace": service.namespace},
                    "unknown-operation")
    return service.answer(request, envelope, operation, address)


def read_envelope(request, max_bytes: int):
    """The request's SOAP 1.1 envelope and the first element of its Body (None without
    one), or a Fault saying what is wrong. Nothing over `max_bytes` is read."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        raise Fault("Client", _("The request is larger than a connection test can be.")
                    + _without_action() if max_bytes == MAX_REQUEST_BYTES else
                    _("The request is larger than %(limit)d MB.")
                    % {"limit": max_bytes // (1024 * 1024)}, "too-large", status=413)
    try:
        refuse_chunked(request)
    except LengthRequired as refused:
        raise Fault("Client", refused.message, "length-required", status=411) from None
    # Kept for who listens to a failed connection test: the stream can be read once only.
    request.soap_payload = request.read(max_bytes + 1)
    try:
        root = parse_xml(request.soap_payload, max_bytes=max_bytes)
    except XmlForbiddenDoctype as exc:
        raise Fault("Client", _("The request contains a DOCTYPE (a DTD or entity "
                                "declarations), which is not accepted."),
                    "doctype-forbidden", str(exc)) from None
    except XmlRejected as exc:
        message = _("The request is not a well-formed XML document.")
        if "Namespace prefix" in str(exc):
            # An undeclared "soapenv:" prefix: the namespaces setting is empty or misspelt.
            message = f"{message} {namespace_advice()}"
        raise Fault("Client", message, "malformed-xml", str(exc)) from None

    name = etree.QName(root)
    if name.localname != "Envelope" or name.namespace != SOAP_ENV:
        given = name.namespace or _("no namespace")
        raise Fault(
            "VersionMismatch" if name.localname == "Envelope" else "Client",
            _("The request is not a SOAP 1.1 envelope: its root element is %(element)s in "
              "%(namespace)s.") % {"element": name.localname, "namespace": given}
            + " " + namespace_advice(),
            "envelope-namespace")
    refuse_must_understand(root)
    body = root.find(f"{{{SOAP_ENV}}}Body")
    elements = [child for child in body if isinstance(child.tag, str)] if body is not None else []
    return root, (elements[0] if elements else None)


def read_operation(operation) -> dict[str, str]:
    """The TestConnection fields of the Body's operation, or a Fault saying what is wrong."""
    if operation is None or operation.tag != f"{{{API31_NS}}}{OPERATION}":
        raise Fault("Client", _("The SOAP Body must hold a %(operation)s element in namespace "
                                "%(namespace)s.") % {"operation": OPERATION,
                                                     "namespace": API31_NS},
                    "unknown-operation")
    # Children are matched by local name: clients differ in qualifying them.
    fields = {etree.QName(child).localname: (child.text or "").strip()
              for child in operation if isinstance(child.tag, str)}
    missing = [field for field in FIELDS if not fields.get(field)]
    if missing:
        raise Fault("Client", _("The connection test lacks: %(fields)s.")
                    % {"fields": ", ".join(missing)}, "missing-fields")
    return fields


def refuse_must_understand(root) -> None:
    header = root.find(f"{{{SOAP_ENV}}}Header")
    if header is None:
        return
    for block in header:
        if isinstance(block.tag, str) and block.get(f"{{{SOAP_ENV}}}mustUnderstand") == "1" \
                and etree.QName(block).namespace not in SERVICES:
            raise Fault("MustUnderstand", _("The header %(header)s is not understood here.")
                        % {"header": etree.QName(block).localname}, "must-understand")


def check_connection(fields: dict[str, str]) -> dict[str, str]:
    try:
        key = check_credentials(fields["AppKey"], fields["Secret"]).key
    except KeyRefused as refused:
        raise refused_fault(refused, fields["AppKey"]) from None
    try:
        return _check_with(key, fields)
    except Fault as fault:
        fault.key = key
        raise


def _check_with(key, fields: dict[str, str]) -> dict[str, str]:
    """The rest of the connection test, for a key whose App Key and Secret were right."""
    organization = key.organization
    if fields["CompanyId"].upper() != organization.company_id:
        raise Fault("Client", _("The company ID %(given)s is not that of this connection key's "
                                "organization, which has %(company_id)s.")
                    % {"given": fields["CompanyId"], "company_id": organization.company_id},
                    "company-id-mismatch")
    if key.software != Software.FOURPS_BUSINESS_CENTRAL:
        raise Fault("Client", _("This connection key was made for %(software)s. API31 takes "
                                "a key made for 4PS Business Central.")
                    % {"software": key.get_software_display()}, "wrong-software")
    # Read afresh: the key may come from the key cache, with the environment as it was then.
    environment = Environment.objects.get(pk=organization.environment_id)
    refusal = environment.entitlements.api31_refusal(fields["SubscriptionKey"])
    if refusal is not None:
        code, message = refusal
        raise Fault("Client", message, code)
    key.note_use(tested=True)
    return {"Result": "OK", "Message": _("The connection works."),
            "CompanyId": organization.company_id, "OrganizationName": organization.name,
            "TestedAt": key.last_tested_at.isoformat()}


def _envelope(namespace: str = API31_NS):
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV,
                                                                "api": namespace})
    return envelope, etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")


def xml_response(envelope, status: int) -> HttpResponse:
    return HttpResponse(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"),
                        status=status, content_type=CONTENT_TYPE)


def envelope_response(values: dict[str, str]) -> HttpResponse:
    envelope, body = _envelope()
    answer = etree.SubElement(body, f"{{{API31_NS}}}{OPERATION}Response")
    for name, value in values.items():
        etree.SubElement(answer, f"{{{API31_NS}}}{name}").text = str(value)
    return xml_response(envelope, 200)


def fault_response(fault: Fault, status: int = 500, namespace: str = API31_NS) -> HttpResponse:
    """SOAP 1.1 over HTTP answers a fault with status 500; a rate limit answers 429."""
    envelope, body = _envelope(namespace)
    element = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    # faultcode, faultstring and detail are unqualified, as SOAP 1.1 defines them.
    etree.SubElement(element, "faultcode").text = f"soapenv:{fault.code}"
    etree.SubElement(element, "faultstring").text = str(fault.message)
    if fault.code != "MustUnderstand":
        # SOAP 1.1 keeps detail for faults about the Body, not about headers.
        detail = etree.SubElement(element, "detail")
        info = etree.SubElement(detail, f"{{{namespace}}}FaultDetail")
        etree.SubElement(info, f"{{{namespace}}}Reason").text = fault.reason
        if fault.technical:
            etree.SubElement(info, f"{{{namespace}}}Technical").text = fault.technical
    response = xml_response(envelope, status)
    if fault.code != "Server":
        # The caller's mistake, answered as SOAP 1.1 says (status 500): noted, not reported
        # as an error of the portal's (django.request logs every 5xx it was not told of).
        logger.info("SOAP fault %s (%s): %r", fault.code, fault.reason, str(fault.message))
        response._has_been_logged = True
    return response
