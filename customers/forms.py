"""Forms of the customer card, sending profile and import pages. Identifier checks are the
model module's, so the form and the import refuse the same values with the same words."""

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.importing import TARGETS, mapping_problems
from customers.models import (
    DUMMY_KVK,
    BuyerReferenceSource,
    CardFieldError,
    EInvoicingMethod,
    ProcessingMode,
)
from customers.models.cards import (
    DUPLICATE_CUSTOMER_NUMBER,
    GOVERNMENT_NEEDS_OIN,
    LEGAL_SCHEME_STARTS_WITH_9,
    OIN_SCHEME,
    endpoint_identifier,
    legal_identifier,
)
from customers.models.profiles import (
    NAME_TAKEN,
    PROCESSING_MODE_HELP,
    SendingProfile,
    format_field_mapping,
    parse_field_mapping,
)
from invoices.peppol import identifiers as peppol_ids
from invoices.peppol import schemes
from invoices.peppol.pasted import split_pasted_data
from onboarding.models import Country
from portal.versions import VersionField
from portal.widgets import Textarea


def scheme_choices(*, endpoint: bool):
    """Active schemes: for an Endpoint-ID those on the EAS list, for a Legal ID those not
    starting with 9."""

    def allowed(code):
        return schemes.is_eas_code(code) if endpoint else not code.startswith("9")

    return [("", "—"), *peppol_ids.scheme_choices(allowed)]


class SchemeSelect(forms.Select):
    """Choices are built per request, in the user's language."""

    def __init__(self, *, endpoint, **kwargs):
        super().__init__(**kwargs)
        self.endpoint = endpoint

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs.pop("maxlength", None)  # from the CharField; a select has no such attribute
        return attrs

    def optgroups(self, name, value, attrs=None):
        self.choices = scheme_choices(endpoint=self.endpoint)
        return super().optgroups(name, value, attrs)


class CustomerCardForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    customer_number = forms.CharField(
        label=_("Customer number"), max_length=50,
        help_text=_("The debtor number in your bookkeeping software; imports match on it."))
    country = forms.ChoiceField(label=_("Country"), choices=Country.choices)
    invoice_email = forms.EmailField(label=_("Invoice email"), required=False)
    endpoint_scheme = forms.CharField(
        label=_("Endpoint-ID scheme"), required=False, max_length=4,
        widget=SchemeSelect(endpoint=True))
    endpoint_value = forms.CharField(
        label=_("Endpoint-ID"), required=False, max_length=peppol_ids.MAX_VALUE_LENGTH,
        help_text=_("The number the customer receives on: together with the scheme it makes "
                    "for example 0106:12345678. Pasted whole like that, it is split for you."))
    no_kvk = forms.BooleanField(
        label=_("The customer has no KvK number: use the dummy number 99999998"),
        required=False,
        help_text=_("As Accept does. Nothing is registered on Peppol under this number, so the "
                    "card shows a warning until you enter a real identifier."))
    legal_scheme = forms.CharField(
        label=_("Legal ID scheme"), required=False, max_length=4,
        widget=SchemeSelect(endpoint=False), help_text=LEGAL_SCHEME_STARTS_WITH_9)
    legal_value = forms.CharField(
        label=_("Legal ID"), required=False, max_length=peppol_ids.MAX_VALUE_LENGTH,
        help_text=_("Only when another identifier than the Endpoint-ID should appear on the "
                    "invoice, such as a GLN."))
    is_government = forms.BooleanField(
        label=_("Government customer, addressed by its OIN"), required=False,
        help_text=_("Dutch government bodies receive invoices on their OIN: choose scheme "
                    "0190 for the Endpoint-ID."))
    buyer_reference_source = forms.ChoiceField(
        label=_("BuyerReference comes from"), choices=BuyerReferenceSource.choices,
        initial=BuyerReferenceSource.YOUR_REFERENCE, widget=forms.RadioSelect,
        help_text=_("A Peppol invoice needs a buyer reference or an order reference. Choose "
                    "the field of the sales invoice that holds it: “your reference” (uw "
                    "referentie) or “external document number” (extern documentnummer)."))
    einvoicing_method = forms.ChoiceField(
        label=_("E-invoicing method"), choices=EInvoicingMethod.choices,
        initial=EInvoicingMethod.SENDING_PROFILE, widget=forms.RadioSelect,
        help_text=_("With the eConnect extension (the service broker), choose “sending "
                    "profile of documents”; eVerbinding belongs to the old integration, API31."))
    sending_profile = forms.ModelChoiceField(label=_("Sending profile"), queryset=None,
                                             required=False)
    version = VersionField()

    def __init__(self, data=None, *args, organization, profiles, card=None, **kwargs):
        data = split_pasted_data(data, "endpoint_scheme", "endpoint_value")
        data = split_pasted_data(data, "legal_scheme", "legal_value")
        super().__init__(data, *args, **kwargs)
        self.organization = organization
        self.card = card
        field = self.fields["sending_profile"]
        field.queryset = organization.sending_profiles.all()
        default = next((p for p in profiles if p.is_default), None)
        field.empty_label = (gettext("The default profile (%(name)s)") % {"name": default.name}
                             if default else gettext("None: no default profile is set"))
        if not self.is_bound and not self.initial.get("country"):
            self.initial["country"] = organization.country

    @classmethod
    def initial_for(cls, card) -> dict:
        initial = {name: getattr(card, name) for name in (
            "name", "customer_number", "country", "invoice_email", "endpoint_scheme",
            "endpoint_value", "legal_scheme", "legal_value", "is_government",
            "buyer_reference_source", "einvoicing_method")}
        initial["sending_profile"] = card.sending_profile_id
        initial["no_kvk"] = card.uses_dummy_kvk
        initial["version"] = card.version
        return initial

    def clean_customer_number(self):
        """Said with the other mistakes, not only once they are mended; the database's
        constraint still decides between two saves at once."""
        number = self.cleaned_data["customer_number"]
        others = self.organization.customer_cards.filter(customer_number=number)
        if self.card is not None:
            others = others.exclude(pk=self.card.pk)
        if others.exists():
            raise forms.ValidationError(DUPLICATE_CUSTOMER_NUMBER)
        return number

    def clean(self):
        data = super().clean()
        scheme, value = data.get("endpoint_scheme", ""), data.get("endpoint_value", "")
        if data.get("no_kvk"):
            if value and (scheme, value) != (DUMMY_KVK.scheme, DUMMY_KVK.value):
                self.add_error("no_kvk", gettext("Clear the Endpoint-ID, or untick this: the "
                                                 "dummy number takes the Endpoint-ID's place."))
            scheme, value = DUMMY_KVK.scheme, DUMMY_KVK.value
        self._identifier(data, "endpoint", endpoint_identifier, scheme, value)
        self._identifier(data, "legal", legal_identifier, data.get("legal_scheme", ""),
                         data.get("legal_value", ""))
        if (data.get("is_government") and "endpoint_scheme" not in self.errors
                and data.get("endpoint_scheme") != OIN_SCHEME):
            self.add_error("endpoint_scheme", gettext(GOVERNMENT_NEEDS_OIN))
        return data

    def _identifier(self, data, prefix, check, scheme, value):
        try:
            identifier = check(scheme, value)
        except CardFieldError as err:
            self.add_error(err.field, err.message)
            return
        data[f"{prefix}_scheme"] = identifier.scheme if identifier else ""
        data[f"{prefix}_value"] = identifier.value if identifier else ""

    @property
    def card_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("no_kvk", None)
        data.pop("version", None)
        return data


def _mode_choices():
    return [(mode.value, format_lazy("{}: {}", mode.label, PROCESSING_MODE_HELP[mode]))
            for mode in ProcessingMode]


class SendingProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("For example eConnect, as the setup guides call it."))
    processing_mode = forms.ChoiceField(label=_("Processing mode"), choices=_mode_choices,
                                        initial=ProcessingMode.AUTOMATIC,
                                        widget=forms.RadioSelect)
    send_via_peppol = forms.BooleanField(label=_("Send via Peppol"), required=False,
                                         initial=True)
    version = VersionField()
    field_mapping = forms.CharField(
        label=_("Field mapping (optional)"), required=False,
        widget=Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("One line per field: the ERP field, “=”, and the UBL element it fills, for "
                    "example “YourReference = cbc:BuyerReference” or “ExternalDocumentNo = "
                    "BT-13”. Empty: the platform's standard mapping."))

    def __init__(self, *args, organization=None, profile=None, offer_default=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.profile = profile
        if offer_default:
            self.fields["make_default"] = forms.BooleanField(
                label=_("Make this the default profile"), required=False,
                help_text=_("You confirm this on the next page, after reading what it changes."))

    @classmethod
    def initial_for(cls, profile) -> dict:
        return {"name": profile.name, "processing_mode": profile.processing_mode,
                "send_via_peppol": profile.send_via_peppol,
                "field_mapping": format_field_mapping(profile.field_mapping),
                "version": profile.version}

    def clean_name(self):
        """Refused in any case, as the database does; said with the other mistakes."""
        name = self.cleaned_data["name"].strip()
        profile = self.profile or SendingProfile(organization=self.organization)
        if self.organization is not None and profile.name_taken(name, self.organization.pk):
            raise forms.ValidationError(NAME_TAKEN)
        return name

    def clean_field_mapping(self):
        try:
            return parse_field_mapping(self.cleaned_data["field_mapping"])
        except ValueError as err:
            raise forms.ValidationError(str(err)) from err

    @property
    def profile_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("make_default", "version")}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
        help_text=_("CSV (comma or semicolon separated) or Excel (.xlsx), with the column names "
                    "in the first row."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused before it is read into memory; the import checks the size again.
        if upload.size > settings.CUSTOMER_IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                gettext("The file is larger than %(size)d MB; split it into smaller files.")
                % {"size": settings.CUSTOMER_IMPORT_MAX_MB})
        return upload


class ImportMappingForm(forms.Form):
    import_valid_rows = forms.BooleanField(
        label=_("If some rows are rejected, import the valid rows anyway"), required=False,
        help_text=_("Otherwise nothing is imported until every row is right: you get the "
                    "report, and can still choose to import the valid rows."))

    def __init__(self, *args, job, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        by_column = {index: target for target, index in job.mapping.items()}
        choices = [("", _("— ignore this column —")),
                   *((target, label) for target, (label, _aliases) in TARGETS.items())]
        for index, header in enumerate(job.columns):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or gettext("Column %(number)d") % {"number": index + 1},
                choices=choices, required=False, initial=by_column.get(index, ""))

    @property
    def column_fields(self):
        return [self[f"column_{index}"] for index in range(len(self.job.columns))]

    def clean(self):
        data = super().clean()
        mapping: dict[str, int] = {}
        for index in range(len(self.job.columns)):
            target = data.get(f"column_{index}")
            if not target:
                continue
            if target in mapping:
                self.add_error(f"column_{index}", gettext(
                    "Another column already fills %(field)s.") % {"field": TARGETS[target][0]})
            mapping[target] = index
        for problem in mapping_problems(mapping):
            self.add_error(None, problem)
        data["mapping"] = mapping
        return data
