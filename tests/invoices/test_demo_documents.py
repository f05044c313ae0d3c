import pytest
from django.core.management import call_command

from invoices.models import Direction, Document, Status
from onboarding.models import User

pytestmark = pytest.mark.django_db


def test_it_puts_documents_in_the_demo_organizations_outbox_and_inbox():
    call_command("seed_demo")
    outbox = Document.objects.filter(direction=Direction.OUTGOING)
    inbox = Document.objects.filter(direction=Direction.INCOMING)
    assert sorted(outbox.values_list("status", flat=True)) == [Status.QUEUED, Status.REFUSED]
    assert sorted(inbox.values_list("status", flat=True)) == [
        Status.APPROVED_FOR_PAYMENT, Status.DUPLICATE, Status.RECEIVED]
    refused = outbox.get(status=Status.REFUSED)
    assert "PEPPOL-EN16931-R003" in {m["rule_id"] for m in refused.validation["messages"]}
    assert all(d.validation["valid"] for d in Document.objects.exclude(pk=refused.pk))


def test_its_received_documents_carry_a_delivery_id_each_as_deliveries_do(client):
    call_command("seed_demo")
    inbox = Document.objects.filter(direction=Direction.INCOMING)
    assert len({document.delivery_id for document in inbox if document.delivery_id}) == 3

    client.force_login(User.objects.get(email="admin@demo-bakery.nl"))
    refused = Document.objects.get(status=Status.REFUSED)
    page = client.get(f"/documents/{refused.pk}/").content.decode()
    assert "None: a document gets one when it is queued for delivery." in page
    received = inbox.get(status=Status.RECEIVED)
    page = client.get(f"/documents/{received.pk}/").content.decode()
    assert f'<code id="delivery-id">{received.delivery_id}</code>' in page


def test_its_refusal_reads_in_the_readers_language_as_a_real_one_does():
    from django.utils.translation import override

    call_command("seed_demo")
    refused = Document.objects.get(status=Status.REFUSED)
    with override("nl"):
        shown = refused.reason_shown
    assert shown != refused.status_reason and "BIS Billing 3.0" in shown


def test_its_received_invoice_carries_the_suppliers_specification(client):
    call_command("seed_demo")
    received = Document.objects.get(direction=Direction.INCOMING, status=Status.RECEIVED)
    client.force_login(User.objects.get(email="admin@demo-bakery.nl"))

    page = client.get(f"/documents/{received.pk}/").content.decode()
    assert "specificatie-M-88120.csv</a> · Specificatie van de levering" in page
    inbox = client.get("/documents/inbox/").content.decode()
    assert inbox.count('title="1 attachment"') == 2  # the invoice and its held duplicate

    response = client.get(f"/documents/{received.pk}/attachments/1/")
    assert response["Content-Type"] == "text/csv"
    assert response.content.decode().splitlines() == [
        "Omschrijving;Aantal;Prijs", "Volkorenbrood;40;2,35", "Bezorging;1;15,00"]
