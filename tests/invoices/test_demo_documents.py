import pytest
from django.core.management import call_command

from invoices.models import Direction, Document, Status

pytestmark = pytest.mark.django_db


def test_it_puts_documents_in_the_demo_organizations_outbox_and_inbox():
    call_command("seed_demo")
    outbox = Document.objects.filter(direction=Direction.OUTGOING)
    inbox = Document.objects.filter(direction=Direction.INCOMING)
    assert sorted(outbox.values_list("status", flat=True)) == [Status.QUEUED, Status.REFUSED]
    assert sorted(inbox.values_list("status", flat=True)) == [Status.DUPLICATE, Status.RECEIVED]
    refused = outbox.get(status=Status.REFUSED)
    assert "PEPPOL-EN16931-R003" in {m["rule_id"] for m in refused.validation["messages"]}
    assert all(d.validation["valid"] for d in Document.objects.exclude(pk=refused.pk))
