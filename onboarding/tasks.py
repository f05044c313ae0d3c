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
