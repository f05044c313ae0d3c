"""One document: the readable invoice, its history, its validation report, the download."""

import mimetypes
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from invoices.models import Document, PeppolEvidence, Status
from invoices.models.documents import (
    PROCESSING,
    REJECT_REASON_MAX_LENGTH,
    SENDER_SEES,
)
from invoices.peppol import xmlsafe
from invoices.peppol.ubl import read_document
from invoices.peppol.ubl.reader import ATTACHMENT_TYPES, attachment_content
from invoices.peppol.validation import ValidationReport
from invoices.views import lists
from invoices.views.common import (
    document_from,
    document_from_many,
    mark_original_page,
    may_act_for,
    take_step,
)
from onboarding.tenancy import environment_required
from portal.errors import ChangeRefused
from portal.fields import row_id


def _parsed(document):
    try:
        return xmlsafe.parse_xml(bytes(document.content), max(document.size, 1))
    except xmlsafe.XmlRejected:
        return None


def _readable(document):
    root = _parsed(document)
    return read_document(root) if root is not None else None


# The processing statuses as the pages offer them: (value, label, what the sender sees).
STATUS_CHOICES = [(status, status.label, SENDER_SEES[status].label) for status in PROCESSING]


def render_document(request, document, *, status=200, **context):
    report = ValidationReport.from_dict(document.validation or {})
    failed = document.status == Status.DELIVERY_FAILED
    # One look at who may act, and only when a step is offered at all.
    acts = ((document.may_be_rejected or document.may_be_processed or failed)
            and may_act_for(request, document.organization))
    return render(request, "invoices/document.html", {
        "document": document,
        "organization": document.organization,
        "readable": _readable(document),
        "events": document.events.select_related("actor").all(),
        "report": report,
        "has_report": bool(document.validation),
        "verdict": report.render_verdict(_),
        "evidence": PeppolEvidence.objects.filter(document=document).first(),
        "may_mark_original": (document.status == Status.DUPLICATE
                              and document.may_mark_original(request.user)),
        # What a held duplicate repeats, to compare with before releasing it.
        "originals": list(document.originals()
                          .visible_to(request.user, request.environment)
                          .defer("content", "validation")),
        "may_mark_downloaded": document.awaits_fetching,
        "may_reject": acts and document.may_be_rejected,
        "may_process": acts and document.may_be_processed,
        "may_retry": acts and failed,
        **context,
    }, status=status)


def _open(request, document) -> Document:
    """A person of its organization (or its accountant) reads the document: once its
    software fetched it, it is Opened (Document.open). A browser that only asks for the
    headers, or fetches the page ahead in case it is read (a prefetch), opens nothing."""
    prefetch = "prefetch" in (request.headers.get("Sec-Purpose", "")
                              + request.headers.get("Purpose", "")
                              + request.headers.get("X-Moz", "")).lower()
    if request.method == "GET" and not prefetch:
        document.open(request.user)
    return document


@environment_required()
def document_detail(request, pk):
    return render_document(request, _open(request, document_from(request, pk, content=True)))


@environment_required()
def download(request, pk):
    document = document_from(request, pk, content=True)
    if not document.offered_for_download:
        # A duplicate is held back until an administrator releases it.
        raise Http404
    _open(request, document)
    return _file(bytes(document.content), "application/xml",
                 f"{_file_name(document.number) or f'document-{document.pk}'}.xml")


def _file_name(text: str) -> str:
    """`text` as part of a file name: letters, digits, '-', '_' and '.' only."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:80]


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    """A download, never shown in the browser, of what a sender wrote."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@environment_required()
def attachment(request, pk, number):
    """A supporting document (the invoice's PDF, for one) embedded in the UBL, as a file."""
    document = document_from(request, pk, content=True)
    root = _parsed(document) if document.offered_for_download else None
    found = attachment_content(root, number) if root is not None else None
    if found is None:
        raise Http404
    _open(request, document)
    meta, content = found
    known = meta.mime_code if meta.mime_code in ATTACHMENT_TYPES else ""
    extension = (mimetypes.guess_extension(known) or "") if known else ""
    name = _file_name(meta.filename) \
        or f"{_file_name(document.number) or document.pk}-{number}{extension}"
    return _file(content, known or "application/octet-stream", name)


@environment_required()
def mark_original(request, pk):
    document = document_from(request, pk, content=True)
    return mark_original_page(
        request, document, "invoices/mark_original.html",
        done=_("Document %(number)s was marked as original and is offered for download.")
        % {"number": document.number},
        then=document.get_absolute_url(), organization=document.organization,
        may_mark_original=document.may_mark_original(request.user))


@environment_required()
def mark_downloaded(request, pk):
    """For those who take received invoices from the portal rather than with software: what
    an ERP's fetch says, after asking, since the platform then keeps the invoice a week."""
    document = document_from(request, pk)
    if request.method == "POST" and document.awaits_fetching:
        return take_step(request, document, document.mark_downloaded, lambda: _(
            "%(number)s is marked as downloaded. The platform keeps it until %(date)s.") % {
            "number": document.number or _("The document"),
            "date": formats.date_format(timezone.localtime(document.keep_until))})
    return render(request, "invoices/mark_downloaded.html", {
        "document": document, "organization": document.organization,
        "keep_until": document.kept_after_download(),
    })


@environment_required()
def reject(request, pk):
    """The receiver refuses an invoice, saying why: its software no longer gets it, and a
    sender on the platform sees the reason on its sent copy and is emailed."""
    document = document_from(request, pk)
    allowed = may_act_for(request, document.organization)
    reason, error = request.POST.get("reason", ""), ""
    if request.method == "POST" and allowed and document.may_be_rejected:
        try:
            changed = document.reject(request.user, reason)
        except ChangeRefused as refused:
            if refused.field != "reason":
                # It was deleted, or changed into something that cannot be rejected,
                # meanwhile.
                messages.error(request, refused.message)
                return redirect(document)
            error = refused.message
        else:
            if changed:
                messages.success(request, _("%(number)s is rejected.") % {
                    "number": document.number or _("The document")})
            return redirect(document)
    return render(request, "invoices/reject.html", {
        "document": document, "organization": document.organization, "allowed": allowed,
        "reason": reason, "error": error, "max_length": REJECT_REASON_MAX_LENGTH,
    }, status=400 if error else 200)


@environment_required()
def set_status(request, pk):
    """The receiver says how far its bookkeeping is with a received invoice; the page says
    what each status means and what a sender on the platform sees of it."""
    document = document_from(request, pk)
    allowed = may_act_for(request, document.organization)
    if request.method == "POST" and allowed and document.may_be_processed:
        status = request.POST.get("status", "")
        return take_step(
            request, document, lambda by: document.set_processing_status(by, status),
            lambda: _("%(number)s is now %(status)s.") % {
                "number": document.number or _("The document"),
                "status": document.get_status_display().lower()})
    return render(request, "invoices/set_status.html", {
        "document": document, "organization": document.organization, "allowed": allowed,
        "statuses": STATUS_CHOICES,
    })


@environment_required()
def retry_delivery(request, pk):
    """The sender's "Try delivery again" on a document whose delivery failed: the POST tries,
    the page says what trying again does."""
    document = document_from(request, pk)
    allowed = may_act_for(request, document.organization)
    if request.method == "POST" and allowed:
        return take_step(request, document, document.retry_delivery, lambda: _(
            "Delivery of %(number)s is tried again.") % {
            "number": document.number or _("the document")})
    return render(request, "invoices/retry_delivery.html", {
        "document": document, "organization": document.organization, "allowed": allowed})


# Back to the list with nothing chosen: the page opens at the table, so the keyboard's next
# step is its first box rather than the top of the page.
CHOOSE_AGAIN = "#documents"


def _chosen(request) -> tuple[str, list[int]]:
    """A selection's POST: where to go back to (a path on this site, else the inbox) and the
    chosen document ids, each once, in the order given."""
    back = request.POST.get("next", "")
    # Only a path: redirect() would take a bare word for the name of a view.
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("invoices:inbox_all")
    ids = (row_id(value) for value in request.POST.getlist("document"))
    chosen = list(dict.fromkeys(pk for pk in ids if pk is not None))[:lists.AT_ONCE]
    return back, chosen


def _all_matching(request, back):
    """For "all documents that match these filters": (the list the POST names, as its
    filters choose now, and how many documents match, or None and 0 when the POST chose them
    one by one; the answer when they cannot be taken)."""
    if "matching" not in request.POST:
        return None, 0, None
    listed = lists.matching(request, request.POST["matching"])
    if listed is None:
        messages.error(request, _("These filters are no longer valid: filter the list again."))
        return None, 0, redirect(back)
    matched = listed.count(lists.AT_ONCE)
    if matched > lists.AT_ONCE:
        messages.error(request, _("More than %(limit)d documents match these filters, and at "
                                  "most %(limit)d are taken at once: narrow the filters.")
                       % {"limit": lists.AT_ONCE})
        return None, 0, redirect(back)
    return listed, matched, None


def _take_each(documents, *, document_step) -> set[int]:
    """A selection's step taken on each document in its own transaction; the ids of those
    it changed. One that changed meanwhile (rejected, for one) is refused and left as it
    is."""
    changed = set()
    for document in documents:
        try:
            if document_step(document):
                changed.add(document.pk)
        except ChangeRefused:
            continue
    return changed


def _changed_meanwhile(request, chosen, documents) -> set[int]:
    """Of the documents the confirmed page listed (`chosen`), those the user may see that
    no longer take the step (`documents` are those that do): another window or the
    software took a step on them meanwhile, or they no longer match the filters."""
    taking = {document.pk for document in documents}
    others = [pk for pk in chosen if pk not in taking]
    return set(document_from_many(request, others).values_list("pk", flat=True)) \
        if others else set()


def _skipped(count: int) -> str:
    return ngettext("%(skipped)d changed meanwhile and was left as it is.",
                    "%(skipped)d changed meanwhile and were left as they are.",
                    count) % {"skipped": count}


def bulk_action(view):
    """A bulk action of the inbox, for the invoices chosen on a page or all that a list's
    filters match: `view` gets where to go back, the ids chosen, the list whose filters
    chose them all (None for a choice on a page) and how many that list matches."""
    @wraps(view)
    def asked(request):
        if request.method != "POST":
            return redirect("invoices:inbox_all")
        back, chosen = _chosen(request)
        listed, matched, refused = _all_matching(request, back)
        return refused or view(request, back, chosen, listed, matched)
    return asked


def _all_that_match(request, documents, matched: int, nothing: str):
    """(the documents a bulk action takes of all that match, how many of those it leaves
    out); the `nothing` message and None when it takes none."""
    documents = list(documents)
    if not documents:
        messages.info(request, nothing)
        return None, 0
    return documents, max(matched - len(documents), 0)


@environment_required()
@bulk_action
def mark_many_downloaded(request, back, chosen, listed, matched):
    """The inbox's "mark selected as downloaded": the POST asks first, listing them with the
    date until which they are kept; the confirmed POST marks those that wait to be
    downloaded then."""
    if listed is not None:
        documents, left_out = _all_that_match(
            request, listed.documents.awaiting_fetching(), matched,
            _("Nothing changed: none of the documents that match these filters waits to be "
              "downloaded."))
        if documents is None:
            return redirect(back)
    else:
        documents = list(document_from_many(request, chosen).awaiting_fetching())
        left_out = len(chosen) - len(documents)
        if not documents and chosen and document_from_many(request, chosen).inbox().exists():
            # Another window, or the software, marked them first.
            messages.info(request, _("Nothing changed: none of the chosen invoices waits to "
                                     "be downloaded any more."))
            return redirect(back)
        if not documents:
            messages.error(request, _("Choose at least one received invoice to mark as "
                                      "downloaded."))
            return redirect(back + CHOOSE_AGAIN)
    if request.POST.get("confirm") != "yes":
        return render(request, "invoices/mark_many_downloaded.html", {
            "documents": documents, "back": back, "matching": listed, "matched": matched,
            "keep_until": min(document.kept_after_download() for document in documents),
            "left_out": left_out})
    marked = _take_each(documents, document_step=lambda d: d.mark_downloaded(request.user))
    skipped = len({d.pk for d in documents} - marked) + len(
        _changed_meanwhile(request, chosen, documents))
    done = ngettext("%(count)d invoice is marked as downloaded.",
                    "%(count)d invoices are marked as downloaded.",
                    len(marked)) % {"count": len(marked)}
    messages.success(request, f"{done} {_skipped(skipped)}" if skipped else done)
    return redirect(back)


@environment_required()
@bulk_action
def set_many_statuses(request, back, chosen, listed, matched):
    """The inbox's "set processing status of selected": the POST shows them with the
    statuses to choose from; the POST with a status sets it on each of them that the user
    may process then."""
    if listed is not None:
        documents, left_out = _all_that_match(
            request, listed.documents.processable_by(request.user, request.environment),
            matched, _("Nothing changed: none of the documents that match these filters is a "
                       "received invoice whose processing status you may set."))
        if documents is None:
            return redirect(back)
    else:
        documents = list(document_from_many(request, chosen)
                         .processable_by(request.user, request.environment)
                         .select_related("organization"))
        left_out = len(chosen) - len(documents)
        if not documents:
            messages.error(request, _("Choose at least one received invoice whose processing "
                                      "status you may set."))
            return redirect(back + CHOOSE_AGAIN)
    status, error = request.POST.get("status", ""), ""
    if request.POST.get("confirm") == "yes":
        if status in PROCESSING:
            return _set_statuses(request, back, chosen, documents, status)
        error = _("Choose one of the processing statuses.")
    return render(request, "invoices/set_many_statuses.html", {
        "documents": documents, "back": back, "error": error, "matching": listed,
        "matched": matched, "left_out": left_out, "statuses": STATUS_CHOICES,
    }, status=400 if error else 200)


def _set_statuses(request, back, chosen, documents, status):
    # A paid invoice goes back a step only on its own page, never in passing.
    kept = [d for d in documents if d.status == Status.PAID and status != Status.PAID]
    changed = len(_take_each([d for d in documents if d not in kept],
                             document_step=lambda d: d.set_processing_status(
                                 request.user, status)))
    said = Status(status).label.lower()
    unchanged = len(documents) - changed - len(kept)
    meanwhile = len(_changed_meanwhile(request, chosen, documents))
    if kept:
        messages.info(request, ngettext(
            "%(count)d paid invoice keeps its status: change it on its own page.",
            "%(count)d paid invoices keep their status: change one on its own page.",
            len(kept)) % {"count": len(kept)})
    if not changed:
        messages.info(request, _("Nothing changed: the chosen invoices already were "
                                 "%(status)s, or no longer take a status.")
                      % {"status": said})
        return redirect(back)
    done = ngettext("%(count)d invoice is now %(status)s.",
                    "%(count)d invoices are now %(status)s.", changed)
    if unchanged:
        done += " " + ngettext(
            "%(unchanged)d already was, or no longer takes a status.",
            "%(unchanged)d already were, or no longer take a status.", unchanged)
    done = done % {"count": changed, "status": said, "unchanged": unchanged}
    messages.success(request, f"{done} {_skipped(meanwhile)}" if meanwhile else done)
    return redirect(back)
