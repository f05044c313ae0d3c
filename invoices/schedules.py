"""The invoices app's periodic work, run by the task workers."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from portal.tasks import periodic


@periodic(every=timedelta(hours=1))
@task()
def purge_documents() -> int:
    """Delete received documents past their retention; idempotent, so a second run in the
    same hour finds nothing left to delete."""
    from invoices.retention import purge_due

    return purge_due()


@periodic(every=timedelta(hours=1))
@task()
def remind_of_waiting_invoices() -> int:
    """Mail the administrators of organizations whose received invoices nobody fetches;
    idempotent, since a reminder is sent at most once per INBOX_REMINDER_REPEAT_DAYS."""
    from invoices.models import InboxReminder

    return InboxReminder.send_due()


@periodic(every=timedelta(minutes=10))
@task()
def route_waiting_documents() -> int:
    """Documents waiting for the Peppol network try again, so one sent before its receiver
    joined the platform, or before the access point was configured, still goes out."""
    from invoices.submission import route_waiting

    return route_waiting()
