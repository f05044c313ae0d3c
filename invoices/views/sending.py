"""Sending from the portal: a UBL file upload, and the test invoice."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from invoices.forms import SELF, TestInvoiceForm, UploadForm
from invoices.models import Channel, Status
from invoices.submission import DocumentRefused, check_size, submit
from invoices.test_invoice import (
    CannotBuild,
    build_test_invoice,
    card_receiver,
    customer_cards,
    organization_receiver,
    receives_itself,
)
from invoices.views.common import organization_from
from onboarding.tenancy import environment_required
from portal.errors import take_upload


def _report_outcome(request, document):
    if document.status == Status.REFUSED:
        refused = (_("Document %(number)s was refused.") % {"number": document.number}
                   if document.number else _("The document was refused."))
        if (document.validation or {}).get("valid"):
            # It passed the rules: the sender check refused it, and its reason says why.
            messages.error(request, f"{refused} {document.reason_shown}")
        else:
            messages.error(request, f"{refused} " + _("The validation report below says why."))
    else:
        messages.success(request, _("Document %(number)s was accepted.")
                         % {"number": document.number})


@environment_required()
def upload(request, pk):
    organization = organization_from(request, pk, send=True)

    def send(upload):
        # Refused before a byte of a too-large file is read into memory.
        check_size(upload.size)
        return submit(organization, upload.read(), Channel.PORTAL, request.user,
                      filename=upload.name or "")

    form, result = take_upload(request, UploadForm, send, DocumentRefused)
    if result is not None:
        _report_outcome(request, result.document)
        return redirect(result.document.get_absolute_url())
    return render(request, "invoices/upload.html", {
        "organization": organization, "form": form,
    }, status=400 if form.is_bound else 200)


@environment_required()
def test_invoice(request, pk):
    organization = organization_from(request, pk, send=True)
    receives = receives_itself(organization)
    cards = customer_cards(organization)
    form = TestInvoiceForm(request.POST or None, organization=organization, cards=cards,
                           receives_itself=receives)
    if organization.is_active and form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            if data["receiver"] == SELF:
                receiver = organization_receiver(organization)
            else:
                receiver = card_receiver(form.cards[data["receiver"]], street=data["street"],
                                         postal_zone=data["postal_code"], city=data["city"])
            content = build_test_invoice(organization, receiver)
        except CannotBuild as problem:
            form.add_error(problem.field if problem.field in form.fields else None,
                           problem.message)
        else:
            result = submit(organization, content, Channel.TEST, request.user,
                            filename="test-invoice.xml")
            _report_outcome(request, result.document)
            return redirect(result.document.get_absolute_url())
    return render(request, "invoices/test_invoice.html", {
        "organization": organization, "form": form, "receives_itself": receives,
        "held_back": form.held_back,
        # Receiving is charged: only the organization's own administrators decide it.
        "decides_receiving": organization.administered_by(request.user),
    }, status=400 if form.is_bound else 200)
