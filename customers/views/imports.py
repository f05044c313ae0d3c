"""Importing customer cards: upload, preview and column mapping, progress, the report."""

from django.conf import settings
from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from customers import importing
from customers.forms import ImportMappingForm, ImportUploadForm
from customers.importing.changes import CHANGES_SHOWN, changes
from customers.importing.csvfile import encoding_name
from customers.importing.limits import Limits
from customers.models import ImportJob
from customers.views.common import import_from, organization_context, organization_from, render_form
from onboarding.tenancy import environment_required
from portal.errors import ChangeRefused, refusal, take_upload
from portal.spreadsheets import csv_download, csv_lines, reader_delimiter

REPORT_ROWS_SHOWN = 100


@environment_required()
def import_start(request, pk):
    organization = organization_from(request, pk, change=True)
    form, job = take_upload(request, ImportUploadForm, lambda upload: importing.upload(
        organization, by=request.user, environment=request.environment, filename=upload.name,
        content=upload.read(), language=get_language() or ""), importing.FileProblem)
    if job is not None:
        return redirect("customers:import_detail", pk=job.pk)
    return render_form(
        request, "customers/imports/upload.html", organization, "import", form,
        targets=[label for label, _aliases in importing.TARGETS.values()],
        limits=Limits.from_settings(), max_mb=settings.CUSTOMER_IMPORT_MAX_MB,
        # A list never loads what an upload stored: previews and reports can be large.
        recent=ImportJob.objects.filter(organization=organization)
        .only("pk", "organization", "filename", "status", "created_at", "rows_updated",
                      "rows_rejected", "import_valid_rows")[:5])


@environment_required()
def import_detail(request, pk):
    """One page for the whole import: mapping, then progress, then the report."""
    job = import_from(request, pk, change=True)
    job.notice_stall()
    context = {**organization_context(request, job.organization, "import"), "job": job}
    if job.is_running:
        return render(request, "customers/imports/progress.html", context)
    if job.awaits_confirmation:
        return _confirmation(request, job)
    if job.status in (ImportJob.Status.CHECKED, ImportJob.Status.DONE):
        return render(request, "customers/imports/report.html", {
            **context, "rejections": importing.rejections_shown(job, REPORT_ROWS_SHOWN),
            "more_rejections": max(0, len(job.rejections) - REPORT_ROWS_SHOWN),
        })
    form = ImportMappingForm(request.POST if request.method == "POST" else None, job=job)
    if form.is_bound and form.is_valid():
        try:
            job.start(mapping=form.cleaned_data["mapping"],
                      import_valid_rows=form.cleaned_data["import_valid_rows"])
        except ChangeRefused as refused:
            form.add_error(None, refused.message)
        else:
            return redirect("customers:import_detail", pk=job.pk)
    return render(request, "customers/imports/preview.html", {
        **context, "form": form, "encoding": encoding_name(job.encoding) if job.encoding else "",
        "fallback_encoding": job.encoding == settings.CUSTOMER_IMPORT_FALLBACK_ENCODING,
        # The first three values of each column in the preview; empty cells say nothing of
        # what it holds (a column with none at all says "(empty)").
        "columns": [(field, [row[index] for row in job.preview
                             if index < len(row) and row[index].strip()][:3])
                    for index, field in enumerate(form.column_fields)],
    }, status=400 if form.is_bound else 200)


@environment_required()
def import_status(request, pk):
    """What the progress page polls."""
    job = import_from(request, pk, change=True, report=False)
    job.notice_stall()
    done = job.progress_done
    if job.status == ImportJob.Status.SAVING:
        done = importing.saved_so_far(job)
        message = _("Saving %(done)s of %(total)s rows…")
    else:
        message = _("Checked %(done)s of %(total)s rows…")
    total = job.progress_total
    if done is None:
        # The bar shows work going on without a share (percent null).
        message, percent = _("Saving %(total)s rows…"), None
    else:
        percent = min(100, round(100 * done / total)) if total else 0
    return JsonResponse({
        "status": job.status, "running": job.is_running, "done": done, "total": total,
        "note": job.delay_note, "percent": percent,
        "message": message % {"done": intcomma(done or 0), "total": intcomma(total)},
    })


@environment_required()
def import_valid_rows(request, pk):
    """After a check that rejected rows or would change cards: the changes, old → new, and
    the confirmation that writes them (or the way back to the column mapping)."""
    job = import_from(request, pk, change=True)
    error = None
    if request.method == "POST":
        step = job.back_to_mapping if "back" in request.POST else job.save_valid_rows
        error = refusal(step)
        if error is None:
            return redirect("customers:import_detail", pk=job.pk)
    return _confirmation(request, job, error)


def _confirmation(request, job, error=None):
    can_import = job.status == ImportJob.Status.CHECKED
    shown = changes(job) if can_import and job.rows_updated else []
    return render(request, "customers/imports/valid_rows.html", {
        **organization_context(request, job.organization, "import"), "job": job,
        "can_import": can_import, "error": error, "changes": shown,
        "more_changes": max(0, job.rows_updated - len(shown)) if shown else 0,
        "changes_shown": CHANGES_SHOWN,
    }, status=400 if error else 200)


@environment_required()
def import_report(request, pk):
    """The rejected rows with the file's own columns and the reason, to correct in a
    spreadsheet and upload again."""
    job = import_from(request, pk, change=True)
    job.rejected_rows = type(job).objects.filter(pk=job.pk).values_list(
        "rejected_rows", flat=True).get()
    rows = importing.rejected_rows(job)
    header = next(rows)
    return csv_download(csv_lines(header, rows, delimiter=reader_delimiter()),
                        f"import-{job.pk}-rejected-rows.csv")


@environment_required()
def import_delete(request, pk):
    """Delete an import (its upload, preview and report) after a confirmation."""
    job = import_from(request, pk, change=True, report=False)
    job.notice_stall()
    error = None
    if request.method == "POST":
        error = refusal(importing.delete, job, by=request.user, environment=request.environment)
        if error is None:
            messages.success(request, _("The import of %(file)s was deleted.")
                             % {"file": job.filename})
            return redirect("customers:import_start", pk=job.organization_id)
    return render(request, "customers/imports/delete.html", {
        **organization_context(request, job.organization, "import"), "job": job,
        "error": error,
    }, status=400 if error else 200)
