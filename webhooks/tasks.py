"""Webhook deliveries as background work: each try is a task, and a periodic sweep queues the
retries whose time has come (the backoff of WEBHOOKS_RETRY_SECONDS, spread over a day;
the sweep runs every two minutes, precise enough for pauses of a minute to hours)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django_tasks import task

from portal.tasks import enqueue, periodic


@task()
def deliver(delivery_pk: int) -> str:
    from webhooks.events import attempt

    return attempt(delivery_pk)


@periodic(every=timedelta(minutes=2))
@task()
def deliver_due() -> int:
    from webhooks.events import due

    pks = due()
    with transaction.atomic():
        for pk in pks:
            enqueue(deliver, pk)
    return len(pks)


@periodic(every=timedelta(hours=1))
@task()
def purge_deliveries() -> int:
    """Finished deliveries, with their tries, go after WEBHOOKS_KEEP_DAYS."""
    from webhooks.events import purge_due

    return purge_due()
