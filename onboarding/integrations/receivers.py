"""Receivers of real platform events: each brings the organization's open runs up to date,
after the event's transaction commits, so a run records the moment it happened."""

from __future__ import annotations

import logging
import re

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from onboarding.api.api31 import connection_test_failed
from onboarding.integrations.checks import NAMESPACE_FAULTS
from onboarding.integrations.runs import IntegrationRun
from onboarding.models import ConnectionKey, PartyLink
from onboarding.models.connection_keys import (
    APP_KEY_PREFIX,
    connection_tested,
    connection_used,
)

logger = logging.getLogger(__name__)
APP_KEY = re.compile(re.escape(APP_KEY_PREFIX).encode() + rb"[0-9a-f]{24}")


class _Refresh:
    """Brings an organization's open runs up to date once its transaction commits."""

    def __init__(self, organization_id: int, event: str):
        self.organization_id, self.event = organization_id, event
        self.done = False

    def __call__(self):
        self.done = True
        # A run's bookkeeping must never break the event that fed it.
        try:
            for run in IntegrationRun.objects.open().filter(
                    organization_id=self.organization_id):
                run.refresh(event=self.event)
        except Exception:
            logger.exception("Refreshing integration runs after %s failed", self.event)


def refresh_runs(organization_id: int, event: str) -> None:
    """One refresh per organization and transaction, however many of its events it holds;
    the latest event names it."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # Django drops the callbacks of a savepoint that rolls back from this list, so a
        # refresh found here is one that will run.
        for _savepoints, pending, _robust in connection.run_on_commit:
            if isinstance(pending, _Refresh) and not pending.done \
                    and pending.organization_id == organization_id:
                pending.event = event
                return
    transaction.on_commit(_Refresh(organization_id, event))


@receiver(post_save, sender=ConnectionKey, dispatch_uid="integrations.key_saved")
def key_saved(sender, instance, created, **kwargs):
    refresh_runs(instance.organization_id,
                 "connection_key.created" if created else "connection_key.changed")


@receiver(connection_tested, dispatch_uid="integrations.key_tested")
def key_tested(sender, pk, **kwargs):
    _key_event(pk, "connection_key.tested")


@receiver(connection_used, dispatch_uid="integrations.key_used")
def key_used(sender, pk, **kwargs):
    _key_event(pk, "connection_key.used")


def _key_event(pk, event):
    organization_id = (ConnectionKey.objects.filter(pk=pk)
                       .values_list("organization_id", flat=True).first())
    if organization_id:
        refresh_runs(organization_id, event)


@receiver(connection_test_failed, dispatch_uid="integrations.api31_failed")
def api31_failed(sender, payload, reason, message, key=None, **kwargs):
    """Keep why a Business Central test last failed, so its step can say why. A call that
    had the key's App Key and Secret right names its key; before that, only a namespace
    setting that keeps the envelope from being read is kept, found by the App Key in it
    (with the advice for that setting), as anyone may know an App Key."""
    if key is None and reason in NAMESPACE_FAULTS:
        found = APP_KEY.search(payload)
        key = found and ConnectionKey.objects.filter(app_key=found.group().decode()).first()
    if not key:
        return
    failure = {"app_key": key.app_key, "reason": reason, "message": message[:500]}
    for run in IntegrationRun.objects.filter(organization_id=key.organization_id,
                                             setup="business-central-api31"):
        run.note_fact("api31_failure", failure)


@receiver(post_save, sender=PartyLink, dispatch_uid="integrations.party_link")
def party_link_saved(sender, instance, **kwargs):
    refresh_runs(instance.organization_id, "party_link.approved")


def document_event_saved(sender, instance, created, **kwargs):
    # Runs follow only the documents their software sent, by a key or the service broker.
    if created and _sent_by_software(instance.document):
        refresh_runs(instance.document.organization_id, f"document.{instance.to_status}")


def _sent_by_software(document) -> bool:
    from invoices.models import Channel, Direction

    return document.direction == Direction.OUTGOING and bool(
        document.connection_key_id or document.entra_identity_id
        or document.channel == Channel.SERVICE_BROKER)


def _connect_documents():
    from invoices.models.documents import DocumentEvent

    post_save.connect(document_event_saved, sender=DocumentEvent,
                      dispatch_uid="integrations.document_event")


_connect_documents()
