"""SOAP v3.1 (namespace http://api.everbinding.nl/v3_1/, SOAP 1.1): the operations with which
AFAS, Accept and 4PS Construct send and fetch documents using a connection key.

They are answered on the same endpoint as the API31 connection test (/api/api31), which
hands every request for this namespace here; the WSDL is served at /api/api31?wsdl.

``Login`` trades the App Key and Secret for a security token; every other operation carries
that token in the SOAP header (element SecurityToken). The token is the App Key signed, with
the time, under a salt made of the key's secret digest: it expires after SOAP_TOKEN_HOURS,
and it dies with the key, which is looked up (revoked or not) on every call.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import UTC, datetime, time
from types import SimpleNamespace
from xml.sax.saxutils import escape

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override
from lxml import etree

from invoices.models import Channel, Document, Status
from invoices.models.documents import PROCESSING, REJECT_REASON_MAX_LENGTH
from invoices.peppol import identifiers, xmlsafe
from invoices.peppol.identifiers import IdentifierError
from invoices.recipients import reachable
from invoices.submission import (
    AlreadySent,
    DocumentRefused,
    accept,
    check_size,
    max_bytes,
    sender_problem,
)
from onboarding.api import abuse, api31, keycache
from onboarding.api.api31 import SOAP_ENV, Fault, fault_response, refused_fault, xml_response
from onboarding.api.authentication import (
    KeyRefused,
    check_credentials,
    failures_message,
    refusal_message,
    refusal_now,
)
from onboarding.api.throttling import ConnectionKeyRateThrottle
from onboarding.models import Organization
from onboarding.models.connection_keys import LAST_USED_RESOLUTION
from portal.errors import ChangeRefused

NAMESPACE = "http://api.everbinding.nl/v3_1/"
HEADER_ELEMENT = "SecurityToken"
MAX_PAGE_SIZE = 500
# Far beyond any inbox, and within what a database offset can take.
MAX_PAGE = 1_000_000_000
DEFAULT_PAGE_SIZE = 100
# What SetInboxDocumentStatus sets, by the status's name without spaces ("ApprovedForPayment");
# Rejected with a Reason.
SETTABLE = {"".join(part.capitalize() for part in status.split("_")): status
            for status in (Status.DOWNLOADED, *PROCESSING, Status.REJECTED)}


def _status_word(word: str) -> str:
    """The status a SetInboxDocumentStatus word names ("UnderReview", "under review" or
    "under_review"), or "" for none."""
    folded = "".join(c for c in word.lower() if c.isalnum())
    return next((status for name, status in SETTABLE.items() if name.lower() == folded), "")


def _status_text(status: str) -> str:
    """A status as answers write it: the platform's English word (Received, Under review),
    which SetInboxDocumentStatus reads back, whatever language the request asks for."""
    with override("en"):
        return str(Status(status).label)


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _salt(secret_hash: str) -> str:
    return f"soap-v3_1-token:{secret_hash}"


def issue_token(key) -> tuple[str, datetime]:
    token = signing.TimestampSigner(salt=_salt(key.secret_hash)).sign(key.app_key)
    return token, timezone.now() + timezone.timedelta(hours=settings.SOAP_TOKEN_HOURS)


def key_for_token(token: str):
    """The connection key a token was issued for, or a Fault: unknown, tampered, expired,
    revoked, of an organization that is no longer active, or on a plan without API access
    since."""
    app_key = token.split(":", 1)[0]
    key = keycache.lookup(app_key) if 0 < len(app_key) <= 64 else None
    invalid = Fault("Client", _("The security token is not valid. Call Login for a new one."),
                    "token-invalid")
    if key is None:
        raise invalid
    try:
        signing.TimestampSigner(salt=_salt(key.secret_hash)).unsign(
            token, max_age=settings.SOAP_TOKEN_HOURS * 3600)
    except signing.SignatureExpired:
        raise Fault("Client", _("The security token has expired. Call Login for a new one."),
                    "token-expired") from None
    except signing.BadSignature:
        raise invalid from None
    refusal = refusal_now(key)
    if refusal is not None:
        fault = Fault("Client", refusal_message(refusal, key), refusal.value)
        fault.app_key = key.app_key
        raise fault
    return key


class Rejected(Exception):
    """A fault with its HTTP status and headers (429 with Retry-After)."""

    def __init__(self, fault: Fault, status: int, wait: float):
        super().__init__(fault.message)
        self.fault, self.status, self.wait = fault, status, wait


def limits() -> str:
    """What the service's documentation says of its limits, from the settings."""
    return (f"Calls are limited to {settings.API_RATE_LIMIT} per connection key, shared with "
            f"the REST API; a Payload to {settings.DOCUMENT_MAX_MB} MB. Times in answers are "
            "UTC. Statuses in answers are the portal's English words, whatever language the "
            "request asks for (faults' messages follow Accept-Language): Received, "
            "Downloaded, Opened, Under review, Approved, Approved for payment, Payment "
            "started, Paid, Rejected. Received documents are kept "
            f"{settings.DOCUMENT_RETENTION_DAYS} days, and at most "
            f"{settings.DOCUMENT_RETENTION_AFTER_DOWNLOAD_DAYS} days after they are marked "
            "Downloaded.")


class V31Service:
    namespace = NAMESPACE

    def max_request_bytes(self) -> int:
        # The payload travels escaped inside the envelope, which makes it longer.
        return 2 * max_bytes() + 64 * 1024

    def wsdl(self, request):
        from django.http import HttpResponse

        location = request.build_absolute_uri(reverse("api:api31"))
        wsdl = WSDL.replace("{location}", location).replace("{service}", escape(limits()))
        return HttpResponse(wsdl.encode(),
                            content_type="text/xml; charset=utf-8")

    def answer(self, request, envelope, operation, address):
        name = etree.QName(operation).localname
        handler = OPERATIONS.get(name)
        if handler is None:
            raise Fault("Client", _("There is no operation %(name)s in namespace "
                                    "%(namespace)s.") % {"name": name, "namespace": NAMESPACE},
                        "unknown-operation")
        fields = {etree.QName(child).localname: (child.text or "")
                  for child in operation if isinstance(child.tag, str)}
        try:
            if name == "Login":
                values = handler(fields, address)
            else:
                values = self.answer_with_key(name, handler, fields,
                                              self.authenticate(envelope, address))
        except Rejected as rejected:
            response = fault_response(rejected.fault, status=rejected.status,
                                      namespace=NAMESPACE)
            response["Retry-After"] = str(max(1, math.ceil(rejected.wait)))
            return response
        return envelope_response(f"{name}Response", values)

    def authenticate(self, envelope, address):
        header = envelope.find(f"{{{SOAP_ENV}}}Header")
        token = header.findtext(_q(HEADER_ELEMENT)) if header is not None else None
        if not token or not token.strip():
            raise Fault("Client", _("The SOAP header lacks the SecurityToken; call Login "
                                    "first and send its token with every call."),
                        "token-missing")
        _refuse_if_stopped(address)
        try:
            key = key_for_token(token.strip())
        except Fault as fault:
            if fault.reason == "token-invalid":
                abuse.count_failure(address)
            raise
        throttle = ConnectionKeyRateThrottle()
        if not throttle.allow_request(SimpleNamespace(auth=key), None):
            raise Rejected(Fault("Client", _("Too many requests with this connection key (the "
                                             "limit is %(rate)s). Try again in %(wait)d "
                                             "seconds.")
                                 % {"rate": settings.API_RATE_LIMIT,
                                    "wait": math.ceil(throttle.wait())}, "rate-limited"),
                           429, throttle.wait())
        return key

    def answer_with_key(self, name, handler, fields, key):
        """An operation's answer for the key that authenticated it. The call is one use of
        the key, noted once whatever it answers (a fault too); an inbox fetch that answered
        is noted as a fetch, which a guided setup's receiving step waits for."""
        fetched = False
        try:
            values = handler(key, fields)
            fetched = name in INBOX_FETCHES
        finally:
            key.note_use(fetched=fetched)
        return values


def envelope_response(element: str, values) -> object:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV,
                                                                "v31": NAMESPACE})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    _fill(etree.SubElement(body, _q(element)), values)
    return xml_response(envelope, 200)


def _fill(parent, values) -> None:
    for name, value in values:
        if value is None:
            continue
        child = etree.SubElement(parent, _q(name))
        if isinstance(value, list):
            _fill(child, value)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif isinstance(value, datetime):
            child.text = value.isoformat()
        else:
            child.text = str(value)


# -- operations ------------------------------------------------------------------------------


def _refuse_if_stopped(address, app_key=""):
    if stopped := abuse.failure_wait(address, app_key):
        wait, for_key = stopped
        raise Rejected(Fault("Client", failures_message(wait, for_key), "too-many-failures"),
                       429, wait)


def login(fields, address):
    app_key, secret = fields.get("AppKey", "").strip(), fields.get("SecretKey", "").strip()
    _refuse_if_stopped(address, app_key)
    if not app_key or not secret:
        raise Fault("Client", _("Login needs the AppKey and the SecretKey of a connection "
                                "key."), "missing-fields")
    try:
        key = check_credentials(app_key, secret).key
    except KeyRefused as refused:
        raise refused_fault(refused, app_key) from None
    # The software's connection test (4PS Construct's Verbinding testen) is a Login. It is
    # also how every session starts, so a key's Logins count as tests once a minute at most.
    key.note_use(tested=True, tests_every=LAST_USED_RESOLUTION)
    token, expires = issue_token(key)
    return [("SecurityToken", token), ("ExpiresAt", expires),
            ("CompanyId", key.organization.company_id)]


def _receiver(text: str):
    try:
        return identifiers.parse(text)
    except IdentifierError as error:
        raise Fault("Client", _("The receiver identifier is not valid. %(reason)s")
                    % {"reason": error.render(_)}, "receiver-invalid") from None


def send_document(key, fields):
    from invoices.peppol.ubl import read_facts
    from invoices.peppol.ubl.reader import document_type

    given = fields.get("ReceiverIdentifier", "").strip()
    # A debtor without a KvK number is sent to under the dummy number, by email.
    receiver = _receiver(given) if given else identifiers.DUMMY_KVK
    email = fields.get("ReceiverEmail", "").strip()
    if email:
        try:
            if len(email) > 254:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            raise Fault("Client", _("ReceiverEmail is not an email address: %(email)s")
                        % {"email": email[:254]}, "invalid-field") from None
    # Stored as given, so that the receiver fetches exactly what was sent; the payload is
    # the XML without its prolog, so a declaration sent anyway goes (see without_declaration).
    payload = xmlsafe.without_declaration(fields.get("Payload", ""))
    if not payload.strip():
        raise Fault("Client", _("The Payload is empty: send the invoice's XML."),
                    "payload-missing")
    data = payload.encode("utf-8")
    try:
        check_size(len(data))
    except DocumentRefused as refused:
        raise Fault("Client", str(refused.message), "document-too-large") from None
    try:
        root = xmlsafe.parse_xml(data, max_bytes())
    except xmlsafe.XmlRejected:
        facts = None
    else:
        if not document_type(root):
            raise Fault("Client", _("The Payload is not a UBL Invoice or CreditNote: its root "
                                    "element is %(root)s.")
                        % {"root": etree.QName(root).localname}, "not-an-invoice")
        facts = read_facts(root)
    organization = Organization.objects.select_related("environment").get(
        pk=key.organization_id)
    if facts is not None:
        problem = sender_problem(organization, facts.sender_scheme, facts.sender_value)
        if problem:
            raise Fault("Client", problem, "no-right-to-send")
        if (facts.receiver_scheme, facts.receiver_value.lower()) != (
                receiver.scheme, receiver.value.lower()):
            if not given:
                raise Fault("Client", _(
                    "Without a ReceiverIdentifier the dummy number %(dummy)s is used, but the "
                    "buyer's Endpoint-ID in the document is %(document)s: send that as "
                    "ReceiverIdentifier.")
                    % {"dummy": receiver,
                       "document": f"{facts.receiver_scheme}:{facts.receiver_value}"},
                    "receiver-mismatch")
            raise Fault("Client", _("The receiver identifier %(given)s is not the buyer's "
                                    "Endpoint-ID in the document, %(document)s.")
                        % {"given": receiver, "document":
                           f"{facts.receiver_scheme}:{facts.receiver_value}"},
                        "receiver-mismatch")
    answer = reachable(receiver.scheme, receiver.value)
    if not answer.reachable and not answer.error and not email:
        if not given:
            raise Fault("Client", _("Without a ReceiverIdentifier the dummy number %(dummy)s "
                                    "is used, which nobody receives for on Peppol: give the "
                                    "debtor's invoice email address in ReceiverEmail.")
                        % {"dummy": receiver}, "receiver-not-reachable")
        raise Fault("Client", _("The receiver %(receiver)s cannot be reached on this platform "
                                "or over Peppol, and no email address was given.")
                    % {"receiver": receiver}, "receiver-not-reachable")
    if answer.reachable:
        # The address is only a fallback: a receiver that can be reached is not mailed.
        email = ""
    elif email and Document.objects.mailed_today(organization) >= \
            settings.RECEIVER_EMAILS_PER_DAY:
        most = settings.RECEIVER_EMAILS_PER_DAY
        raise Fault("Client", ngettext(
            "At most %(most)d document a day goes by email to receivers that are not on "
            "Peppol, and %(organization)s reached that number. Try again tomorrow, or ask the "
            "receiver for a Peppol address.",
            "At most %(most)d documents a day go by email to receivers that are not on "
            "Peppol, and %(organization)s reached that number. Try again tomorrow, or ask the "
            "receiver for a Peppol address.", most)
            % {"most": most, "organization": organization.name}, "email-limit")
    try:
        document = accept(organization, data, Channel.CONNECTION_KEY,
                          actor_label=f"connection key {key.app_key}", connection_key_id=key.pk,
                          receiver_email=email)
    except DocumentRefused as refused:
        raise Fault("Client", str(refused.message), "document-unreadable") from None
    except AlreadySent as already:  # pragma: no cover - SendDocument gives no client id
        document = already.document
    return [("ExternalId", document.delivery_id), ("DocumentId", document.pk),
            ("Status", _status_text(document.status))]


def _inbox(key):
    return Document.objects.offered().filter(organization_id=key.organization_id)


def _int(fields, name, default):
    text = fields.get(name, "").strip()
    if not text:
        return default
    # xsd:int's digits only: Python's int() also reads "1_0" and full-width digits.
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise Fault("Client", _("%(name)s must be a whole number.") % {"name": name},
                    "invalid-field")
    if len(text.lstrip("+-")) > 18:
        # Beyond every range the callers allow; int() refuses thousands of digits.
        return -(10 ** 18) if text.startswith("-") else 10 ** 18
    return int(text)


def get_inbox_documents(key, fields):
    page = _int(fields, "Page", 1)
    size = _int(fields, "PageSize", DEFAULT_PAGE_SIZE)
    if not 1 <= page <= MAX_PAGE or not 1 <= size <= MAX_PAGE_SIZE:
        raise Fault("Client", _("Page is 1 to %(pages)s; PageSize is 1 to %(max)d.")
                    % {"pages": f"{MAX_PAGE:,}", "max": MAX_PAGE_SIZE}, "invalid-field")
    documents = _inbox(key)
    created_from = fields.get("CreatedFrom", "").strip()
    if created_from:
        moment = _moment(created_from)
        documents = documents.filter(created_at__gte=moment)
    rows = list(documents.order_by("id").values_list(
        "id", "delivery_id", "document_type", "number", "issue_date", "sender_scheme",
        "sender_value", "counterparty_name", "status", "created_at")[
        (page - 1) * size:page * size + 1])
    items = [("Document", [
        ("ExternalId", delivery_id), ("DocumentId", pk), ("DocumentType", document_type),
        ("Number", number), ("IssueDate", issue_date),
        ("SenderIdentifier", f"{scheme}:{value}" if value else ""),
        ("SenderName", name), ("Status", _status_text(status)), ("CreatedAt", created)])
        for pk, delivery_id, document_type, number, issue_date, scheme, value, name, status,
        created in rows[:size]]
    return [("Page", page), ("PageSize", size), ("HasMore", len(rows) > size),
            ("Documents", items)]


def _moment(text: str):
    try:
        # Either parser raises ValueError on a well-formed day no calendar has.
        moment = parse_datetime(text)
        day = parse_date(text) if moment is None else None
    except ValueError:
        moment = day = None
    if moment is None:
        if day is None:
            raise Fault("Client", _("CreatedFrom is a date or a date and time, such as "
                                    "2026-11-30 or 2026-11-30T08:00:00Z."), "invalid-field")
        moment = datetime.combine(day, time.min)
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.astimezone(UTC)
    except OverflowError:
        # 0001-01-01 in Amsterdam is a moment of the year 0 in UTC.
        raise Fault("Client", _("CreatedFrom lies outside the years 1 to 9999 in UTC."),
                    "invalid-field") from None


def _by_external_id(key, fields, queryset=None):
    text = fields.get("ExternalId", "").strip()
    try:
        external_id = uuid.UUID(text)
    except ValueError:
        external_id = None
    document = (queryset if queryset is not None else _inbox(key)).filter(
        delivery_id=external_id).first() if external_id else None
    withheld = Document.objects.inbox().filter(
        organization_id=key.organization_id, delivery_id=external_id,
        status__in=(Status.DUPLICATE, Status.REJECTED)).values_list("status", flat=True) \
        .first() if document is None and external_id else None
    if withheld == Status.DUPLICATE:
        raise Fault("Client", _("The document with external id %(id)s is held as a possible "
                                "duplicate: it is offered once it is marked as original in the "
                                "portal.") % {"id": text}, "document-held")
    if withheld == Status.REJECTED:
        raise Fault("Client", _("The document with external id %(id)s was rejected, so it is "
                                "no longer offered to your software; it stays visible in the "
                                "portal.") % {"id": text}, "document-rejected")
    if document is None:
        raise Fault("Client", _("There is no received document with external id %(id)s for "
                                "this organization.") % {"id": text or "—"}, "unknown-document")
    return document


def get_inbox_document(key, fields):
    document = _by_external_id(key, fields)
    try:
        payload = xmlsafe.as_text(bytes(document.content))
    except (xmlsafe.XmlRejected, LookupError, UnicodeDecodeError):
        # Every received document was read as XML on its way in; this is for safety only.
        raise Fault("Server", _("The document with external id %(id)s cannot be given as "
                                "text; download it through the REST API.")
                    % {"id": document.delivery_id}, "document-unreadable") from None
    return [("ExternalId", document.delivery_id), ("DocumentId", document.pk),
            ("DocumentType", document.document_type), ("Number", document.number),
            ("SenderIdentifier", document.sender_id), ("SenderName", document.counterparty_name),
            ("Status", _status_text(document.status)),
            ("Payload", payload)]


def set_inbox_document_status(key, fields):
    wanted = _status_word(fields.get("Status", ""))
    if not wanted:
        raise Fault("Client", _("Status can be set to %(statuses)s.")
                    % {"statuses": ", ".join(SETTABLE)}, "invalid-status")
    # Rejecting a rejected document again changes nothing and answers as the first time.
    document = _by_external_id(key, fields, _inbox(key) | Document.objects.inbox().filter(
        organization_id=key.organization_id, status=Status.REJECTED)
        if wanted == Status.REJECTED else None)
    by = {"actor_label": f"connection key {key.app_key}"}
    try:
        if wanted == Status.DOWNLOADED:
            document.mark_downloaded(None, **by)
        elif wanted == Status.REJECTED:
            document.reject(None, fields.get("Reason", ""), **by)
        else:
            document.set_processing_status(None, wanted, **by)
    except ChangeRefused as refused:
        # A reason that is missing or too long is the request's mistake, not the status's.
        raise Fault("Client", str(refused.message),
                    "invalid-field" if refused.field else "status-not-possible") from None
    return [("ExternalId", document.delivery_id), ("Status", _status_text(document.status))]


# The operations that list or read the inbox: answered, each is a fetch (see answer_with_key).
INBOX_FETCHES = {"GetInboxDocuments", "GetInboxDocument"}
OPERATIONS = {
    "Login": login,
    "SendDocument": send_document,
    "GetInboxDocuments": get_inbox_documents,
    "GetInboxDocument": get_inbox_document,
    "SetInboxDocumentStatus": set_inbox_document_status,
}


def register() -> None:
    api31.register(V31Service())


# The schema of every operation's request and response, one line each: fields in order,
# "Name:type" (xsd:string when no type is named), "?" after an optional one, "*" after a
# repeated one, and "{...}" for a nested sequence.
SCHEMA = {
    "Login": "AppKey SecretKey",
    "LoginResponse": "SecurityToken ExpiresAt:dateTime CompanyId",
    "SendDocument": "ReceiverIdentifier? ReceiverEmail? Subject? Payload",
    "SendDocumentResponse": "ExternalId DocumentId:long Status",
    "GetInboxDocuments": "Page:int? PageSize:int? CreatedFrom:dateTime?",
    "GetInboxDocumentsResponse":
        "Page:int PageSize:int HasMore:boolean Documents:{Document:tns:InboxDocument*}",
    "GetInboxDocument": "ExternalId",
    "GetInboxDocumentResponse":
        "ExternalId DocumentId:long DocumentType Number SenderIdentifier SenderName Status "
        "Payload",
    "SetInboxDocumentStatus": "ExternalId Status Reason?",
    "SetInboxDocumentStatusResponse": "ExternalId Status",
    "FaultDetail": "Reason Technical?",
}
# What each operation does, in the WSDL for whoever builds a client from it.
DOCUMENTATION = {
    "Login": "Exchanges a connection key's AppKey and SecretKey for a security token, to send "
             "in the SecurityToken header of every other call until ExpiresAt. Revoking the "
             "key ends its tokens at once.",
    "SendDocument": "Sends a UBL invoice or credit note (Payload: its XML) to "
                    "ReceiverIdentifier (scheme:value). ReceiverEmail is mailed the document "
                    "when the receiver is neither on this platform nor on Peppol. Without "
                    "ReceiverIdentifier (a debtor without a KvK number) it is "
                    f"{identifiers.DUMMY_KVK}, which goes to ReceiverEmail. Subject is "
                    "not used. Answers the ExternalId (the Delivery ID) at once: the rules and "
                    "the routing follow, and a refusal is told to InvoiceSentError webhooks.",
    "GetInboxDocuments": "Received documents, oldest first, PageSize (1 to "
                         f"{MAX_PAGE_SIZE}) a page. CreatedFrom (a date, or a date and "
                         "time; without a time zone it is Dutch time) leaves out those "
                         "received before it. Documents held as possible duplicates are "
                         "left out until they are marked as original in the portal, and "
                         "rejected documents for good. Documents "
                         "marked Downloaded (or with a processing status) stay in the list "
                         "with that Status: fetch those whose Status is Received.",
    "GetInboxDocument": "One received document. Its Payload is the XML as it was received, "
                        "without its XML declaration (the prolog): the REST API's download "
                        "gives the bytes exactly as received. A document held as a possible "
                        "duplicate gives the fault document-held, a rejected one "
                        "document-rejected.",
    "SetInboxDocumentStatus": "Sets the Status of a received document: "
                              + ", ".join(SETTABLE) + " (also written with spaces, as answers "
                              "write them: Under review). Rejected needs a Reason of at most "
                              f"{REJECT_REASON_MAX_LENGTH} characters, which a sender on this "
                              "platform reads.",
}
# The codes in a fault's FaultDetail/Reason, each with what it means; faultcode is Client
# unless said otherwise.
FAULT_REASONS = {
    "invalid-credentials": "The AppKey and SecretKey are not those of a connection key.",
    "key-revoked": "The connection key was revoked; create a new one in the portal.",
    "organization-inactive": "The key's organization is not active.",
    "plan-without-api-access": "The environment's subscription does not include API access.",
    "missing-fields": "The operation lacks a field it needs; the message names it.",
    "token-missing": "The SOAP header has no SecurityToken; call Login first.",
    "token-invalid": "The SecurityToken was not issued by this service; call Login.",
    "token-expired": "The SecurityToken has expired; call Login again.",
    "rate-limited": "Too many calls with this key (HTTP 429 with Retry-After).",
    "too-many-failures": "Too many failed logins from this address or for this AppKey "
                         "(HTTP 429 with Retry-After).",
    "invalid-field": "A field's value is not valid: a number, a date, an email address or "
                     "a reason; the message names it.",
    "receiver-invalid": "ReceiverIdentifier is not a valid scheme:value identifier.",
    "receiver-mismatch": "ReceiverIdentifier is not the buyer's endpoint in the Payload.",
    "receiver-not-reachable": "The receiver is neither on this platform nor on Peppol, and no "
                              "ReceiverEmail was given.",
    "email-limit": "The organization reached the number of documents it may have mailed "
                   "today.",
    "no-right-to-send": "The key's organization may not send for the supplier's identifier "
                        "in the Payload.",
    "payload-missing": "The Payload is empty.",
    "not-an-invoice": "The Payload is not a UBL Invoice or CreditNote.",
    "document-unreadable": "The Payload is not XML that can be read (faultcode Server: a "
                           "stored document that cannot be given as text).",
    "document-too-large": "The Payload is larger than a document may be.",
    "unknown-document": "No received document of the key's organization has this ExternalId.",
    "document-held": "The document is held as a possible duplicate until it is marked as "
                     "original in the portal.",
    "document-rejected": "The document was rejected (in the portal or by the software), so it "
                         "is no longer offered; only Status Rejected may be set again.",
    "invalid-status": "Status is not one that can be set.",
    "status-not-possible": "The document's status does not allow this one.",
    "unknown-operation": "The Body holds no operation of this service.",
    "too-large": "The request is larger than the endpoint reads (HTTP 413).",
    "length-required": "The body came in chunks without a Content-Length (HTTP 411).",
    "malformed-xml": "The request is not well-formed XML.",
    "doctype-forbidden": "The request contains a DOCTYPE.",
    "envelope-namespace": "The request is not a SOAP 1.1 envelope (faultcode VersionMismatch "
                          "for another SOAP version).",
    "must-understand": "A header marked mustUnderstand is not one of this service's "
                       "(faultcode MustUnderstand).",
    "method-not-allowed": "Only POST is answered, and GET with ?wsdl (HTTP 405).",
    "bad-request": "The request was refused before it reached the service, for instance for "
                   "its Host header (HTTP 400).",
    "server-error": "The service failed to answer (faultcode Server); try again later.",
    "wrong-software": "TestConnection only: the key was made for other software.",
    "company-id-mismatch": "TestConnection only: CompanyId is not the key's organization's.",
    "subscription-key": "TestConnection only: SubscriptionKey is not that of a current "
                        "contract with API rights.",
    "subscription-level": "TestConnection only: API31 needs a Professional subscription.",
}
TYPES = {
    "InboxDocument": "ExternalId DocumentId:long DocumentType Number IssueDate:date? "
                     "SenderIdentifier SenderName Status CreatedAt:dateTime",
}


def _sequence(fields: str) -> str:
    return f"<xsd:sequence>{''.join(map(_field, fields.split()))}</xsd:sequence>"


def _field(spec: str) -> str:
    name, _, kind = spec.partition(":")
    occurs = {"?": ' minOccurs="0"', "*": ' minOccurs="0" maxOccurs="unbounded"'}.get(
        kind[-1:] or name[-1:], "")
    name, kind = name.rstrip("?*"), kind.rstrip("?*")
    if kind.startswith("{"):
        return (f'<xsd:element name="{name}"{occurs}><xsd:complexType>'
                f"{_sequence(kind[1:-1])}</xsd:complexType></xsd:element>")
    kind = kind if ":" in kind else f"xsd:{kind or 'string'}"
    return f'<xsd:element name="{name}" type="{kind}"{occurs}/>'


def _schema() -> str:
    types = [f'<xsd:complexType name="{name}">{_sequence(fields)}</xsd:complexType>'
             for name, fields in TYPES.items()]
    elements = [f'<xsd:element name="{name}"><xsd:complexType>{_sequence(fields)}'
                f"</xsd:complexType></xsd:element>" for name, fields in SCHEMA.items()]
    return "\n      ".join([f'<xsd:element name="{HEADER_ELEMENT}" type="xsd:string"/>',
                             *types, *elements])


WSDL = """<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="http://api.everbinding.nl/v3_1/"
    targetNamespace="http://api.everbinding.nl/v3_1/" name="DocumentService">
  <wsdl:types>
    <xsd:schema targetNamespace="http://api.everbinding.nl/v3_1/"
        elementFormDefault="qualified">
      {schema}
    </xsd:schema>
  </wsdl:types>
  <wsdl:message name="SecurityHeader">
    <wsdl:part name="SecurityToken" element="tns:SecurityToken"/>
  </wsdl:message>
  <wsdl:message name="Fault">
    <wsdl:documentation>{fault_reasons}</wsdl:documentation>
    <wsdl:part name="detail" element="tns:FaultDetail"/>
  </wsdl:message>
{messages}
  <wsdl:portType name="DocumentServicePortType">
{port_operations}
  </wsdl:portType>
  <wsdl:binding name="DocumentServiceBinding" type="tns:DocumentServicePortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
{binding_operations}
  </wsdl:binding>
  <wsdl:service name="DocumentService">
    <wsdl:documentation>{service}</wsdl:documentation>
    <wsdl:port name="DocumentServicePort" binding="tns:DocumentServiceBinding">
      <soap:address location="{location}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"""


def _wsdl_parts() -> dict[str, str]:
    messages, port, binding = [], [], []
    for name in OPERATIONS:
        messages.append(
            f'  <wsdl:message name="{name}Request"><wsdl:part name="parameters" '
            f'element="tns:{name}"/></wsdl:message>\n'
            f'  <wsdl:message name="{name}Response"><wsdl:part name="parameters" '
            f'element="tns:{name}Response"/></wsdl:message>')
        port.append(
            f'    <wsdl:operation name="{name}">\n'
            f"      <wsdl:documentation>{escape(DOCUMENTATION[name])}</wsdl:documentation>\n"
            f'      <wsdl:input message="tns:{name}Request"/>\n'
            f'      <wsdl:output message="tns:{name}Response"/>\n'
            f'      <wsdl:fault name="Fault" message="tns:Fault"/>\n'
            f'    </wsdl:operation>')
        header = ("" if name == "Login" else
                  '        <soap:header message="tns:SecurityHeader" part="SecurityToken" '
                  'use="literal"/>\n')
        binding.append(
            f'    <wsdl:operation name="{name}">\n'
            f'      <soap:operation soapAction="{NAMESPACE}{name}" style="document"/>\n'
            f'      <wsdl:input>\n{header}        <soap:body use="literal"/>\n'
            f'      </wsdl:input>\n'
            f'      <wsdl:output><soap:body use="literal"/></wsdl:output>\n'
            f'      <wsdl:fault name="Fault"><soap:fault name="Fault" use="literal"/>'
            f'</wsdl:fault>\n'
            f'    </wsdl:operation>')
    reasons = "FaultDetail/Reason holds one of these codes. " + " ".join(
        f"{code}: {meaning}" for code, meaning in FAULT_REASONS.items())
    return {"schema": _schema(), "messages": "\n".join(messages),
            "fault_reasons": escape(reasons),
            "port_operations": "\n".join(port), "binding_operations": "\n".join(binding)}


for _name, _text in _wsdl_parts().items():
    WSDL = WSDL.replace("{" + _name + "}", _text)
