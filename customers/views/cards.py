"""Customer cards: the list with search and filters, one card, add, change, delete,
"Check Peppol" and the CSV export."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import reachability
from customers.filters import CardFilter, filtered_cards
from customers.forms import CustomerCardForm
from customers.models import CardRules, CustomerCard, ImportJob, PeppolCheckRun
from customers.models.cards import DELETED_MEANWHILE, was_deleted
from customers.views.common import card_from, organization_context, organization_from, render_form
from onboarding.models import Organization
from onboarding.tenancy import environment_required
from portal.errors import ChangeRefused, add_refusal, attempt
from portal.pagination import paginate
from portal.spreadsheets import csv_download, csv_lines, reader_delimiter
from portal.versions import Gone, Stale


@environment_required()
def home(request):
    """The organizations whose customers the user may manage, to pick one."""
    organizations = (Organization.objects.manageable_by(request.user, request.environment)
                     .select_related("environment").order_by("name", "id"))
    page = paginate(request, organizations)
    page.object_list = list(page.object_list)
    # Counted for the page's organizations only, not for every one the user may manage.
    counts = dict(CustomerCard.objects.filter(organization__in=page.object_list)
                  .values_list("organization").annotate(Count("id")).order_by())
    for organization in page.object_list:
        organization.cards = counts.get(organization.pk, 0)
    return render(request, "customers/home.html", {"page": page})


@environment_required()
def card_list(request, pk):
    organization = organization_from(request, pk)
    cards = CardFilter(request.GET, profiles=organization.sending_profiles.all(),
                       queryset=organization.customer_cards.select_related("sending_profile"))
    # A filter that is not valid lists nothing rather than every card, as the document
    # lists do: the list would look filtered while it is not.
    invalid = cards.is_bound and not cards.is_valid()
    page = paginate(request, cards.qs.none() if invalid else cards.qs)
    has_default = cards.has_default_profile
    rules = cards.rules
    return render(request, "customers/cards/list.html", {
        **organization_context(request, organization, "cards"),
        "filter": cards,
        "page": page,
        "rows": [(card, card.problems(rules)) for card in page.object_list],
        "for_setup": cards.for_setup,
        "filtered": cards.asked,
        "invalid_filters": invalid,
        "sorting": cards.sorting,
        "has_default_profile": has_default,
        "has_profiles": bool(cards.profiles),
        "running_check": PeppolCheckRun.objects.filter(
            organization=organization, status=PeppolCheckRun.Status.RUNNING).first(),
        "running_import": ImportJob.objects.filter(
            organization=organization, status__in=ImportJob.RUNNING)
        .only("pk", "filename").first(),
    })


def _card_form(request, organization, **kwargs):
    return CustomerCardForm(request.POST if request.method == "POST" else None,
                            organization=organization,
                            profiles=list(organization.sending_profiles.all()), **kwargs)


@environment_required()
def card_add(request, pk):
    organization = organization_from(request, pk, change=True)
    form = _card_form(request, organization)
    if form.is_bound and form.is_valid():
        card = attempt(form, CustomerCard.create, organization, by=request.user,
                       environment=request.environment, **form.card_fields)
        if card is not None:
            messages.success(request, _("Customer %(name)s was added.") % {"name": card.name})
            return redirect("customers:card_detail", pk=card.pk)
    return render_form(request, "customers/cards/form.html", organization, "cards", form)


def render_card(request, card, *, status=200, **context):
    organization = card.organization
    profiles = list(organization.sending_profiles.all())
    return render(request, "customers/cards/detail.html", {
        **organization_context(request, organization, "cards"),
        "card": card,
        "default_profile": next((p for p in profiles if p.is_default), None),
        "problems": card.problems(CardRules.of_profiles(profiles)),
        "stale_after_days": settings.PEPPOL_REACHABILITY_MAX_AGE_DAYS,
        **context,
    }, status=status)


@environment_required()
def card_detail(request, pk):
    return render_card(request, card_from(request, pk))


def gone_to_list(request, organization_pk, message, list_name):
    """The organization's list with `message`, for a save or delete of a row deleted in
    another window meanwhile."""
    messages.warning(request, message)
    return redirect(list_name, pk=organization_pk)


def deleted_meanwhile(request, model, pk, message, list_name):
    """For a POST about a row that another window deleted: the list of the organization the
    page was about (its form names it), with `message`; None when that cannot be said
    safely, and the caller answers 404 (see was_deleted)."""
    organization_pk = request.POST.get("organization", "") if request.method == "POST" else ""
    if not re.fullmatch(r"[0-9]{1,18}", organization_pk):
        return None
    organization = (Organization.objects.manageable_by(request.user, request.environment)
                    .filter(pk=organization_pk).first())
    if organization is None or not was_deleted(model, pk, organization):
        return None
    return gone_to_list(request, organization.pk, message, list_name)


def to_change(request, find, model, pk, message, list_name):
    """`find(request, pk, change=True)`, or the organization's list saying the row was
    deleted meanwhile (a 404 when that is unsafe, see deleted_meanwhile)."""
    try:
        return find(request, pk, change=True)
    except Http404:
        gone = deleted_meanwhile(request, model, pk, message, list_name)
        if gone is None:
            raise
        return gone


def _card_to_change(request, pk):
    return to_change(request, card_from, CustomerCard, pk, DELETED_MEANWHILE, "customers:cards")


@environment_required()
def card_edit(request, pk):
    card = _card_to_change(request, pk)
    if not isinstance(card, CustomerCard):
        return card
    organization = card.organization
    form = _card_form(request, organization, initial=CustomerCardForm.initial_for(card),
                      card=card)
    if form.is_bound and form.is_valid():
        try:
            saved = card.change(by=request.user, environment=request.environment,
                                version=form.cleaned_data["version"], **form.card_fields)
        except Gone as gone:
            return gone_to_list(request, organization.pk, gone.message, "customers:cards")
        except Stale as stale:
            # Its current values, to make the change again on; nothing was written.
            card = card_from(request, pk, change=True)
            return render(request, "customers/cards/form.html", {
                **organization_context(request, organization, "cards"), "card": card,
                "form": CustomerCardForm(
                    None, organization=organization, card=card,
                    profiles=list(organization.sending_profiles.all()),
                    initial=CustomerCardForm.initial_for(card)),
                "conflict": stale.message,
            }, status=409)
        except ChangeRefused as refused:
            add_refusal(form, refused)
            saved = None
        if saved:
            messages.success(request, _("Customer %(name)s was saved.") % {"name": card.name})
            return redirect("customers:card_detail", pk=card.pk)
    return render_form(request, "customers/cards/form.html", organization, "cards", form,
                       card=card)


@environment_required()
def card_delete(request, pk):
    card = _card_to_change(request, pk)
    if not isinstance(card, CustomerCard):
        return card
    if request.method == "POST":
        card.delete_by(by=request.user, environment=request.environment)
        messages.success(request, _("Customer %(name)s was deleted.") % {"name": card.name})
        return redirect("customers:cards", pk=card.organization_id)
    return render(request, "customers/cards/delete.html", {
        **organization_context(request, card.organization, "cards"), "card": card})


@environment_required()
def card_check(request, pk):
    """Look the card's Endpoint-ID up on Peppol now."""
    card = card_from(request, pk, change=True)
    if request.method != "POST":
        return render_card(request, card)
    result = reachability.check_card(card)
    if result is None:
        messages.warning(request, _("This card has no Endpoint-ID to look up."))
    elif result.error:
        messages.warning(request, _(result.error))
    elif card.peppol_reachable:
        messages.success(request, _("%(name)s receives Peppol invoices.") % {"name": card.name})
    else:
        messages.warning(request, _("%(name)s cannot receive Peppol BIS Billing 3.0 invoices.")
                         % {"name": card.name})
    return redirect(reverse("customers:card_detail", args=[card.pk]) + "#peppol")


# -- export -----------------------------------------------------------------------------

EXPORT_COLUMNS = ("customer_number", "name", "country", "invoice_email", "endpoint_id",
                  "legal_id", "is_government", "buyer_reference_source", "einvoicing_method",
                  "sending_profile", "peppol_registered", "peppol_accepts_invoice",
                  "peppol_accepts_credit_note", "peppol_checked_at")
def _yes_no(value) -> str:
    return "" if value is None else ("yes" if value else "no")


def export_row(card) -> list[str]:
    return [
        card.customer_number, card.name, card.country, card.invoice_email, card.endpoint_id,
        card.legal_id, _yes_no(card.is_government), card.buyer_reference_source,
        card.einvoicing_method, card.sending_profile.name if card.sending_profile else "",
        _yes_no(card.peppol_registered),
        _yes_no(card.peppol_accepts_invoice) if card.peppol_registered else "",
        _yes_no(card.peppol_accepts_credit_note) if card.peppol_registered else "",
        card.peppol_checked_at.isoformat(timespec="seconds") if card.peppol_checked_at else "",
    ]


@environment_required()
def card_export(request, pk):
    organization = organization_from(request, pk)
    # The list's filters and its order: the export link carries both (`ordering` too).
    cards = filtered_cards(organization, request.GET,
                           organization.customer_cards.select_related("sending_profile"))
    rows = (export_row(card) for card in cards.iterator(2000))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_download(csv_lines(EXPORT_COLUMNS, rows, delimiter=reader_delimiter()),
                        f"customers-{organization.company_id}-{stamp}.csv")
