"""Receivers of real platform events: each brings the organization's runs up to date, after
the event's transaction commits, so a run records the moment it happened. A finished run is
brought up to date too by the events that can break it (a key revoked, a party link
withdrawn); the many document events only move the runs still open."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from onboarding.api.api31 import REFUSALS, connection_test_failed
from onboarding.integrations.checks import KEY_REFUSAL, NAMESPACE_FAULTS
from onboarding.integrations.registry import all_setups
from onboarding.integrations.runs import IntegrationRun
from onboarding.models import ConnectionKey, PartyLink
from onboarding.models.connection_keys import (
    APP_KEY_PREFIX,
    LAST_USED_RESOLUTION,
    call_refused,
    connection_tested,
    connection_used,
    inbox_fetched,
)

logger = logging.getLogger(__name__)
APP_KEY = re.compile(re.escape(APP_KEY_PREFIX).encode() + rb"[0-9a-f]{24}")


class _Refresh:
    """Brings an organization's open runs up to date once its transaction commits."""

    def __init__(self, organization_id: int, event: str):
        self.organization_id, self.event = organization_id, event
        self.done = False
        self.finished_too = not _document_event(event)

    def __call__(self):
        self.done = True
        # A run's bookkeeping must never break the event that fed it.
        runs = IntegrationRun.objects.filter(organization_id=self.organization_id)
        if not self.finished_too:
            runs = runs.open()
        try:
            for run in runs:
                run.refresh(event=self.event)
        except Exception:
            logger.exception("Refreshing integration runs after %s failed", self.event)


def _document_event(event: str) -> bool:
    return event.startswith("document.")


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
                pending.finished_too = pending.finished_too or not _document_event(event)
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


@receiver(inbox_fetched, dispatch_uid="integrations.inbox_fetched")
def key_fetched_inbox(sender, pk, **kwargs):
    _key_event(pk, "connection_key.inbox_fetched")


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
    (with the advice for that setting), as anyone may know an App Key. A call the key's
    authentication refused (a wrong Secret, a revoked key) is kept by refused_call."""
    if reason in REFUSALS:
        return
    if key is None and reason in NAMESPACE_FAULTS:
        found = APP_KEY.search(payload)
        key = found and ConnectionKey.objects.filter(app_key=found.group().decode()).first()
    if not key:
        return
    failure = {"app_key": key.app_key, "reason": reason, "message": message[:500],
               "at": timezone.now().isoformat()}
    for run in IntegrationRun.objects.filter(organization_id=key.organization_id,
                                             setup="business-central-api31"):
        run.note_fact("api31_failure", failure)


@receiver(call_refused, dispatch_uid="integrations.refused_call")
def refused_call(sender, app_key, reason, payload=b"", **kwargs):
    """A call through any API whose credentials were refused: kept for every setup of the
    key's software (see key_refused), the App Key found in the call's body when the refusal
    did not name it."""
    if not app_key:
        found = APP_KEY.search(payload or b"")
        app_key = found.group().decode() if found else ""
    key_refused(app_key, reason)


def key_refused(app_key: str, reason: str, at=None) -> None:
    """Keep the last refused call with a known App Key on each setup of the key's software
    for its organization, so the step that waits for the software's first call says why it
    has not come: the Secret does not match, the key was revoked, the organization is not
    active, the plan has no API access. A software that retries in a loop writes once a
    minute at most for the same key and reason."""
    key = ConnectionKey.objects.filter(app_key=app_key).first() if app_key else None
    if key is None:
        return
    at = at or timezone.now()
    refusal = {"app_key": key.app_key, "reason": reason, "at": at.isoformat()}
    slugs = [setup.slug for setup in all_setups() if setup.software == key.software]
    for run in IntegrationRun.objects.filter(organization_id=key.organization_id,
                                             setup__in=slugs):
        last = run.facts.get(KEY_REFUSAL) or {}
        if last.get("app_key") == key.app_key and last.get("reason") == reason \
                and _since(last.get("at"), at) < LAST_USED_RESOLUTION:
            continue
        run.note_fact(KEY_REFUSAL, refusal)


def _since(iso: str | None, at) -> timedelta:
    try:
        return at - datetime.fromisoformat(iso or "")
    except (TypeError, ValueError):
        return timedelta.max


def party_link_event(instance, created: bool, update_fields) -> str:
    """Which party-link event of runs.EVENTS a save of `instance` was, by what it wrote (the
    model's methods name the fields they change: grant, switch_sending, revoke)."""
    fields = set(update_fields or ())
    if created:
        return "party_link.approved"
    if "revoked_at" in fields or instance.revoked_at is not None:
        return "party_link.revoked"
    if fields == {"sending_enabled"}:
        return "party_link.sending_switched"
    return "party_link.changed"


@receiver(post_save, sender=PartyLink, dispatch_uid="integrations.party_link")
def party_link_saved(sender, instance, created=False, update_fields=None, **kwargs):
    refresh_runs(instance.organization_id, party_link_event(instance, created, update_fields))


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
