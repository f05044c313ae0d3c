"""Checking one row of an import into the values of a card, in the card form's words."""

from __future__ import annotations

from typing import NamedTuple

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


class Problem(NamedTuple):
    """One reason a row is rejected: the target (card field or combined column) it is about,
    and the reason, as RowRejected has them."""

    target: str
    reason: str


class RowChecker:
    """Checks one row's cells into card values, and says every problem of the row."""

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
        # One step a field the file has, in the order of the card form; each adds its
        # field's value or raises RowRejected, so a field has one problem at most. The
        # customer number is always checked: a row cannot do without one.
        steps = (
            ((), self._customer_number), (("name",), self._name),
            (("country",), self._country), (("invoice_email",), self._email),
            (("endpoint_id", *COMBINED["endpoint_id"]), self._endpoint),
            (("legal_id", *COMBINED["legal_id"]), self._legal),
            (("is_government",), self._government),
            (("buyer_reference_source",), self._buyer_reference),
            (("einvoicing_method",), self._method), (("sending_profile",), self._profile),
        )
        self.steps = tuple(step for targets, step in steps
                           if not targets or any(target in mapping for target in targets))
        # The choices a value is not one of, said once a reading (in one language).
        self._options: dict = {}

    def cell(self, values: list[str], target: str) -> str | None:
        index = self.mapping.get(target)
        if index is None:
            return None
        return _unescaped(values[index].strip()) if index < len(values) else ""

    def customer_number(self, values: list[str]) -> str:
        return (self.cell(values, "customer_number") or "")[:50]

    def check(self, values: list[str], *, every: bool = True) -> tuple[dict, list[Problem]]:
        """The card values of the row's valid cells, and the problems of the others: every
        field is checked, so one report names all that is wrong with a row (`every`; else
        up to the first problem). A field with a problem has no value; checks across fields
        come after these (see customers.importing.passes)."""
        fields: dict = {}
        problems: list[Problem] = []
        for step in self.steps:
            try:
                step(values, fields)
            except RowRejected as rejected:
                problems.append(Problem(rejected.target, rejected.reason))
                if not every:
                    break
        return fields, problems

    def _customer_number(self, values, fields) -> None:
        number = self.cell(values, "customer_number") or ""
        if not number:
            raise RowRejected("customer_number", Said(gettext_noop("The customer number is "
                                                                  "empty.")))
        if len(number) > 50:
            raise RowRejected("customer_number", Said(gettext_noop(
                "A customer number has at most 50 characters.")))
        fields["customer_number"] = number

    def _name(self, values, fields) -> None:
        name = self.cell(values, "name")
        if name is None:
            return
        if not name:
            raise RowRejected("name", Said(gettext_noop("The name is empty.")))
        if len(name) > 200:
            raise RowRejected("name", Said(gettext_noop("A name has at most 200 characters.")))
        fields["name"] = name

    def _email(self, values, fields) -> None:
        email = self.cell(values, "invoice_email")
        if email is None:
            return
        if email:
            try:
                _validate_email(email)
            except ValidationError:
                raise RowRejected("invoice_email", Said(gettext_noop(
                    "“%(email)s” is not an email address."), email=email)) from None
        fields["invoice_email"] = email

    def _country(self, values, fields) -> None:
        value = self.cell(values, "country")
        if value is None:
            return
        if not value:
            fields["country"] = self.default_country
            return
        code = value.upper()
        if code not in COUNTRY_CODES:
            code = COUNTRY_NAMES.get(value.lower())
        if code is None:
            raise RowRejected("country", Said(gettext_noop(
                "Country “%(country)s” is not one the portal knows; use NL, BE, DE, LU, FR, or "
                "XX for any other country."), country=value))
        fields["country"] = code

    def _endpoint(self, values, fields) -> None:
        self._identifier(values, fields, "endpoint_id", endpoint_identifier)

    def _legal(self, values, fields) -> None:
        self._identifier(values, fields, "legal_id", legal_identifier)

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

    def _government(self, values, fields) -> None:
        value = self.cell(values, "is_government")
        if value is None:
            return
        lowered = value.lower()
        if lowered in YES:
            fields["is_government"] = True
        elif lowered in NO:
            fields["is_government"] = False
        else:
            raise RowRejected("is_government", Said(gettext_noop("Write yes or no, not "
                                                                 "“%(value)s”."), value=value))

    def _buyer_reference(self, values, fields) -> None:
        self._choice(values, fields, "buyer_reference_source", BuyerReferenceSource,
                     BUYER_REFERENCE_NAMES, "")

    def _method(self, values, fields) -> None:
        self._choice(values, fields, "einvoicing_method", EInvoicingMethod, METHOD_NAMES,
                     EInvoicingMethod.SENDING_PROFILE)

    def _choice(self, values, fields, target, choices, names, empty) -> None:
        value = self.cell(values, target)
        if value is None:
            return
        if not value:
            fields[target] = empty
            return
        found = names.get(normalise_header(value))
        if found is None:
            options = self._options.get(target)
            if options is None:
                options = self._options[target] = _quoted(choices.labels)
            raise RowRejected(target, Said(gettext_noop("“%(value)s” is not one of "
                                                        "%(options)s."),
                                           value=value, options=options))
        fields[target] = found

    def _profile(self, values, fields) -> None:
        value = self.cell(values, "sending_profile")
        if value is None:
            return
        if not value:
            fields["sending_profile_id"] = None
            return
        found = self.profiles.get(value.casefold())
        if found is None:
            raise RowRejected("sending_profile", Said(gettext_noop(
                "This organization has no sending profile named “%(name)s”."), name=value))
        fields["sending_profile_id"] = found


def _quoted(labels) -> Said:
    """“A”, “B”: the labels of choices, each said again in the reader's language. The list
    itself is no text of the catalogue; it is filled in as it is."""
    with translation.override(None):
        ids = [str(label) for label in labels]  # the text ids, untranslated
    template = ", ".join(f"“%(choice{n})s”" for n in range(len(ids)))
    return Said(template, **{f"choice{n}": Said(text_id) for n, text_id in enumerate(ids)})
