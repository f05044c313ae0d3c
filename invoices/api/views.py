"""The documents API (REST, /api/v1/): send a document, ask who can receive, follow a sent
document, and fetch, mark and delete received ones. A connection key answers for its own
organization only: another organization's document is a 404."""

from __future__ import annotations

import json
import re
from datetime import UTC

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from django_filters.widgets import BooleanWidget
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from invoices.api.serializers import (
    AcceptedSerializer,
    ProcessingStatusSerializer,
    ReceivedDocumentSerializer,
    RecipientQuerySerializer,
    RecipientSerializer,
    RejectionSerializer,
    SentDocumentSerializer,
    offered_to_software,
)
from invoices.models import Channel, Document, Status
from invoices.models.documents import INCOMING_STATUSES
from invoices.recipients import reach
from invoices.submission import (
    AlreadySent,
    DocumentRefused,
    LengthRequired,
    accept,
    max_bytes,
    read_body,
)
from onboarding.api.authentication import ConnectionKeyAuthentication
from onboarding.api.base import ConnectionKeyView
from onboarding.api.broker import (
    RECEIVE,
    REMOVE,
    SEND,
    STATUS,
    EntraBearerAuthentication,
    HasPartyRight,
    PartyHeaderSchema,
    PartyNotLinked,
    broker_caller,
)
from onboarding.api.docs import ANY_CALL, JSON_BODY, problems
from onboarding.models import Organization
from portal.api_schema import PortalAutoSchema, response_header
from portal.errors import ChangeRefused
from portal.fields import MAX_ID
from portal.problems import PROBLEM_CONTENT_TYPE, problem, problem_kind

CLIENT_ID_HEADER = "X-Client-Document-Id"
CLIENT_ID_PATTERN = re.compile(r"[\x21-\x7e]{6,100}")
XML = "application/xml"
# Bodies that say they are not XML: what a JSON or form client sends by default.
OTHER_FORMATS = {"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}


PROBLEMS = {
    **problems({
        401: _("No credentials, an App Key and Secret that do not match, a revoked key, or an "
               "Entra ID access token that is not valid or whose account is not linked."),
        403: _("The organization is not active, or the Entra ID account has no approved party "
               "link to the organization in X-Party-Id with the right this call needs.")}),
    **ANY_CALL,
}
NOT_FOUND = problems({404: _("This organization has no such document.")})
BAD_REQUEST = problems({400: _("The request is not valid; detail says why.")})


NotFound = problem_kind("NotFound", exceptions.NotFound, "document-not-found",
                        _("Document not found"), __name__,
                        default_detail=_("This organization has no such document."))
TooLarge = problem_kind("TooLarge", exceptions.APIException, "document-too-large",
                        _("Document too large"), __name__,
                        status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
NoLength = problem_kind("NoLength", exceptions.APIException, "length-required",
                        _("Content-Length required"), __name__, status_code=411)
Unreadable = problem_kind("Unreadable", exceptions.ParseError, "document-unreadable",
                          _("Document not readable"), __name__)
BadClientId = problem_kind("BadClientId", exceptions.ParseError, "client-document-id",
                           _("Client document id not valid"), __name__)
NotXml = problem_kind("NotXml", exceptions.UnsupportedMediaType, "not-xml",
                      _("Not an XML body"), __name__)
NotNow = problem_kind("NotNow", exceptions.APIException, "not-possible-now",
                      _("Not possible now"), __name__, status_code=status.HTTP_409_CONFLICT)


class XmlRenderer(BaseRenderer):
    """Lets a client that asks for XML get the document; an error still comes as JSON."""

    media_type = XML
    format = "xml"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode()


class PartyPathSchema(PortalAutoSchema):
    """The service broker's own paths: the organization is named in the path."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), OpenApiParameter(
            "party_id", str, OpenApiParameter.PATH,
            description=_("The company ID (XCNL…) of the organization the call is for: with "
                          "an Entra ID access token, one its party links name; with a "
                          "connection key, the key's own organization."))]


class KeyView(ConnectionKeyView):
    """The documents API's views, for a connection key's software or, through the service
    broker, a linked Entra ID user for one organization; the audit log names which."""

    authentication_classes = [ConnectionKeyAuthentication, EntraBearerAuthentication]
    schema = PartyHeaderSchema()
    permission_classes = [*ConnectionKeyView.permission_classes, HasPartyRight]
    # The party-link right a service-broker caller needs here.
    party_right = RECEIVE
    def actor_label(self) -> str:
        caller = broker_caller(self.request)
        if caller is not None:
            return caller.actor_label
        return f"connection key {self.request.auth.app_key}"

    def origin(self) -> tuple[str, dict]:
        """The channel a document sent in this request came by, and what sent it."""
        caller = broker_caller(self.request)
        if caller is not None:
            return Channel.SERVICE_BROKER, {"entra_identity_id": caller.identity.pk}
        return Channel.CONNECTION_KEY, {"connection_key_id": self.request.auth.pk}

    def documents(self):
        """The only documents this request may touch: its key's organization's."""
        return Document.objects.filter(organization_id=self.request.auth.organization_id)

    def document(self, queryset, pk: int) -> Document:
        found = queryset.filter(pk=pk).first() if pk <= MAX_ID else None
        if found is None:
            raise NotFound()
        return found

    def take_step(self, step, *args) -> bool:
        """A document's step (a transition method) taken by this request's caller; a
        refusal answers 409 with its message."""
        try:
            return step(None, *args, actor_label=self.actor_label())
        except ChangeRefused as refused:
            raise NotNow(str(refused.message)) from None

    def received(self, pk: int) -> Document:
        """A document the key's organization received, without its UBL."""
        return self.document(self.documents().inbox().defer("content", "validation"), pk)

    def sent(self, pk: int) -> Document:
        """A document the key's organization sent, with its Peppol evidence."""
        return self.document(self.documents().outbox().defer("content")
                             .select_related("peppol_evidence"), pk)


def _too_large() -> str:
    return gettext("The document is larger than %(limit)d MB, the most a document may be.") \
        % {"limit": settings.DOCUMENT_MAX_MB}


# What a 413 says, in the API's answers and in the OpenAPI document.
TOO_LARGE = lazy(_too_large, str)()


def read_capped(request) -> bytes:
    """The request body, refused with 413 as soon as it is known to be too large."""
    try:
        body = read_body(request._request, max_bytes())
    except LengthRequired as refused:
        raise NoLength(refused.message) from None
    if body is None:
        raise TooLarge(TOO_LARGE)
    return body


# The send call's documentation, shared by its path and the service broker's.
SEND_SCHEMA = {
    "summary": _("Send a document"),
    "description": _("Send a UBL invoice or credit note (the XML as the request body) for the "
                     "key's organization. The answer comes at once with the Delivery ID; the "
                     "official rules and the routing follow on the queue, and the document's "
                     "status shows the outcome. Give your own id in the X-Client-Document-Id "
                     "header (6 to 100 characters) to send safely again after a lost answer: "
                     "the same id answers 409 with the first document's Location and sends "
                     "nothing."),
    "parameters": [OpenApiParameter(CLIENT_ID_HEADER, str, OpenApiParameter.HEADER,
                                    description=_("Your own id for this document.")),
                   response_header("Location", _("The document's address: where its status "
                                                 "is read."), 202, 409)],
    "request": {XML: OpenApiTypes.BINARY},
    "responses": {
        202: AcceptedSerializer, **BAD_REQUEST,
        **problems({
            409: _("A document with this client document id was sent before; Location names "
                   "it."),
            411: _("The body came in chunks (Transfer-Encoding: chunked) without a "
                   "Content-Length header; send it with one."),
            413: TOO_LARGE,
            415: _("The Content-Type says the body is JSON or a form: send the document as "
                   "application/xml.")}),
        **PROBLEMS},
}


class SendView(KeyView):
    party_right = SEND

    @extend_schema(operation_id="documents_send", **SEND_SCHEMA)
    def post(self, request):
        sent_as = request.content_type.split(";")[0].strip().lower()
        # A body sent as raw bytes or text (or without a type, which servers read as text)
        # is read as the XML it should be; one that says it is another format is refused.
        if sent_as in OTHER_FORMATS or sent_as.endswith("+json"):
            raise NotXml(sent_as, detail=_(
                "Send the UBL document as the body with Content-Type application/xml; this "
                "request says %(type)s.") % {"type": sent_as})
        client_id = request.headers.get(CLIENT_ID_HEADER, "").strip()
        if client_id and not CLIENT_ID_PATTERN.fullmatch(client_id):
            raise BadClientId(_("A client document id must be 6 to 100 visible ASCII "
                                "characters, without spaces."))
        data = read_capped(request)
        if not data.strip():
            raise Unreadable(_("The request has no document: send the UBL XML as the body."))
        organization = Organization.objects.select_related("environment").get(
            pk=request.auth.organization_id)
        channel, origin = self.origin()
        try:
            document = accept(organization, data, channel, actor_label=self.actor_label(),
                              client_document_id=client_id, **origin)
        except DocumentRefused as refused:
            raise Unreadable(str(refused.message)) from None
        except AlreadySent as already:
            location = reverse("documents_api:document", args=[already.document.pk])
            return Response(
                problem(409, _("A document with client document id %(id)s was sent before; "
                               "nothing was sent now.") % {"id": client_id},
                        code="already-sent", title=str(_("Already sent")),
                        document_id=already.document.pk,
                        delivery_id=str(already.document.delivery_id or "")),
                status=409, headers={"Location": location}, content_type=PROBLEM_CONTENT_TYPE)
        location = reverse("documents_api:document", args=[document.pk])
        return Response({"id": document.pk, "delivery_id": str(document.delivery_id),
                         "status": document.status,
                         "client_document_id": document.client_document_id,
                         "location": location},
                        status=202, headers={"Location": location})


class SentDocumentView(KeyView):
    party_right = SEND

    @extend_schema(
        operation_id="documents_status", summary=_("Status and evidence of a sent document"),
        description=_("The document's status with the reason, the validation result and "
                      "its history, for a document the key's organization sent."),
        responses={200: SentDocumentSerializer, **NOT_FOUND, **PROBLEMS},
    )
    def get(self, request, pk):
        return Response(SentDocumentSerializer(self.sent(pk)).data)


class RetryView(KeyView):
    party_right = SEND

    @extend_schema(
        operation_id="documents_retry", summary=_("Try a failed delivery again"),
        description=_("For a document whose delivery failed: the receiver is looked up anew, "
                      "on this platform first and then on the Peppol network, and the "
                      "document is delivered again. Answers the status afterwards; follow "
                      "it as after sending. Asking again while the document is queued once "
                      "more changes nothing and answers the same."),
        request=None,
        responses={200: SentDocumentSerializer, **NOT_FOUND,
                   **problems({409: _(
                       "The document's delivery did not fail: it was delivered, refused, or "
                       "is still being checked.")}),
                   **PROBLEMS},
    )
    def post(self, request, pk):
        self.take_step(self.sent(pk).retry_delivery)
        return Response(SentDocumentSerializer(self.sent(pk)).data)


class UtcMomentField(IsoDateTimeField):
    def clean(self, value):
        moment = super().clean(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            # 0001-01-01T00:00:00+01:00 is a moment of the year 0 in UTC.
            raise ValidationError(_("This moment lies outside the years 1 to 9999 in UTC."),
                                  code="invalid") from None


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 moment compared in UTC: PostgreSQL refuses offsets beyond ±15:59 that
    ISO 8601 (and so the client) may write, such as +16:06."""

    field_class = UtcMomentField


class StrictBooleanWidget(BooleanWidget):
    """true, false, 1 or 0, in any case; anything else is kept as given for the field to
    refuse, where BooleanWidget would read it as not given."""

    def value_from_datadict(self, data, files, name):
        given = data.get(name)
        if given in (None, ""):
            return None
        read = super().value_from_datadict(data, files, name)
        return given if read is None else read


class StrictBooleanField(forms.NullBooleanField):
    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        raise ValidationError(_("Give true or false."), code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    """A yes or no that answers 400 to any other value, as the inbox's other filters do."""

    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", StrictBooleanWidget)
        super().__init__(*args, **kwargs)


class InboxFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in INCOMING_STATUSES],
        label=_("Only documents in this status. Documents held as possible duplicates, and "
                "rejected ones, are listed only when asked for so: status=duplicate, "
                "status=rejected."))
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte", label=_(
        "Received at this moment (ISO 8601) or later."))
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt", label=_(
        "Received before this moment (ISO 8601)."))
    include_duplicates = StrictBooleanFilter(
        method="keep_duplicates", label=_("Also list documents held as possible duplicates "
                                          "(true or false; false unless given)."))

    class Meta:
        model = Document
        fields = ["status", "created_after", "created_before", "include_duplicates"]

    def keep_duplicates(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        asked = self.form.cleaned_data
        if not asked.get("include_duplicates") and asked.get("status") != Status.DUPLICATE:
            queryset = queryset.exclude(status=Status.DUPLICATE)
        # The receiver refused a rejected document: its software no longer gets it, unless
        # it asks for exactly those, to see what was rejected.
        if asked.get("status") != Status.REJECTED:
            queryset = queryset.exclude(status=Status.REJECTED)
        return queryset


class InboxPages(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    page_size_query_description = _("Documents a page: 50 unless given, at most 200. A "
                                    "value that is not a whole number from 1 to 200 answers "
                                    "400, not a page of another size.")

    def get_page_size(self, request):
        # DRF takes a page size it cannot read as none given, and one too large as the
        # largest: the client would not learn that it asked for what it does not get.
        given = request.query_params.get(self.page_size_query_param, "")
        if given == "":
            return self.page_size
        if not (given.isascii() and given.isdigit() and len(given) <= 4
                and 1 <= int(given) <= self.max_page_size):
            raise exceptions.ValidationError({self.page_size_query_param: [
                _("Give a whole number from 1 to %(most)d.") % {"most": self.max_page_size}]})
        return int(given)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size,
                                           default=self.page_size)
        return parameters

    def decode_cursor(self, request):
        # DRF answers a cursor it cannot read with 404, and takes any position in one that
        # it can: both are a mistake in the request. A position the inbox gave is an id.
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = False
        if cursor is False or cursor is not None and cursor.position is not None and not (
                cursor.position.isascii() and cursor.position.isdigit()
                and len(cursor.position) <= 18):
            raise exceptions.ValidationError({self.cursor_query_param: [_(
                "This is not a cursor the inbox gave: follow next or previous of a page, or "
                "start again without one.")]})
        return cursor

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        for link in ("next", "previous"):
            # OpenAPI 3.1 has no "nullable"; a missing link is null.
            described["properties"][link].pop("nullable")
            described["properties"][link]["type"] = ["string", "null"]
            described["properties"][link]["example"] = \
                "https://portal.example/api/v1/inbox?cursor=cD00ODY%3D"
        return described


class InboxView(KeyView, generics.ListAPIView):
    serializer_class = ReceivedDocumentSerializer
    pagination_class = InboxPages
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = InboxFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        return self.documents().inbox().defer("content", "validation")

    @extend_schema(
        operation_id="inbox_list", summary=_("Received documents"),
        description=_("The key's organization's received documents, newest first, a page "
                      "at a time (follow `next`). Documents held as possible duplicates "
                      "are left out unless include_duplicates=true or status=duplicate. "
                      "Rejected documents are left out unless status=rejected: the receiver "
                      "refused them, and their UBL is no longer offered. A filter or "
                      "page_size that is not valid answers 400, naming it in `errors`."),
        responses={200: ReceivedDocumentSerializer(many=True), **BAD_REQUEST, **PROBLEMS},
    )
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # A guided setup waits for the key's first fetch.
        self.noted_use = {"fetched": True}
        return response


# The delete call's documentation, shared by its path and the service broker's.
DELETE_SCHEMA = {
    "summary": _("Delete a received document"),
    "description": _("Deletes the document from the inbox for good; the audit log keeps that "
                     "it was deleted, and by which key."),
    "responses": {204: None, **NOT_FOUND, **PROBLEMS},
}


class ReceivedDocumentView(KeyView):
    # Reading it is receiving; deleting it is a right of its own.
    party_rights = {"DELETE": REMOVE}

    @extend_schema(
        operation_id="inbox_document", summary=_("A received document"),
        description=_("What the inbox list says of one received document: its numbers, "
                      "sender, status and the address to download its UBL from. A document "
                      "held as a possible duplicate, or rejected, is still described here, "
                      "with that status and its reason; its download answers 409."),
        responses={200: ReceivedDocumentSerializer, **NOT_FOUND, **PROBLEMS},
    )
    def get(self, request, pk):
        return Response(ReceivedDocumentSerializer(self.received(pk)).data)

    @extend_schema(operation_id="inbox_delete", **DELETE_SCHEMA)
    def delete(self, request, pk):
        self.received(pk).discard(None, actor_label=self.actor_label())
        return Response(status=204)


# The download call's documentation, shared by its path and the service broker's.
DOWNLOAD_SCHEMA = {
    "summary": _("Download a received document"),
    "description": _("The UBL exactly as it was received, byte for byte. A possible duplicate "
                     "is offered only after it is marked as original. A rejected document is "
                     "no longer offered: the answer is 409, saying who rejected it and why."),
    # The document is XML whatever is asked; JSON is the errors' format only.
    "parameters": [OpenApiParameter("format", exclude=True),
                   response_header("Content-Disposition", _("attachment, with a file name "
                                                            "for the document."), 200)],
    "responses": {(200, XML): OpenApiResponse(OpenApiTypes.BINARY, _("The UBL document.")),
                  **NOT_FOUND,
                  **problems({409: _("Held as a possible duplicate, or rejected: then the "
                                     "type ends in document-rejected, and detail says who "
                                     "rejected it and why.")}),
                  **PROBLEMS},
}


class DownloadView(KeyView):
    renderer_classes = [JSONRenderer, XmlRenderer]

    @extend_schema(operation_id="inbox_download", **DOWNLOAD_SCHEMA)
    def get(self, request, pk):
        document = self.document(self.documents().inbox(), pk)
        if not offered_to_software(document):
            if document.status == Status.REJECTED:
                return rejected_problem(document)
            raise NotNow(_("This document is held as a possible duplicate; it can be "
                           "downloaded once it is marked as original in the portal."))
        # A guided setup waits for the key's first fetch.
        self.noted_use = {"fetched": True}
        response = HttpResponse(bytes(document.content), content_type=XML)
        response["Content-Disposition"] = f'attachment; filename="document-{document.pk}.xml"'
        return response


def rejected_problem(document: Document) -> Response:
    """409 for a rejected document's download: who rejected it and why, as its history
    and status reason keep them."""
    event = document.events.filter(to_status=Status.REJECTED).order_by("-at", "-id").first()
    values = {"who": event.actor_label if event else "", "reason": document.reason_shown or "—"}
    if event is not None and event.actor_id is not None:
        detail = _("This document was rejected in the portal by %(who)s: %(reason)s. A "
                   "rejected document is no longer offered to your software.") % values
    elif event is not None:
        detail = _("This document was rejected by %(who)s: %(reason)s. A rejected document "
                   "is no longer offered to your software.") % values
    else:
        detail = _("This document was rejected: %(reason)s. A rejected document is no longer "
                   "offered to your software.") % values
    return Response(problem(409, detail, code="document-rejected",
                            title=str(_("Document rejected"))),
                    status=409, content_type=PROBLEM_CONTENT_TYPE)


class PartyInPath:
    """The service broker's own paths, which name the organization in the path (its company
    ID, XCNL…) instead of the X-Party-Id header. A connection key may use them only for its
    own organization."""

    schema = PartyPathSchema()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        party = kwargs.get("party_id", "")
        if broker_caller(request) is None and \
                party.lower() != request.auth.organization.company_id.lower():
            raise PartyNotLinked(_("This connection key is for %(company_id)s; the path names "
                                   "%(party)s.")
                                 % {"company_id": request.auth.organization.company_id,
                                    "party": party[:40]})


class BrokerSendView(PartyInPath, SendView):
    @extend_schema(operation_id="broker_sales_invoice_send", **SEND_SCHEMA)
    def post(self, request, party_id):
        return super().post(request)


class BrokerDownloadView(PartyInPath, DownloadView):
    @extend_schema(operation_id="broker_purchase_invoice_download", **DOWNLOAD_SCHEMA)
    def get(self, request, party_id, pk):
        return super().get(request, pk)


class BrokerReceivedDocumentView(PartyInPath, ReceivedDocumentView):
    http_method_names = ["delete", "options"]

    @extend_schema(operation_id="broker_purchase_invoice_delete", **DELETE_SCHEMA)
    def delete(self, request, party_id, pk):
        return super().delete(request, pk)


class InboxStepView(KeyView):
    """A step on a received document: `step` names its transition method, which takes the
    one value the request's `body` (a serializer of one field) holds, if any. Answers the
    document as it is afterwards."""

    step, body = "", None

    def post(self, request, pk):
        document = self.received(pk)
        values = ()
        if self.body is not None:
            given = self.body(data=request.data)
            given.is_valid(raise_exception=True)
            values = tuple(given.validated_data.values())
        self.take_step(getattr(document, self.step), *values)
        return Response(ReceivedDocumentSerializer(document).data)


NOT_IN_THIS_STATUS = _("Not possible in the document's status.")


def inbox_step(operation_id, summary, description, *, body=None,
               conflict=NOT_IN_THIS_STATUS):
    """An InboxStepView's place in the OpenAPI document."""
    return extend_schema_view(post=extend_schema(
        operation_id=operation_id, summary=summary, description=description, request=body,
        responses={200: ReceivedDocumentSerializer, **(JSON_BODY if body else {}),
                   **NOT_FOUND, **problems({409: conflict}),
                   **PROBLEMS}))


@inbox_step("inbox_mark_downloaded", _("Mark a received document downloaded"),
            _("Says the document was fetched; it is then kept seven days more. Marking it "
              "again changes nothing, nor does marking one that has a processing status."))
class MarkDownloadedView(InboxStepView):
    step = "mark_downloaded"


@inbox_step("inbox_reject", _("Reject a received document"),
            _("The receiver refuses the document and says why. It is then no longer offered "
              "as new. A sender on this platform sees the reason on its copy and is emailed; "
              "a sender at another access point is not told. Rejecting it again changes "
              "nothing."),
            body=RejectionSerializer,
            conflict=_("Not possible in the document's status (paid, say), or it was deleted "
                       "meanwhile."))
class RejectView(InboxStepView):
    step, body = "reject", RejectionSerializer
    party_right = STATUS


@inbox_step("inbox_processing_status", _("Set a received document's processing status"),
            _("Says how far your bookkeeping is with the document: opened, under review, "
              "approved, approved for payment, payment started or paid. Any of them may follow "
              "any other, so one set too soon can be changed back; a rejected or held "
              "document takes none. A sender on this platform "
              "sees it on its copy. Setting the same status again changes nothing."),
            body=ProcessingStatusSerializer)
class ProcessingStatusView(InboxStepView):
    step, body = "set_processing_status", ProcessingStatusSerializer
    party_right = STATUS


class RecipientsView(KeyView):
    party_right = SEND

    @extend_schema(
        operation_id="recipients", summary=_("Who can receive"),
        description=_("For each endpoint id (scheme:value, at most 25), whether it can "
                      "receive through this platform or over the Peppol network, and the "
                      "document types it accepts. The answers come in the order asked, each "
                      "with the id as asked (without surrounding spaces) and as the platform "
                      "writes it."),
        request=RecipientQuerySerializer,
        responses={200: RecipientSerializer(many=True), **JSON_BODY, **PROBLEMS},
    )
    def post(self, request):
        query = RecipientQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        asked = query.validated_data["identifiers"]
        return Response([{"asked": text, "identifier": a.identifier, "valid": a.valid,
                          "reachable": a.reachable, "platform": a.platform,
                          "peppol": a.peppol, "document_types": a.document_types,
                          "error": a.error}
                         for text, a in zip(asked, reach(asked), strict=True)])
