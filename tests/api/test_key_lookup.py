"""The API's precompiled key lookup gives what the ORM gives, on every connection."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from onboarding.api.queries import key_with_organization
from onboarding.models import ConnectionKey, Organization

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_loads_the_key_and_organization_as_the_orm_does(cast, acme, acme_key):
    ConnectionKey.objects.filter(pk=acme_key.key.pk).update(
        last_used_at=timezone.now() - timedelta(minutes=5), revoked_at=timezone.now())

    key, identifiers = key_with_organization(acme_key.key.app_key)

    stored = ConnectionKey.objects.select_related("organization").get(pk=acme_key.key.pk)
    for field in ("pk", "app_key", "software", "secret_hash", "last_used_at", "last_tested_at",
                  "revoked_at", "organization_id"):
        assert getattr(key, field) == getattr(stored, field), field
    assert key.revoked_at.tzinfo is not None
    for field in ("pk", "name", "company_id", "status", "environment_id"):
        assert getattr(key.organization, field) == getattr(stored.organization, field), field
    assert identifiers == [("0106", "12345678")]
    # A field the lookup leaves out still loads, on first reading.
    assert key.organization.registry_number == "12345678"


def test_it_answers_an_organization_without_identifiers_and_an_unknown_key(cast, acme,
                                                                           acme_key):
    Organization.objects.get(pk=acme.pk).identifiers.all().delete()

    assert key_with_organization(acme_key.key.app_key)[1] == []
    assert key_with_organization("ppk_unknown") is None


def test_it_works_on_each_threads_own_connection(acme_key):
    found = []

    def look_up():
        try:
            found.append(key_with_organization(acme_key.key.app_key)[0].pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=look_up) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert found == [acme_key.key.pk] * 3
