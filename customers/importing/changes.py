"""What an import would change on existing cards, field by field, for the user to confirm.

What a cell means for an existing card: a mapped column's value replaces the card's, and an
empty cell empties that field (an empty name is rejected, as on the card form); a column
that is not mapped leaves the card's field as it is. The preview shows an emptied field as
"(empty)", so nobody loses an invoice email address without having seen it go.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext

from customers.importing.passes import Reading
from customers.models import BuyerReferenceSource, CustomerCard, EInvoicingMethod, ImportJob
from onboarding.models import Country

# How many changed cards the confirmation page lists; the rest are counted.
CHANGES_SHOWN = 50


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class CardChange:
    row: int
    customer_number: str
    name: str
    fields: list[FieldChange]


def _label(name: str) -> str:
    return str(CustomerCard._meta.get_field(name).verbose_name)


def _identifier(card: dict, prefix: str) -> str:
    scheme, value = card[f"{prefix}_scheme"], card[f"{prefix}_value"]
    return f"{scheme}:{value}" if scheme else ""


def _choice(choices, name: str):
    labels = dict(choices.choices)
    return lambda card: str(labels.get(card[name], card[name]))


def _fields(old: dict, new: dict, profiles: dict[int, str]) -> list[FieldChange]:
    shown = [
        (_label("name"), lambda c: c["name"]),
        (_label("country"), _choice(Country, "country")),
        (_label("invoice_email"), lambda c: c["invoice_email"]),
        (_label("endpoint_value"), lambda c: _identifier(c, "endpoint")),
        (_label("legal_value"), lambda c: _identifier(c, "legal")),
        (_label("is_government"),
         lambda c: gettext("yes") if c["is_government"] else gettext("no")),
        (_label("buyer_reference_source"), _choice(BuyerReferenceSource,
                                                   "buyer_reference_source")),
        (_label("einvoicing_method"), _choice(EInvoicingMethod, "einvoicing_method")),
        (_label("sending_profile"), lambda c: profiles.get(c["sending_profile_id"], "")),
    ]
    return [FieldChange(label, before, after) for label, value in shown
            if (before := value(old)) != (after := value(new))]


def changes(job: ImportJob, limit: int = CHANGES_SHOWN) -> list[CardChange]:
    """The first `limit` cards the job's rows would change, compared with the cards as they
    are now. Reads the upload only as far as the last of them."""
    reading = Reading(job, changes_wanted=limit)
    for _batch in reading.batches():
        if len(reading.changes) >= limit:
            break
    profiles = dict(job.organization.sending_profiles.values_list("pk", "name"))
    return [CardChange(row, card["customer_number"], old["name"], _fields(old, card, profiles))
            for row, old, card in reading.changes]
