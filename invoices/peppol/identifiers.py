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
from dataclasses import dataclass

from stdnum.exceptions import InvalidChecksum, ValidationError

from invoices.peppol import schemes
from invoices.peppol.identifier_errors import MESSAGES, IdentifierError
from invoices.peppol.identifier_rules import Rule, rule_for
from invoices.peppol.schemes import DEPRECATED, REMOVED, Scheme
from invoices.peppol.text import gettext_noop

__all__ = [
    "MAX_VALUE_LENGTH", "MESSAGES", "PARTICIPANT_SCHEME", "Identifier", "IdentifierError",
    "check", "check_value", "parse", "scheme_label", "scheme_title",
]

PARTICIPANT_SCHEME = "iso6523-actorid-upis"
# The Peppol Policy for use of Identifiers (4.4) allows 130 characters after "0088:".
MAX_VALUE_LENGTH = 130


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


# Accept sends for debtors without a KvK number under this stand-in number; the platform
# accepts it, but nothing is registered on Peppol under it.
DUMMY_KVK = Identifier("0106", "99999998")


def scheme_title(code: str) -> str:
    """A short name for the scheme, e.g. "GS1 GLN" for 0088."""
    rule = rule_for(code)
    return rule.title or rule.label


# A VAT scheme's title, rather than the code list's English "Netherlands VAT number".
VAT_TITLE = gettext_noop("VAT number ({country})")


def scheme_label(code: str, translate: Callable[[str], str] = gettext_noop) -> str:
    """How a form offers the scheme: code, short name and title, e.g. "0088 · GLN · GS1 GLN",
    with the title in the language of `translate`."""
    scheme = schemes.get_scheme(code)
    if scheme.scheme_id.endswith(":VAT"):
        title = translate(VAT_TITLE).format(country=scheme.country)
    else:
        title = translate(scheme_title(code))
    return f"{code} · {scheme.scheme_id} · {title}"


# Offered first: the schemes Dutch and Belgian parties use.
COMMON_SCHEMES = ("0106", "0190", "0088", "9944", "0208", "9925")


def scheme_choices(allowed: Callable[[str], bool] = lambda code: True) -> list:
    """The active schemes that are `allowed`, as a form's grouped choices in the language
    of the request: the common ones first, then the others."""
    from django.utils.translation import gettext

    def label(code):
        return scheme_label(code, gettext)

    common = [(code, label(code)) for code in COMMON_SCHEMES if allowed(code)]
    others = [(s.code, label(s.code)) for s in schemes.all_schemes()
              if s.active and s.code not in COMMON_SCHEMES and allowed(s.code)]
    return [(gettext("Common in the Netherlands and Belgium"), common),
            (gettext("Other schemes"), others)]


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
    rule = rule_for(entry.code)
    text = value.strip() if strict else _clean(rule, value)
    if not text:
        raise IdentifierError("value", "empty_value", label=rule.label)
    return Identifier(entry.code, _canonical(rule, text, strict))


def _clean(rule: Rule, value: str) -> str:
    dropped = {ord(c): None for c in ".-" if c not in rule.keep}
    text = "".join(value.split()).translate(dropped)
    text = text.upper() if rule.upper else text
    if rule.loose_prefix and text.startswith(rule.loose_prefix):
        text = text[len(rule.loose_prefix) :]
    return text


def _canonical(rule: Rule, text: str, strict: bool) -> str:
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
    check = rule.check or rule.check_all
    if check:
        try:
            check(text)
        except InvalidChecksum:
            key = "check_digit" if rule.check else "check_digits"
            raise IdentifierError("value", key, **labels) from None
        except ValidationError:
            _raise_format(rule, labels)
    return text


def _check_digits(rule: Rule, body: str, labels: dict[str, str]) -> None:
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


def _raise_format(rule: Rule, labels: dict[str, str]) -> None:
    if rule.example:
        raise IdentifierError("value", "format_example", example=rule.example, **labels)
    raise IdentifierError("value", "format", **labels)
