"""Two active organizations on the platform, one sending and one receiving, and invoices
between them written with the portal's own UBL writer."""

from datetime import date
from decimal import Decimal

import pytest

from invoices.peppol.ubl import Address, DocumentSpec, Line, Party, build
from onboarding.models import Organization, OrganizationIdentifier, Subscription
from tests.invoices.as4_world import peppol_world, pki  # noqa: F401 - fixtures

SENDER_KVK = "12345678"
RECEIVER_KVK = "87654321"


def activate(organization):
    Organization.objects.filter(pk=organization.pk).update(status=Organization.Status.ACTIVE)
    organization.refresh_from_db()
    return organization


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """The client's POST, with what the request's transaction does after its commit (routing
    the document, say) run before it answers."""
    def post(url, data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **kwargs)
    return post


@pytest.fixture
def sender(cast):
    return make_sender(cast)


@pytest.fixture
def receiver(cast):
    return make_receiver(cast)


def make_sender(cast):
    org = activate(Organization.create(
        environment=cast.company, by=cast.admin, name="Acme Trading BV",
        registry_number=SENDER_KVK, registry_checked=True, street="Hoofdstraat 1",
        postal_code="3511 AA", city="Utrecht"))
    OrganizationIdentifier.add(org, cast.admin, "0106", SENDER_KVK)
    return org


def make_receiver(cast):
    cast.client.subscription = Subscription.BASIC
    cast.client.save()
    org = activate(Organization.create(
        environment=cast.client, by=cast.client_admin, name="Bakery Client BV",
        registry_number=RECEIVER_KVK, registry_checked=True, street="Kerkstraat 2",
        postal_code="3701 AB", city="Zeist"))
    identifier = OrganizationIdentifier.add(org, cast.client_admin, "0106", RECEIVER_KVK)
    identifier.switch(cast.client_admin, "receive", True)
    org.decide_receiving(cast.client_admin, True)
    return org


def party(name, kvk, street="Hoofdstraat 1", city="Utrecht", postal="3511 AA", vat=""):
    return Party(name, "0106", kvk, Address(street, city, postal, "NL"), "0106", kvk, vat)


def invoice(number="F-2026-001", *, supplier_kvk=SENDER_KVK, customer_kvk=RECEIVER_KVK,
            issue_date=date(2026, 11, 30), supplier_name="Acme Trading BV", **spec) -> bytes:
    values = {
        "number": number, "issue_date": issue_date, "due_date": date(2026, 12, 30),
        "supplier": party(supplier_name, supplier_kvk, vat="NL004495445B01"),
        "customer": party("Bakery Client BV", customer_kvk, "Kerkstraat 2", "Zeist", "3701 AB"),
        "lines": [Line("Advies", Decimal("2"), Decimal("100.00"), Decimal("21"))],
        "buyer_reference": "PO-1", "iban": "NL91ABNA0417164300",
        **spec,
    }
    return build(DocumentSpec(**values))


PDF = b"%PDF-1.4\n% a supporting document\n%%EOF\n"


def with_attachment(data: bytes, content: bytes = PDF, *, mime_code="application/pdf",
                    filename="invoice.pdf", reference="ATT-1", description="The invoice as PDF",
                    uri="", encoded: str | None = None) -> bytes:
    """`data` (a UBL invoice) with one more supporting document (BG-24), embedded as base64
    unless `uri` names it instead; `encoded` gives the base64 text as it is to be written."""
    import base64
    from xml.sax.saxutils import quoteattr

    if uri:
        attachment = f"<cac:ExternalReference><cbc:URI>{uri}</cbc:URI></cac:ExternalReference>"
    else:
        text = encoded if encoded is not None else base64.b64encode(content).decode()
        attachment = (f"<cbc:EmbeddedDocumentBinaryObject mimeCode={quoteattr(mime_code)} "
                      f"filename={quoteattr(filename)}>{text}</cbc:EmbeddedDocumentBinaryObject>")
    reference_xml = (f"<cac:AdditionalDocumentReference><cbc:ID>{reference}</cbc:ID>"
                     f"<cbc:DocumentDescription>{description}</cbc:DocumentDescription>"
                     f"<cac:Attachment>{attachment}</cac:Attachment>"
                     "</cac:AdditionalDocumentReference>").encode()
    # Supporting documents stand right before the supplier in UBL's order.
    return data.replace(b"<cac:AccountingSupplierParty>",
                        reference_xml + b"<cac:AccountingSupplierParty>", 1)


def received_over_peppol(organization, number, status="received"):
    """An invoice that reached `organization` from another access point: nobody on the
    platform sent it."""
    from invoices.models import Channel, Direction, Document

    return Document.store(organization=organization, direction=Direction.INCOMING,
                          status=status, content=invoice(number), channel=Channel.PEPPOL,
                          number=number)
