"""Received documents go 90 days after arrival or 7 days after download; sent ones stay."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from invoices.models import Document, DocumentEvent, Status
from invoices.retention import purge_due
from tests.invoices.test_document_model import incoming, outgoing

pytestmark = pytest.mark.django_db


def age(document, days):
    Document.objects.filter(pk=document.pk).update(
        created_at=timezone.now() - timedelta(days=days),
        keep_until=timezone.now() - timedelta(days=days) + timedelta(days=90))


def test_it_purges_received_documents_after_ninety_days(receiver, sender):
    old, young = incoming(receiver), incoming(receiver)
    sent = outgoing(sender)
    age(old, 91)
    age(sent, 400)
    age(young, 89)
    assert purge_due() == 1
    assert set(Document.objects.values_list("pk", flat=True)) == {young.pk, sent.pk}
    assert not DocumentEvent.objects.filter(document_id=old.pk).exists()


def test_it_purges_a_week_after_download(receiver):
    document = incoming(receiver)
    document.mark_downloaded(None)
    assert purge_due() == 0
    assert purge_due(now=timezone.now() + timedelta(days=7, minutes=1)) == 1


def test_it_keeps_duplicates_and_rejected_ones_only_for_the_same_ninety_days(receiver):
    duplicate = incoming(receiver, Status.DUPLICATE)
    assert purge_due(now=timezone.now() + timedelta(days=89)) == 0
    assert purge_due(now=timezone.now() + timedelta(days=91)) == 1
    assert not Document.objects.filter(pk=duplicate.pk).exists()


def test_it_purges_from_the_command(receiver, capsys):
    age(incoming(receiver), 100)
    call_command("purge_documents")
    assert "Purged 1 received document(s)." in capsys.readouterr().out
    assert not Document.objects.exists()


def test_it_keeps_outgoing_documents_until_the_organization_goes(sender, cast):
    outgoing(sender)
    assert purge_due(now=timezone.now() + timedelta(days=3650)) == 0
    sender.deactivate(cast.admin)
    sender.delete_by(cast.admin, sender.name)
    assert not Document.objects.exists()


def test_it_purges_on_the_workers_schedule(receiver):
    from invoices.schedules import purge_documents
    from portal.tasks import PERIODIC

    assert PERIODIC[purge_documents.module_path].every == timedelta(hours=1)
    age(incoming(receiver), 100)
    assert purge_documents.call() == 1 and purge_documents.call() == 0
    assert not Document.objects.exists()
