"""Copies of one invoice sent at the same moment to a receiver on the platform: the first
lands in the inbox, the others as duplicates, on SQLite as on PostgreSQL."""

import pytest

from invoices.models import Channel, Document, Status
from invoices.submission import accept, check_and_route
from tests.invoices.conftest import invoice
from tests.onboarding.test_races import at_once

pytestmark = pytest.mark.django_db(transaction=True)

COPIES = 4


def test_copies_routed_at_once_meet_the_duplicate_check_one_after_the_other(
        settings, sender, receiver):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    pks = [accept(sender, invoice("RACE-1"), Channel.CONNECTION_KEY,
                  actor_label="test").pk for _ in range(COPIES)]

    results = at_once(COPIES, lambda i: check_and_route(pks[i]))

    assert results == [Status.DELIVERED] * COPIES
    arrived = Document.objects.inbox().filter(organization=receiver)
    assert sorted(arrived.values_list("status", flat=True)) == sorted(
        [Status.RECEIVED] + [Status.DUPLICATE] * (COPIES - 1))
