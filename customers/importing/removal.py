"""Deleting an import: its stored upload, preview and report. Cards it imported stay."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from customers.models import ImportJob
from onboarding.models import record_on_organization
from portal.errors import ChangeRefused


def delete(job: ImportJob, *, by, environment) -> bool:
    """Delete the import unless it is running; False when it was already gone."""
    with transaction.atomic():
        # Only what the decision and the audit need: the upload may be 50 MB.
        current = (ImportJob.objects.select_for_update()
                   .only("pk", "status", "filename", "organization_id", "rows_total")
                   .filter(pk=job.pk).first())
        if current is None:
            return False
        if current.status in ImportJob.RUNNING:
            raise ChangeRefused(_("This import is running; you can delete it once it is done."))
        record_on_organization(job.organization, by=by, environment=environment,
                               action="customer_import.deleted", target=current,
                               before={"file": current.filename, "status": current.status,
                                       "rows": current.rows_total})
        ImportJob.objects.filter(pk=current.pk).delete()
    return True
