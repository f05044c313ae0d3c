"""Forms of the organization pages. Checks that need the database stay in the model methods."""

import re

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError
from stdnum.nl import postcode as nl_postcode

from invoices.peppol import identifiers as peppol_ids
from invoices.peppol.pasted import split_pasted_data
from onboarding.models import Country, OrganizationMember, User

# Each country's registry number is checked as the Peppol scheme it becomes.
REGISTRY_SCHEME = {Country.NL: "0106", Country.BE: "0208"}


def registry_label(country) -> str:
    if country == Country.NL:
        return gettext("KvK number")
    if country == Country.BE:
        return gettext("Enterprise number (ondernemingsnummer)")
    return gettext("Registry number")


def check_registry_number(country, value: str) -> str:
    """The number in canonical form; ValidationError in the words of the identifier rules."""
    scheme = REGISTRY_SCHEME.get(country)
    if scheme is None:
        return value.strip()
    try:
        return peppol_ids.check(scheme, value).value
    except peppol_ids.IdentifierError as err:
        raise forms.ValidationError(err.render(gettext)) from err


class CountryForm(forms.Form):
    country = forms.ChoiceField(
        label=_("Where is the organization registered?"), choices=Country.choices,
        widget=forms.RadioSelect,
        help_text=_("Dutch organizations are looked up in the KvK register; for other "
                    "countries you enter the details yourself."),
    )


class KvKSearchForm(forms.Form):
    q = forms.CharField(label=_("KvK number or company name"), max_length=100)


BELGIAN_POSTAL_CODE = re.compile(r"[1-9][0-9]{3}")
POSTAL_CODE = re.compile(r"[^\W_]+(?:[ -][^\W_]+)*")


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    registry_number = forms.CharField(max_length=40)
    street = forms.CharField(label=_("Street and number"), max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    city = forms.CharField(label=_("City"), max_length=100)

    def __init__(self, *args, country, from_registry=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country
        field = self.fields["registry_number"]
        field.label = registry_label(country)
        if from_registry:
            field.widget.attrs["readonly"] = True
            field.help_text = gettext("From the KvK register; it cannot be changed here.")
        elif country == Country.NL:
            field.help_text = gettext("8 digits, as on the KvK extract.")
        elif country == Country.BE:
            field.help_text = gettext("10 digits, starting with 0 or 1, for example 0403170701.")
        else:
            field.help_text = gettext("The number of the company in its national register.")

    def clean_registry_number(self):
        return check_registry_number(self.country, self.cleaned_data["registry_number"])

    def clean_postal_code(self):
        postal_code = " ".join(self.cleaned_data["postal_code"].split())
        if self.country == Country.BE:
            if not BELGIAN_POSTAL_CODE.fullmatch(postal_code):
                raise forms.ValidationError(
                    _("A Belgian postal code is four digits, such as 1000."))
            return postal_code
        if self.country != Country.NL:
            # Postal codes of every country are letters and digits, with a space or hyphen.
            if not POSTAL_CODE.fullmatch(postal_code):
                raise forms.ValidationError(
                    _("A postal code holds letters and digits, with at most a space or a "
                      "hyphen between them, such as 10115 or SW1A 1AA."))
            return postal_code
        try:
            return nl_postcode.validate(postal_code).replace(" ", "")
        except ValidationError as error:
            raise forms.ValidationError(
                _("A Dutch postal code is four digits and two letters, such as 3811 AB.")) \
                from error


class ActivationForm(forms.Form):
    requester_name = forms.CharField(label=_("Your name"), max_length=200)
    requester_role = forms.CharField(
        label=_("Your role in the company"), max_length=200,
        help_text=_("For example director, owner or financial manager."),
    )
    registry_number = forms.CharField(max_length=40)
    authorised = forms.BooleanField(
        label=_("I confirm that I may act for this company and ask for its activation."),
    )

    def __init__(self, *args, country, partnership=None, **kwargs):
        """`partnership`: the one through which an accountant asks for a client; they give
        their own role at the accountancy and act under the client's authorisation."""
        super().__init__(*args, **kwargs)
        self.country = country
        self.fields["registry_number"].label = registry_label(country)
        self.fields["registry_number"].help_text = gettext(
            "Type it again from the register extract, as a check.")
        if partnership is not None:
            names = {"firm": partnership.accountant.name,
                     "name": partnership.organization.name}
            role = self.fields["requester_role"]
            role.label = gettext("Your role at %(firm)s") % names
            role.help_text = gettext("For example accountant or adviser.")
            self.fields["authorised"].label = gettext(
                "I confirm that I act on behalf of %(name)s under the authorisation it gave "
                "%(firm)s, and may ask for its activation.") % names

    def clean_registry_number(self):
        # Spaces and dots are how people copy numbers from an extract; the digits decide.
        value = self.cleaned_data["registry_number"]
        if self.country in REGISTRY_SCHEME:
            return "".join(ch for ch in value if ch not in " .")
        return value.strip()


class DeleteForm(forms.Form):
    confirm_name = forms.CharField(label=_("Type the organization's name to confirm"),
                                   max_length=200)

    def __init__(self, *args, name: str, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown under the field and read with it.
        self.fields["confirm_name"].help_text = format_html(
            gettext("Type {name} exactly."), name=format_html("<strong>{}</strong>", name))


# The identifier an organization of the country most often adds, as the form's example.
EXAMPLE_IDENTIFIERS = {Country.NL: ("0106", "12345678"), Country.BE: ("0208", "0403170701")}


class IdentifierForm(forms.Form):
    scheme = forms.ChoiceField(label=_("Scheme"))
    value = forms.CharField(label=_("Identifier"), max_length=peppol_ids.MAX_VALUE_LENGTH)

    def __init__(self, data=None, *args, country=Country.NL, **kwargs):
        super().__init__(split_pasted_data(data, "scheme", "value"), *args, **kwargs)
        self.fields["scheme"].choices = peppol_ids.scheme_choices()
        scheme, number = EXAMPLE_IDENTIFIERS.get(country, EXAMPLE_IDENTIFIERS[Country.NL])
        if country in EXAMPLE_IDENTIFIERS:
            self.fields["scheme"].initial = scheme
        self.fields["value"].help_text = gettext(
            "The number, for example %(number)s. Pasted whole as %(scheme)s:%(number)s, it is "
            "split for you.") % {"number": number, "scheme": scheme}


class IdentifierSwitchForm(forms.Form):
    direction = forms.ChoiceField(choices=[("send", _("send")), ("receive", _("receive"))])
    enabled = forms.TypedChoiceField(choices=[("1", _("on")), ("0", _("off"))],
                                     coerce=lambda value: value == "1")


class ReceivingForm(forms.Form):
    enabled = forms.TypedChoiceField(choices=[("1", _("on")), ("0", _("off"))],
                                     coerce=lambda value: value == "1")


class MemberAddForm(forms.Form):
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none(),
                                  empty_label=_("Choose a user"))
    role = forms.ChoiceField(label=_("Role in the organization"),
                             choices=OrganizationMember.OrgRole.choices,
                             initial=OrganizationMember.OrgRole.MEMBER)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        # Users of this environment who are not members yet.
        self.fields["user"].queryset = (
            User.objects.filter(memberships__environment=organization.environment_id,
                                is_active=True)
            .exclude(organization_memberships__organization=organization)
            .order_by("email")
        )
        self.fields["user"].label_from_instance = _user_label

    @property
    def has_candidates(self) -> bool:
        return self.fields["user"].queryset.exists()


def _user_label(user) -> str:
    name = user.get_full_name()
    return f"{name} <{user.email}>" if name else user.email


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role in the organization"),
                             choices=OrganizationMember.OrgRole.choices)
