"""What authenticating a connection key needs, kept in the cache between API calls.

An ERP calls the API often with the same key, and loading the key with its organization and
identifiers costs more than all the rest of a call. So the lookup is cached per App Key,
as plain values, and every change to a key, its organization or the organization's
identifiers drops the cached entries at once (and again when the change commits, so that
a call that read the old row in between does not keep it). The entry also expires by
itself after settings.API_KEY_CACHE_SECONDS. Several server processes need a shared cache
(CACHE_URL) for a revocation to reach them all at once.

While Redis cannot be reached the cache keeps nothing (portal.cache), so every call loads
the key from the database and a revocation holds at once. But the drop that a revocation
makes is lost then, and an entry loaded before it may still be in Redis when it answers
again (a network partition keeps its data): served, it would let a revoked key back in.
Two rules close that:

- Each entry says when it was loaded, and a process refuses entries loaded before the last
  moment it could not reach the cache (portal.cache.unreachable_at): it cannot know which
  drops it, or another process, missed meanwhile. It loads those keys afresh, once.
- A process whose drop was lost drops those entries again as soon as it reaches the cache
  (at its next lookup or change of a key), for the processes that did not notice the outage.

What is left: a process that made no cache call during the outage may serve such an entry
until the process that lost the drop reaches the cache again, and never longer than
API_KEY_CACHE_SECONDS after the entry was loaded. A check of the database on every call
would close that too, at the cost the cache is there to save.
"""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass
from datetime import datetime

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
from onboarding.models.connection_keys import inbox_fetched, secret_digest
from portal.cache import failure_count, unreachable_at

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
    # As loaded: a key that never fetched its inbox has its first fetch written at once (see
    # ConnectionKey.record_fetch), which then drops the entry.
    first_fetched_at: datetime | None = None
    # Environment.api_access_refusal said no when the entry was loaded; a change of plan or
    # contract drops the entry, so this is never older than the plan.
    plan_refused: bool = False
    # time.time() when it was read from the database (0.0: by a release that did not say).
    loaded_at: float = 0.0

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

    def note_use(self, **kwargs) -> None:
        ConnectionKey.note_use_of(self, self.id, **kwargs)


def _load(app_key: str) -> CachedKey | None:
    loaded_at = time.time()
    key = (ConnectionKey.objects.select_related("organization", "organization__environment")
           .only("id", "app_key", "secret_hash", "software", "revoked_at", "first_fetched_at",
                 "organization__id", "organization__environment_id", "organization__name",
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
        first_fetched_at=key.first_fetched_at,
        organization=CachedOrganization(
            id=organization.pk, environment_id=organization.environment_id,
            name=organization.name, company_id=organization.company_id,
            status=organization.status),
        loaded_at=loaded_at,
    )


# Clocks of the server processes differ a little; an entry loaded this close to an outage
# counts as loaded before it.
CLOCK_MARGIN_SECONDS = 1.0

# Cache names whose drop did not reach the cache, dropped again once it answers.
_undropped: set[str] = set()
_undropped_lock = threading.Lock()


def lookup(app_key: str) -> CachedKey | None:
    if _undropped:
        _drop_again()
    cached = cache.get(PREFIX + app_key)
    if isinstance(cached, CachedKey) and (
            cached.loaded_at <= unreachable_at(cache) + CLOCK_MARGIN_SECONDS):
        cached = None
    if cached is None:
        cached = _load(app_key) or UNKNOWN
        cache.set(PREFIX + app_key, cached, settings.API_KEY_CACHE_SECONDS)
    return None if cached == UNKNOWN else cached


def _drop(names: list[str]) -> None:
    failures = failure_count(cache)
    cache.delete_many(names)
    if failure_count(cache) != failures:
        with _undropped_lock:
            _undropped.update(names)


def _drop_again() -> None:
    with _undropped_lock:
        names = list(_undropped)
        _undropped.clear()
    if names:
        _drop(names)


def forget(app_keys) -> None:
    names = [PREFIX + app_key for app_key in app_keys]
    if not names:
        return
    if _undropped:
        _drop_again()
    _drop(names)
    transaction.on_commit(lambda: _drop(names))


def forget_organization(organization_id: int) -> None:
    forget(ConnectionKey.objects.filter(organization_id=organization_id)
           .values_list("app_key", flat=True))


@receiver([post_save, post_delete], sender=ConnectionKey, dispatch_uid="api-key-cache-key")
def _key_changed(sender, instance, **kwargs):
    forget([instance.app_key])


@receiver(inbox_fetched, dispatch_uid="api-key-cache-fetched")
def _key_fetched(sender, pk, **kwargs):
    # Written with an UPDATE, which sends no post_save.
    forget(ConnectionKey.objects.filter(pk=pk).values_list("app_key", flat=True))


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
