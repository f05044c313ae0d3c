"""Checking one row of an import into the values of a card, in the card form's words."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import translation
from django.utils.translation import gettext_noop

from customers.importing.files import COMBINED, normalise_header
from customers.models import BuyerReferenceSource, CardFieldError, EInvoicingMethod
from customers.models.cards import (
    endpoint_identifier,
    identifier_said,
    legal_identifier,
    split_identifier,
)
from invoices.peppol.identifiers import IdentifierError
from onboarding.models import Country
from portal.said import Said

YES = {"yes", "y", "ja", "j", "true", "waar", "1", "x"}
NO = {"no", "n", "nee", "false", "onwaar", "0", ""}
COUNTRY_CODES = frozenset(Country.values)
COUNTRY_NAMES = {
    "netherlands": "NL", "the netherlands": "NL", "nederland": "NL", "holland": "NL",
    "belgium": "BE", "belgië": "BE", "belgie": "BE", "belgique": "BE",
    "germany": "DE", "duitsland": "DE", "deutschland": "DE",
    "luxembourg": "LU", "luxemburg": "LU", "france": "FR", "frankrijk": "FR",
}
# Names of the choices, as normalise_header writes them: the stored values read as names too.
BUYER_REFERENCE_NAMES = {
    "your reference": BuyerReferenceSource.YOUR_REFERENCE,
    "uw referentie": BuyerReferenceSource.YOUR_REFERENCE,
    "external document number": BuyerReferenceSource.EXTERNAL_DOCUMENT_NUMBER,
    "external document no.": BuyerReferenceSource.EXTERNAL_DOCUMENT_NUMBER,
    "extern documentnummer": BuyerReferenceSource.EXTERNAL_DOCUMENT_NUMBER,
    "externe documentnummer": BuyerReferenceSource.EXTERNAL_DOCUMENT_NUMBER,
}
METHOD_NAMES = {
    "sending profile of documents": EInvoicingMethod.SENDING_PROFILE,
    "sending profile": EInvoicingMethod.SENDING_PROFILE,
    "verzendprofiel van documenten": EInvoicingMethod.SENDING_PROFILE,
    "verzendprofiel": EInvoicingMethod.SENDING_PROFILE,
    "everbinding": EInvoicingMethod.LEGACY_CONNECTION,
    "e verbinding": EInvoicingMethod.LEGACY_CONNECTION,
    "everbinding (legacy connection)": EInvoicingMethod.LEGACY_CONNECTION,
    "legacy connection": EInvoicingMethod.LEGACY_CONNECTION,
    "e connection": EInvoicingMethod.LEGACY_CONNECTION,
}

# A card's Peppol lookup once its Endpoint-ID changes: the answer was about another one.
NOT_CHECKED = {"peppol_checked_at": None, "peppol_registered": None,
               "peppol_accepts_invoice": False, "peppol_accepts_credit_note": False,
               "peppol_smp_url": "", "peppol_error": ""}

_validate_email = EmailValidator()

# The portal's downloads put an apostrophe before a value a spreadsheet would run as a
# formula; a downloaded file imports again as it is.
FORMULA_STARTS = ("=", "+", "-", "@")


def _unescaped(value: str) -> str:
    if value[:1] == "'" and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


class RowRejected(ValueError):
    """`reason`: a message said again in the language of whoever reads the report
    (portal.said), or plain text."""

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(reason)
        self.target = target
        self.reason = reason


class RowChecker:
    """Checks one row's cells into card values; raises RowRejected with the reason."""

    def __init__(self, organization, mapping: dict[str, int]) -> None:
        self.mapping = mapping
        self.profiles = {p.name.casefold(): p.pk for p in organization.sending_profiles.all()}
        self.default_country = organization.country
        self.new_card = {
            "name": "", "country": organization.country, "invoice_email": "",
            "endpoint_scheme": "", "endpoint_value": "", "legal_scheme": "", "legal_value": "",
            "is_government": False, "buyer_reference_source": "",
            "einvoicing_method": EInvoicingMethod.SENDING_PROFILE, "sending_profile_id": None,
            **NOT_CHECKED,
        }

    def cell(self, values: list[str], target: str) -> str | None:
        index = self.mapping.get(target)
        if index is None:
            return None
        return _unescaped(values[index].strip()) if index < len(values) else ""

    def customer_number(self, values: list[str]) -> str:
        return (self.cell(values, "customer_number") or "")[:50]

    def check(self, values: list[str]) -> dict:
        fields: dict = {}
        number = self.cell(values, "customer_number") or ""
        if not number:
            raise RowRejected("customer_number", Said(gettext_noop("The customer number is "
                                                                  "empty.")))
        if len(number) > 50:
            raise RowRejected("customer_number", Said(gettext_noop(
                "A customer number has at most 50 characters.")))
        fields["customer_number"] = number
        name = self.cell(values, "name")
        if name is not None:
            if not name:
                raise RowRejected("name", Said(gettext_noop("The name is empty.")))
            if len(name) > 200:
                raise RowRejected("name", Said(gettext_noop("A name has at most 200 "
                                                             "characters.")))
            fields["name"] = name
        country = self.cell(values, "country")
        if country is not None:
            fields["country"] = self._country(country)
        email = self.cell(values, "invoice_email")
        if email is not None:
            if email:
                try:
                    _validate_email(email)
                except ValidationError:
                    raise RowRejected("invoice_email", Said(gettext_noop(
                        "“%(email)s” is not an email address."), email=email)) from None
            fields["invoice_email"] = email
        self._identifier(values, fields, "endpoint_id", endpoint_identifier)
        self._identifier(values, fields, "legal_id", legal_identifier)
        government = self.cell(values, "is_government")
        if government is not None:
            fields["is_government"] = self._yes_no(government)
        self._choice(values, fields, "buyer_reference_source", BuyerReferenceSource,
                     BUYER_REFERENCE_NAMES, "")
        self._choice(values, fields, "einvoicing_method", EInvoicingMethod, METHOD_NAMES,
                     EInvoicingMethod.SENDING_PROFILE)
        profile = self.cell(values, "sending_profile")
        if profile is not None:
            fields["sending_profile_id"] = self._profile(profile)
        return fields

    def _country(self, value: str) -> str:
        if not value:
            return self.default_country
        code = value.upper()
        if code in COUNTRY_CODES:
            return code
        code = COUNTRY_NAMES.get(value.lower())
        if code is None:
            raise RowRejected("country", Said(gettext_noop(
                "Country “%(country)s” is not one the portal knows; use NL, BE, DE, LU, FR, or "
                "XX for any other country."), country=value))
        return code

    def _identifier(self, values, fields, combined, check) -> None:
        scheme_target, value_target = COMBINED[combined]
        text = self.cell(values, combined)
        try:
            if text is not None:
                scheme, value = split_identifier(text)
            else:
                scheme = self.cell(values, scheme_target)
                value = self.cell(values, value_target)
                if scheme is None and value is None:
                    return
                scheme, value = scheme or "", value or ""
            identifier = check(scheme, value)
        except IdentifierError as err:
            raise RowRejected(combined, identifier_said(err)) from None
        except CardFieldError as err:
            target = combined if combined in self.mapping else err.field
            raise RowRejected(target, err.said or err.message) from None
        fields[scheme_target] = identifier.scheme if identifier else ""
        fields[value_target] = identifier.value if identifier else ""

    def _yes_no(self, value: str) -> bool:
        lowered = value.lower()
        if lowered in YES:
            return True
        if lowered in NO:
            return False
        raise RowRejected("is_government", Said(gettext_noop("Write yes or no, not "
                                                             "“%(value)s”."), value=value))

    def _choice(self, values, fields, target, choices, names, empty) -> None:
        value = self.cell(values, target)
        if value is None:
            return
        if not value:
            fields[target] = empty
            return
        found = names.get(normalise_header(value))
        if found is None:
            raise RowRejected(target, Said(gettext_noop("“%(value)s” is not one of "
                                                        "%(options)s."),
                                           value=value, options=_quoted(choices.labels)))
        fields[target] = found

    def _profile(self, value: str) -> int | None:
        if not value:
            return None
        found = self.profiles.get(value.casefold())
        if found is None:
            raise RowRejected("sending_profile", Said(gettext_noop(
                "This organization has no sending profile named “%(name)s”."), name=value))
        return found


def _quoted(labels) -> Said:
    """“A”, “B”: the labels of choices, each said again in the reader's language. The list
    itself is no text of the catalogue; it is filled in as it is."""
    with translation.override(None):
        ids = [str(label) for label in labels]  # the text ids, untranslated
    template = ", ".join(f"“%(choice{n})s”" for n in range(len(ids)))
    return Said(template, **{f"choice{n}": Said(text_id) for n, text_id in enumerate(ids)})
