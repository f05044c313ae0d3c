"""The test invoice an organization sends to check its set-up: built from the organization's
own data with the UBL writer, to itself or to one of its customers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext

from invoices.peppol import schemes
from invoices.peppol.ubl import Address, DocumentSpec, Line, Party, build
from onboarding.models import Country, Organization, OrganizationIdentifier
from onboarding.models.organizations import PRIMARY_SCHEME

# Legal IDs the Dutch rules accept for a Dutch customer of a Dutch supplier (NL-R-005).
DUTCH_LEGAL_SCHEMES = {"0106", "0190"}


class CannotBuild(ValueError):
    """The organization's data lacks something an invoice needs; the message says what."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field



def _country(organization) -> str:
    return organization.country if organization.country != Country.OTHER else ""


def vat_id(organization) -> str:
    for identifier in organization.identifiers.all():
        scheme = schemes.get_scheme(identifier.scheme)
        if scheme is not None and scheme.scheme_id.endswith(":VAT"):
            value = identifier.value.upper()
            return value if value[:2].isalpha() else f"{scheme.country}{value}"
    return ""


def sending_identifier(organization) -> OrganizationIdentifier | None:
    identifiers = [i for i in organization.identifiers.all() if i.sends]
    primary = PRIMARY_SCHEME.get(organization.country)
    identifiers.sort(key=lambda i: (i.scheme != primary, i.created_at))
    return identifiers[0] if identifiers else None


def receiving_identifier(organization) -> OrganizationIdentifier | None:
    return next((i for i in organization.identifiers.all() if i.receives), None)


def receives_itself(organization) -> bool:
    return (organization.is_active and organization.receiving_enabled
            and receiving_identifier(organization) is not None)


def organization_receiver(organization) -> Party:
    identifier = receiving_identifier(organization)
    return Party(
        name=organization.name, endpoint_scheme=identifier.scheme,
        endpoint_value=identifier.value,
        address=_address(organization, _country(organization)),
        legal_scheme=PRIMARY_SCHEME.get(organization.country, "")
        if organization.registry_number else "",
        legal_value=organization.registry_number,
    )


def _address(organization, country) -> Address:
    return Address(organization.street, organization.city, organization.postal_code, country)


def customer_cards(organization) -> list:
    """The organization's customer cards that have an Endpoint-ID, the ones a test invoice
    might go to; `card_refusal` says which of them it cannot."""
    return list(organization.customer_cards.exclude(endpoint_scheme="")
                .order_by("name", "id")[:500])


def card_refusal(card) -> str:
    """Why a test invoice cannot go to this customer card; empty when it can."""
    if not card.endpoint_scheme:
        return gettext("This customer has no Endpoint-ID to send to.")
    if card.uses_dummy_kvk:
        # The platform accepts it, but the invoice would wait for a receiver for ever.
        return gettext("%(name)s has the dummy KvK number 0106:99999998 as its Endpoint-ID. "
                       "Nothing is registered on Peppol under it, so a test invoice would "
                       "never arrive. Choose another receiver, or give the customer card a "
                       "real identifier first.") % {"name": card.name}
    return ""


def card_receiver(card, *, street="", postal_zone="", city="") -> Party:
    """A customer card as receiver. Cards hold no address: the address of the organization
    here that holds the card's Endpoint-ID is used, otherwise the one typed in."""
    refusal = card_refusal(card)
    if refusal:
        raise CannotBuild(refusal, field="receiver")
    address = Address(street, city, postal_zone, card.country)
    holder = (OrganizationIdentifier.objects
              .filter(scheme=card.endpoint_scheme, value__iexact=card.endpoint_value)
              .select_related("organization").first())
    if holder is not None and not (street or city or postal_zone):
        address = _address(holder.organization, card.country)
    return Party(name=card.name, endpoint_scheme=card.endpoint_scheme,
                 endpoint_value=card.endpoint_value, address=address,
                 legal_scheme=card.legal_scheme, legal_value=card.legal_value)


def build_test_invoice(organization: Organization, receiver: Party, *, now=None) -> bytes:
    now = timezone.localtime(now or timezone.now())
    sender = sending_identifier(organization)
    if sender is None:
        raise CannotBuild(gettext("%(organization)s has no identifier with sending switched "
                                  "on. Add one, or switch sending on, on the organization's "
                                  "page.") % {"organization": organization.name})
    country = _country(organization)
    if not (country and organization.street and organization.postal_code
            and organization.city):
        raise CannotBuild(gettext("An invoice names the supplier's address. Fill in the "
                                  "street, postal code and city of %(organization)s first.")
                          % {"organization": organization.name})
    if not receiver.endpoint_scheme:
        raise CannotBuild(gettext("This customer has no Endpoint-ID to send to."),
                          field="receiver")
    to = receiver.address
    if not to.country:
        raise CannotBuild(gettext("This customer's country is not known; an invoice needs "
                                  "it."), field="receiver")
    if country == "NL" and to.country == "NL" and not (to.street and to.postal_zone and to.city):
        raise CannotBuild(gettext("Dutch invoices to a Dutch customer name its street, "
                                  "postal code and city. Fill them in."), field="street")
    legal_scheme = PRIMARY_SCHEME.get(organization.country, "")
    vat = vat_id(organization)
    customer = receiver
    if country == "NL" and to.country == "NL" and receiver.legal_scheme not in DUTCH_LEGAL_SCHEMES:
        customer = replace(receiver, legal_scheme="", legal_value="")
    supplier = Party(
        name=organization.name, endpoint_scheme=sender.scheme, endpoint_value=sender.value,
        address=_address(organization, country),
        legal_scheme=legal_scheme if organization.registry_number else "",
        legal_value=organization.registry_number if legal_scheme else "", vat_id=vat)
    description = gettext("Test invoice: checks the Peppol set-up, nothing to pay")
    if vat:
        line = Line(description, Decimal("1"), Decimal("0.01"), Decimal("21"), "S")
        exemption = ""
    else:
        # Without a VAT number the supplier cannot charge VAT (BR-S-02), so the test invoice
        # is "not subject to VAT", with the reason stated.
        line = Line(description, Decimal("1"), Decimal("0.01"), Decimal("0"), "O")
        exemption = gettext("Test invoice, not subject to VAT")
    spec = DocumentSpec(
        # To the thousandth of a second: two test invoices sent in one second (two windows,
        # or an administrator and an accountant at once) are no duplicates of each other.
        number=f"TEST-{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}",
        issue_date=now.date(),
        due_date=now.date() + timedelta(days=30), supplier=supplier, customer=customer,
        lines=[line], buyer_reference=gettext("Test"), payment_means_code="57",
        exemption_reason=exemption, note=gettext("Test invoice sent from the Peppol portal."),
    )
    return build(spec)
