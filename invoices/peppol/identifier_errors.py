"""Why a Peppol identifier is refused: the messages, and the error that carries one."""

from collections.abc import Callable

from invoices.peppol.text import gettext_noop

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
