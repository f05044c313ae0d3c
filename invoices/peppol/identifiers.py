"""Peppol participant identifiers ("0106:12345678"): parse, normalise and check them.

``parse(text)`` and ``check(scheme, value)`` return an ``Identifier`` in canonical form or
raise ``IdentifierError``; they accept only schemes that are active on the code list.
``check_value`` checks just the number, also for retired schemes, as documents need.
Format and check digits come from python-stdnum wherever it knows the number; other
schemes are held to the format their code list entry documents.

Translation without Django: user-facing texts are plain English sentences marked with
``gettext_noop`` (Django's makemessages collects them), with ``{placeholders}`` filled in
only after the template is looked up. ``IdentifierError.render(gettext)`` translates the
template and the name of the number it mentions, then formats; ``.message`` is English.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

from stdnum import ean, iban, lei, vatin
from stdnum.au import abn
from stdnum.be import vat as be_vat
from stdnum.ch import uid as ch_uid
from stdnum.de import leitweg
from stdnum.ee import registrikood
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fi import alv as fi_alv
from stdnum.fi import ytunnus
from stdnum.fr import siren, siret
from stdnum.is_ import kennitala
from stdnum.it import codicefiscale, iva
from stdnum.no import mva as no_mva
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr
from stdnum.sg import uen
from stdnum.us import ein
from stdnum.util import get_cc_module

from invoices.peppol import schemes
from invoices.peppol.schemes import DEPRECATED, REMOVED, Scheme

PARTICIPANT_SCHEME = "iso6523-actorid-upis"
# The Peppol Policy for use of Identifiers (4.4) allows 130 characters after "0088:".
MAX_VALUE_LENGTH = 130


def gettext_noop(message: str) -> str:
    """Mark a text for translation; the Django layer translates it when it is shown."""
    return message


_ = gettext_noop

MESSAGES = {
    "empty": _("Enter an identifier, for example 0106:12345678."),
    "no_colon": _("Write the scheme, a colon and the number, for example 0106:12345678."),
    "empty_scheme": _("Choose the scheme of this identifier."),
    "scheme_format": _("A scheme is a code of four digits, such as 0106; “{scheme}” is not one."),
    "scheme_by_name": _("Write scheme {scheme} as its code, {code}."),
    "unknown_scheme": _("Scheme {scheme} is not on the Peppol list of identifier schemes."),
    "removed": _("Scheme {scheme} ({scheme_id}) was removed from the Peppol code list."),
    "removed_successor": _(
        "Scheme {scheme} ({scheme_id}) was removed from the Peppol code list; "
        "use {successor} instead."
    ),
    "deprecated": _(
        "Scheme {scheme} ({scheme_id}) is being phased out of the Peppol code list "
        "and cannot be used for new identifiers."
    ),
    "deprecated_successor": _(
        "Scheme {scheme} ({scheme_id}) is being phased out of the Peppol code list; "
        "use {successor} instead."
    ),
    "empty_value": _("Enter the {label}."),
    "length": _("{a_label} has {expected} digits; this one has {actual}."),
    "length_either": _("{a_label} has {first} or {second} digits; this one has {actual}."),
    "digits_only": _("{a_label} contains only digits; remove “{extra}”."),
    "digits_after_prefix": _("{a_label} has only digits after {prefix}; remove “{extra}”."),
    "prefix": _("{a_label} starts with {prefix}; this one starts with {found}."),
    "check_digit": _("The last digit of this {label} does not match the others; check for a typo."),
    "check_digits": _(
        "The check digits of this {label} do not match the rest of the number; check for a typo."
    ),
    "format": _("This is not a valid {label}; check it for typos."),
    "format_example": _("This is not a valid {label}; it is written like {example}."),
    "characters": _(
        "An identifier holds only letters without accents, digits and punctuation; "
        "remove “{extra}”."
    ),
    "too_long": _("An identifier has at most {limit} characters; this one has {actual}."),
}
# Parameters that are themselves marked texts, translated along with the template.
_TRANSLATED_PARAMS = {"label", "a_label"}


class IdentifierError(ValueError):
    """Why an identifier cannot be used, in words for the person who typed it."""

    def __init__(self, field: str, key: str, **params: str) -> None:
        self.field = field  # "scheme" or "value": the form field to show the message at
        self.key = key
        self.template = MESSAGES[key]
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.render()

    def render(self, translate: Callable[[str], str] = gettext_noop) -> str:
        params = {
            name: translate(value) if name in _TRANSLATED_PARAMS else value
            for name, value in self.params.items()
        }
        text = translate(self.template).format(**params)
        return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Identifier:
    scheme: str  # ISO 6523 code, e.g. "0106"
    value: str  # canonical form, e.g. "12345678"

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"

    @property
    def participant_id(self) -> str:
        """The form used in SMP lookups and the SBDH."""
        return f"{PARTICIPANT_SCHEME}::{self}"


@dataclass(frozen=True)
class _Rule:
    """How one scheme's numbers are written and checked."""

    label: str
    a_label: str
    digits: tuple[int, ...] = ()  # allowed lengths of a value of digits (after any prefix)
    pattern: str = ""  # the whole canonical value must match
    check: Callable[[str], object] | None = None  # a stdnum validate(); raises when wrong
    check_digit: bool = True  # stdnum's check is the last digit alone (decides the wording)
    keep: str = ""  # separators that belong to the value and are not cleaned away
    upper: bool = True
    prefix: str = ""  # letters the value starts with; added when the user leaves them out
    optional_prefix: str = ""  # letters the official rules allow in front; dropped
    loose_prefix: str = ""  # letters people paste in front by habit; dropped when cleaning
    example: str = ""
    title: str = ""  # name in listings, when the label is not enough


def _siren_or_siret(value: str) -> str:
    return siren.validate(value) if len(value) == 9 else siret.validate(value)


def _ovt_business_id(value: str) -> str:
    # An OVT code is 0037, the 8-digit Finnish business ID, and an optional suffix.
    return ytunnus.validate(value[4:12])


_GLN = _Rule(_("GLN"), _("a GLN"), digits=(13,), check=ean.validate, title=_("GS1 GLN"))
# The code list says 17 digits for 0106; KvK numbers have had 8 since 2009.
_KVK = _Rule(_("KvK number"), _("a KvK number"), digits=(8,))
_OIN = _Rule(_("OIN"), _("an OIN"), digits=(20,))
_NO_ORGNR = _Rule(
    _("Norwegian organisation number"),
    _("a Norwegian organisation number"),
    digits=(9,),
    check=no_orgnr.validate,
)
# Rule PEPPOL-COMMON-R042 accepts a DK prefix and checks no check digit: the official
# tests accept 12345678, which fails the old modulus-11 test that stdnum's dk.cvr applies.
_CVR = _Rule(
    _("CVR number"), _("a CVR number"), digits=(8,), pattern=r"[1-9]\d{7}", optional_prefix="DK"
)
_DK_SE = _Rule(_("Danish SE number"), _("a Danish SE number"), prefix="DK", digits=(8,))
_BE_ENTERPRISE = _Rule(
    _("Belgian enterprise number"),
    _("a Belgian enterprise number"),
    digits=(10,),
    pattern=r"[01]\d{9}",
    check=be_vat.validate,
    check_digit=False,
    loose_prefix="BE",
    example="0123456749",
)
_IT_CODICE_FISCALE = _Rule(
    _("Italian tax code"),
    _("an Italian tax code"),
    pattern=r"\d{11}|[0-9A-Z]{16}",
    check=codicefiscale.validate,
    check_digit=False,
)
_IT_VAT = _Rule(
    _("Italian VAT number"),
    _("an Italian VAT number"),
    prefix="IT",
    digits=(11,),
    check=iva.validate,
)
_IS_KENNITALA = _Rule(
    _("Icelandic kennitala"),
    _("an Icelandic kennitala"),
    digits=(10,),
    check=kennitala.validate,
    check_digit=False,
)
_LEITWEG = _Rule(
    _("Leitweg-ID"),
    _("a Leitweg-ID"),
    pattern=r"\d{2,12}(-[0-9A-Z]{1,30})?-\d{2}",
    check=leitweg.validate,
    check_digit=False,
    keep="-",
    example="991-03730-19",
)
_VAT = (_("VAT number"), _("a VAT number"))
_ANY = _Rule(_("identifier"), _("an identifier"), keep=".-", upper=False)

RULES: dict[str, _Rule] = {
    "0002": _Rule(
        _("SIREN or SIRET number"),
        _("a SIREN or SIRET number"),
        digits=(9, 14),
        check=_siren_or_siret,
    ),
    "0007": _Rule(
        _("Swedish organisation number"),
        _("a Swedish organisation number"),
        digits=(10,),
        check=se_orgnr.validate,
    ),
    "0009": _Rule(_("SIRET number"), _("a SIRET number"), digits=(14,), check=siret.validate),
    "0037": _Rule(
        _("OVT code"), _("an OVT code"), pattern=r"(0037)?\d{7}-?\d[0-9A-Z]{0,5}", keep="-"
    ),
    "0060": _Rule(_("D-U-N-S number"), _("a D-U-N-S number"), digits=(9,)),
    "0088": _GLN,
    "0096": _Rule(_("Danish P-number"), _("a Danish P-number"), digits=(10,)),
    "0097": _Rule(_("FTI code"), _("an FTI code"), pattern=r"\d{11,16}"),
    "0106": _KVK,
    "0151": _Rule(
        _("Australian Business Number"),
        _("an Australian Business Number"),
        digits=(11,),
        check=abn.validate,
        check_digit=False,
    ),
    "0158": _Rule(_("Slovak IČO"), _("a Slovak IČO"), digits=(8,)),
    "0183": _Rule(
        _("Swiss UID number"),
        _("a Swiss UID number"),
        prefix="CHE",
        digits=(9,),
        check=ch_uid.validate,
    ),
    "0184": _CVR,
    "0190": _OIN,
    "0191": _Rule(
        _("Estonian registry code"),
        _("an Estonian registry code"),
        digits=(8,),
        pattern=r"[1789]\d{7}",
        check=registrikood.validate,
    ),
    "0192": _NO_ORGNR,
    "0193": _Rule(
        _("UBL.BE party identifier"), _("a UBL.BE party identifier"), pattern=r"[!-~]{4,50}"
    ),
    "0195": _Rule(
        _("UEN"), _("a UEN"), pattern=r"[0-9A-Z]{9,10}", check=uen.validate, check_digit=False
    ),
    "0196": _IS_KENNITALA,
    "0198": _DK_SE,
    "0199": _Rule(
        _("LEI"), _("an LEI"), pattern=r"[0-9A-Z]{18}\d{2}", check=lei.validate, check_digit=False
    ),
    "0200": _Rule(_("Lithuanian company code"), _("a Lithuanian company code"), digits=(9,)),
    "0201": _Rule(_("IPA code"), _("an IPA code"), pattern=r"[0-9A-Z]{6}", example="UFY9MH"),
    "0204": _LEITWEG,
    "0208": _BE_ENTERPRISE,
    "0210": _IT_CODICE_FISCALE,
    "0211": _IT_VAT,
    "0212": _Rule(
        _("Finnish business ID"),
        _("a Finnish business ID"),
        pattern=r"\d{7}-\d",
        check=ytunnus.validate,
        keep="-",
        example="2077474-0",
    ),
    "0213": _Rule(*_VAT, prefix="FI", digits=(8,), check=fi_alv.validate),
    "0215": _Rule(_("Net Service ID"), _("a Net Service ID"), pattern=r"[0-9A-Z]{1,35}"),
    "0216": _Rule(
        _("OVT code"),
        _("an OVT code"),
        pattern=r"0037\d{8}[0-9A-Z]{0,5}",
        check=_ovt_business_id,
        example="003704944842TST01",
    ),
    "0218": _Rule(
        _("Latvian registration number"), _("a Latvian registration number"), digits=(9, 11)
    ),
    "0225": _Rule(
        _("French CTC address"),
        _("a French CTC address"),
        pattern=r"[A-Za-z0-9_-]{1,130}",
        keep="-",
        upper=False,
    ),
    "0235": _Rule(_("UAE TIN"), _("a UAE TIN"), digits=(10,), pattern=r"1\d{9}"),
    "0240": _Rule(
        _("Luxembourg national identifier"), _("a Luxembourg national identifier"), digits=(11,)
    ),
    "0242": _Rule(
        _("SPIS identifier"),
        _("a SPIS identifier"),
        pattern=r"\d{6}(-[0-9A-Z_]{3,12}(\.[0-9A-Z._~-]{3,24})?)?",
        keep=".-",
    ),
    "0244": _Rule(_("Nigerian TIN"), _("a Nigerian TIN"), digits=(13,)),
    "0245": _Rule(_("Slovak DIČ"), _("a Slovak DIČ"), digits=(10,)),
    "0246": _Rule(
        _("German business identification number"),
        _("a German business identification number"),
        prefix="DE",
        pattern=r"DE\d{9}(-\d{5})?(\.[0-9A-Z]{1,8})?",
        keep=".-",
    ),
    "0248": _Rule(*_VAT, prefix="OM", digits=(10,)),
    "9902": _CVR,
    "9904": _DK_SE,
    "9906": _IT_VAT,
    "9907": _IT_CODICE_FISCALE,
    "9908": _NO_ORGNR,
    "9909": _Rule(
        *_VAT, prefix="NO", pattern=r"NO\d{9}MVA", check=no_mva.validate, check_digit=False
    ),
    "9912": _Rule(
        *_VAT, pattern=r"[A-Z]{2}[0-9A-Z]{2,16}", check=vatin.validate, check_digit=False
    ),
    "9917": _IS_KENNITALA,
    "9918": _Rule(
        _("IBAN"),
        _("an IBAN"),
        pattern=r"[A-Z]{2}\d{2}[0-9A-Z]{11,30}",
        check=iban.validate,
        check_digit=False,
    ),
    "9954": _OIN,
    "9956": _BE_ENTERPRISE,
    "9958": _LEITWEG,
    "9959": _Rule(_("EIN"), _("an EIN"), digits=(9,), check=ein.validate),
}


@cache
def _rule_for(code: str) -> _Rule:
    scheme = schemes.get_scheme(code)
    if code in RULES:
        return RULES[code]
    if scheme and scheme.scheme_id.endswith(":VAT"):
        # Greece writes EL in front of its VAT numbers, not GR.
        prefix = "EL" if scheme.country == "GR" else scheme.country
        known = get_cc_module(scheme.country.lower(), "vat") is not None
        return _Rule(
            *_VAT,
            prefix=prefix,
            pattern=rf"{prefix}[0-9A-Z]{{2,16}}",
            check=vatin.validate if known else None,
            check_digit=False,
            title=scheme.name,
        )
    return replace(_ANY, title=scheme.name if scheme else "")


def scheme_title(code: str) -> str:
    """A short name for the scheme, e.g. "GS1 GLN" for 0088."""
    rule = _rule_for(code)
    return rule.title or rule.label


def parse(text: str) -> Identifier:
    """Read "0106:12345678", also with "iso6523-actorid-upis::" in front, and check it."""
    text = text.strip()
    if text.lower().startswith(f"{PARTICIPANT_SCHEME}::"):
        text = text[len(PARTICIPANT_SCHEME) + 2 :]
    if not text:
        raise IdentifierError("value", "empty")
    for scheme in schemes.all_schemes():
        # Scheme ids contain a colon themselves: "NL:KVK:12345678".
        if text.upper().startswith(f"{scheme.scheme_id.upper()}:"):
            raise IdentifierError(
                "scheme", "scheme_by_name", scheme=scheme.scheme_id, code=scheme.code
            )
    scheme, colon, value = text.partition(":")
    if not colon:
        raise IdentifierError("value", "no_colon")
    return check(scheme, value)


def check(scheme: str, value: str) -> Identifier:
    """The identifier in canonical form, for a scheme that is active on the code list."""
    entry = _listed_scheme(scheme)
    if entry.state in (REMOVED, DEPRECATED):
        key = "removed" if entry.state == REMOVED else "deprecated"
        params = {"scheme": entry.code, "scheme_id": entry.scheme_id}
        if entry.successor:
            raise IdentifierError("scheme", f"{key}_successor", successor=entry.successor, **params)
        raise IdentifierError("scheme", key, **params)
    return _check_value(entry, value, strict=False)


def check_value(scheme: str, value: str, *, strict: bool = False) -> Identifier:
    """Check only the number, against its scheme's format, whatever the scheme's state.

    For numbers read from documents. With ``strict`` the value must already be written
    as the official rules expect: no spaces, dots or dashes are cleaned away, no letters
    upper-cased and no missing prefix added (a prefix those rules allow, such as DK in
    front of a CVR number, is still dropped).
    """
    return _check_value(_listed_scheme(scheme), value, strict=strict)


def _listed_scheme(scheme: str) -> Scheme:
    code = scheme.strip()
    if not code:
        raise IdentifierError("scheme", "empty_scheme")
    if not re.fullmatch(r"\d{4}", code):
        named = schemes.find_by_scheme_id(code)
        if named:
            raise IdentifierError(
                "scheme", "scheme_by_name", scheme=named.scheme_id, code=named.code
            )
        raise IdentifierError("scheme", "scheme_format", scheme=code)
    entry = schemes.get_scheme(code)
    if entry is None:
        raise IdentifierError("scheme", "unknown_scheme", scheme=code)
    return entry


def _check_value(entry: Scheme, value: str, strict: bool) -> Identifier:
    rule = _rule_for(entry.code)
    text = value.strip() if strict else _clean(rule, value)
    if not text:
        raise IdentifierError("value", "empty_value", label=rule.label)
    return Identifier(entry.code, _canonical(rule, text, strict))


def _clean(rule: _Rule, value: str) -> str:
    dropped = {ord(c): None for c in ".-" if c not in rule.keep}
    text = "".join(value.split()).translate(dropped)
    text = text.upper() if rule.upper else text
    if rule.loose_prefix and text.startswith(rule.loose_prefix):
        text = text[len(rule.loose_prefix) :]
    return text


def _canonical(rule: _Rule, text: str, strict: bool) -> str:
    labels = {"label": rule.label, "a_label": rule.a_label}
    if rule.optional_prefix and text.startswith(rule.optional_prefix):
        text = text[len(rule.optional_prefix) :]
    if rule.prefix and not text.startswith(rule.prefix):
        if strict or not text[:1].isdigit():
            found = text[: len(rule.prefix)]
            raise IdentifierError("value", "prefix", prefix=rule.prefix, found=found, **labels)
        text = rule.prefix + text
    if rule.digits:
        _check_digits(rule, text[len(rule.prefix) :], labels)
    if rule.pattern and not re.fullmatch(rule.pattern, text):
        _raise_format(rule, labels)
    if not rule.digits and not rule.pattern:
        _check_free_text(text)
    if rule.check:
        try:
            rule.check(text)
        except InvalidChecksum:
            key = "check_digit" if rule.check_digit else "check_digits"
            raise IdentifierError("value", key, **labels) from None
        except ValidationError:
            _raise_format(rule, labels)
    return text


def _check_digits(rule: _Rule, body: str, labels: dict[str, str]) -> None:
    extra = "".join(dict.fromkeys(c for c in body if c not in "0123456789"))
    if extra and rule.prefix:
        raise IdentifierError(
            "value", "digits_after_prefix", prefix=rule.prefix, extra=extra, **labels
        )
    if extra:
        raise IdentifierError("value", "digits_only", extra=extra, **labels)
    if len(body) in rule.digits:
        return
    actual = str(len(body))
    if len(rule.digits) == 1:
        raise IdentifierError(
            "value", "length", expected=str(rule.digits[0]), actual=actual, **labels
        )
    first, second = (str(n) for n in rule.digits)
    raise IdentifierError(
        "value", "length_either", first=first, second=second, actual=actual, **labels
    )


def _check_free_text(text: str) -> None:
    extra = "".join(dict.fromkeys(c for c in text if not "!" <= c <= "~"))
    if extra:
        raise IdentifierError("value", "characters", extra=extra)
    if len(text) > MAX_VALUE_LENGTH:
        raise IdentifierError(
            "value", "too_long", limit=str(MAX_VALUE_LENGTH), actual=str(len(text))
        )


def _raise_format(rule: _Rule, labels: dict[str, str]) -> None:
    if rule.example:
        raise IdentifierError("value", "format_example", example=rule.example, **labels)
    raise IdentifierError("value", "format", **labels)
