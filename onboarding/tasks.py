"""The onboarding app's periodic work: expiring what was not answered in time."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from portal.tasks import periodic


@periodic(every=timedelta(hours=1))
@task()
def expire_authorisation_requests() -> int:
    """Close pending authorisation requests past their date, so they no longer hold the
    one-pending-request slot and their link says expired. Idempotent."""
    from onboarding.models import AuthorisationRequest
    from onboarding.models.audit import record

    expired = 0
    overdue = AuthorisationRequest.objects.filter(status=AuthorisationRequest.Status.PENDING,
                                                  expires_at__lte=timezone.now())
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            current = AuthorisationRequest.objects.select_for_update().get(pk=pk)
            if current.status != AuthorisationRequest.Status.PENDING:
                continue
            current.status = AuthorisationRequest.Status.EXPIRED
            current.decided_at = current.expires_at
            current.save(update_fields=["status", "decided_at"])
            record(environment=current.environment, actor=None, actor_label="schedule",
                   action="authorisation_request.expired", target=current,
                   after={"status": "expired"})
            expired += 1
    return expired


@periodic(every=timedelta(hours=1))
@task()
def expire_invitations() -> int:
    """Invitations past their date: their secret is replaced, so a link that leaked later
    opens nothing, and the expiry is recorded once. Idempotent."""
    import secrets

    from onboarding.models import Invitation
    from onboarding.models.audit import record

    expired = 0
    overdue = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True,
                                        expires_at__lte=timezone.now()).exclude(
        key_hash__startswith="expired-")
    for invitation in overdue.select_related("environment"):
        with transaction.atomic():
            # Not a digest of any key, so no link matches it again; still unique.
            changed = Invitation.objects.filter(
                pk=invitation.pk, key_hash=invitation.key_hash,
            ).update(key_hash="expired-" + secrets.token_hex(28))
            if changed:
                record(environment=invitation.environment, actor=None, actor_label="schedule",
                       action="invitation.expired", target=invitation,
                       after={"email": invitation.email})
                expired += 1
    return expired


@periodic(every=timedelta(days=1))
@task()
def check_platform_registrations() -> int:
    """Ask the SML where each identifier of every active organization is registered, and
    flag those that another access point's SMP now serves ("registered elsewhere"): such an
    organization no longer receives here. Off while PEPPOL_OWN_SMP_URLS is empty; a lookup
    without an answer leaves the last verdict. Returns how many are registered elsewhere."""
    from django.conf import settings

    from invoices.peppol import smp
    from onboarding.models import Organization, OrganizationIdentifier
    from portal.tasks import checkpoint

    own = {url.rstrip("/").lower() for url in settings.PEPPOL_OWN_SMP_URLS}
    if not own:
        return 0
    zone = settings.PEPPOL_SML_ZONE or (
        smp.PRODUCTION_ZONE if settings.PEPPOL_SML == "production" else smp.TEST_ZONE)
    config = smp.SmlConfig(zone=zone, nameservers=settings.PEPPOL_DNS_SERVERS or None,
                           port=settings.PEPPOL_DNS_PORT, timeout=settings.PEPPOL_LOOKUP_TIMEOUT)
    elsewhere = 0
    identifiers = OrganizationIdentifier.objects.filter(
        organization__status=Organization.Status.ACTIVE).order_by("pk")
    for identifier in identifiers.iterator():
        try:
            result = smp.lookup(identifier.scheme, identifier.value, config)
        except smp.LookupFailed:
            continue
        found = result.smp_url.rstrip("/")
        flag = found if found and found.lower() not in own else ""
        OrganizationIdentifier.objects.filter(pk=identifier.pk).update(
            registration_checked_at=timezone.now(), registered_elsewhere=flag[:500])
        elsewhere += bool(flag)
        checkpoint()
    return elsewhere
