"""What authenticating a connection key needs, kept in the cache between API calls.

An ERP calls the API often with the same key, and loading the key with its organization and
identifiers costs more than all the rest of a call. So the lookup is cached per App Key,
as plain values, and every change to a key, its organization or the organization's
identifiers drops the cached entries at once (and again when the change commits, so that
a call that read the old row in between does not keep it). The entry also expires by
itself after settings.API_KEY_CACHE_SECONDS. Several server processes need a shared cache
(CACHE_URL) for a revocation to reach them all at once.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from onboarding.models import (
    ConnectionKey,
    Contract,
    Environment,
    Organization,
    OrganizationIdentifier,
    Software,
)
from onboarding.models.connection_keys import TEST_RESOLUTION, secret_digest

PREFIX = "api-key:"
# Kept for unknown App Keys too, so that guessing keys does not cost a query each.
UNKNOWN = "unknown"


@dataclass
class CachedOrganization:
    id: int
    environment_id: int
    name: str
    company_id: str
    status: str

    @property
    def is_active(self) -> bool:
        return self.status == Organization.Status.ACTIVE


@dataclass
class CachedKey:
    """What the API reads of a connection key and its organization. Plain values rather than
    model instances: building those would cost more than the rest of a ping."""

    id: int
    app_key: str
    secret_hash: str
    software: str
    revoked_at: datetime | None
    organization: CachedOrganization
    identifiers: tuple[tuple[str, str], ...]
    last_tested_at: datetime | None = None
    # Environment.api_access_refusal said no when the entry was loaded; a change of plan or
    # contract drops the entry, so this is never older than the plan.
    plan_refused: bool = False

    @property
    def pk(self) -> int:
        return self.id

    @property
    def organization_id(self) -> int:
        return self.organization.id

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def get_software_display(self) -> str:
        return Software(self.software).label

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, secret_digest(secret))

    def note_use(self, *, tested: bool = False, tests_every: timedelta = TEST_RESOLUTION) -> None:
        moment = ConnectionKey.record_use(self.id, tested=tested, tests_every=tests_every)
        if tested:
            self.last_tested_at = moment


def _load(app_key: str) -> CachedKey | None:
    key = (ConnectionKey.objects.select_related("organization", "organization__environment")
           .only("id", "app_key", "secret_hash", "software", "revoked_at", "organization__id",
                 "organization__environment_id", "organization__name",
                 "organization__company_id", "organization__status",
                 "organization__environment__id", "organization__environment__subscription")
           .filter(app_key=app_key).first())
    if key is None:
        return None
    organization = key.organization
    plan_refused = organization.environment.api_access_refusal(key.software) is not None
    identifiers = tuple(organization.identifiers.order_by("created_at", "id")
                        .values_list("scheme", "value"))
    return CachedKey(
        id=key.pk, app_key=key.app_key, secret_hash=key.secret_hash, software=key.software,
        revoked_at=key.revoked_at, identifiers=identifiers, plan_refused=plan_refused,
        organization=CachedOrganization(
            id=organization.pk, environment_id=organization.environment_id,
            name=organization.name, company_id=organization.company_id,
            status=organization.status),
    )


def lookup(app_key: str) -> CachedKey | None:
    cached = cache.get(PREFIX + app_key)
    if cached is None:
        cached = _load(app_key) or UNKNOWN
        cache.set(PREFIX + app_key, cached, settings.API_KEY_CACHE_SECONDS)
    return None if cached == UNKNOWN else cached


def forget(app_keys) -> None:
    names = [PREFIX + app_key for app_key in app_keys]
    if not names:
        return
    cache.delete_many(names)
    transaction.on_commit(lambda: cache.delete_many(names))


def forget_organization(organization_id: int) -> None:
    forget(ConnectionKey.objects.filter(organization_id=organization_id)
           .values_list("app_key", flat=True))


@receiver([post_save, post_delete], sender=ConnectionKey, dispatch_uid="api-key-cache-key")
def _key_changed(sender, instance, **kwargs):
    forget([instance.app_key])


@receiver([post_save, post_delete], sender=Organization, dispatch_uid="api-key-cache-org")
def _organization_changed(sender, instance, **kwargs):
    forget_organization(instance.pk)


@receiver([post_save, post_delete], sender=OrganizationIdentifier,
          dispatch_uid="api-key-cache-identifier")
def _identifier_changed(sender, instance, **kwargs):
    forget_organization(instance.organization_id)


def forget_environment(environment_id: int) -> None:
    forget(ConnectionKey.objects.filter(organization__environment_id=environment_id)
           .values_list("app_key", flat=True))


@receiver([post_save, post_delete], sender=Environment, dispatch_uid="api-key-cache-env")
def _environment_changed(sender, instance, **kwargs):
    forget_environment(instance.pk)


@receiver([post_save, post_delete], sender=Contract, dispatch_uid="api-key-cache-contract")
def _contract_changed(sender, instance, **kwargs):
    forget_environment(instance.environment_id)
