"""Forms of the connection-key and authorisation-request pages."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from onboarding.forms.organizations import check_registry_number
from onboarding.models import ConnectionKey, Country, Software
from onboarding.models.connection_keys import key_refusal, subscription_refusal
from portal.widgets import Textarea


class ConnectionKeyForm(forms.Form):
    software = forms.ChoiceField(label=_("Software package"), choices=Software.choices)
    label = forms.CharField(
        label=_("Description"), max_length=100, required=False,
        help_text=_("Optional, to tell keys apart, e.g. the AFAS environment they are for."),
    )

    def __init__(self, *args, organization, environment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.environment = environment or organization.environment
        # An accountant makes keys on the client's subscription, which only the client's
        # administrators can change.
        self.for_client = self.environment.pk != organization.environment_id
        # Say up front which packages the subscription does not cover yet.
        self.refusals = {
            value: reason for value, _label in Software.choices
            if (reason := subscription_refusal(organization.environment, value))
        }

    def clean_software(self):
        software = self.cleaned_data["software"]
        refused = key_refusal(self.organization, software, self.environment)
        if refused is not None:
            raise forms.ValidationError(refused.message)
        return software


class ConnectionKeyLabelForm(forms.Form):
    """A key's description, changed on its page (ConnectionKey.rename)."""

    label = forms.CharField(
        label=_("Description"), required=False,
        max_length=ConnectionKey._meta.get_field("label").max_length,
        help_text=_("Optional, to tell keys apart, e.g. the AFAS environment they are for."),
    )


class AuthorisationRequestForm(forms.Form):
    client_name = forms.CharField(label=_("Client's name"), max_length=200,
                                  help_text=_("The person who decides for the client."))
    client_email = forms.EmailField(label=_("Client's email address"),
                                    help_text=_("The request is sent here."))
    registry_number = forms.CharField(
        label=_("KvK number of the organization"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    software = forms.ChoiceField(label=_("Software package"), choices=Software.choices)
    message = forms.CharField(label=_("Personal message"), required=False, max_length=1000,
                              widget=Textarea(attrs={"rows": 3}))

    def clean_registry_number(self):
        return check_registry_number(Country.NL, self.cleaned_data["registry_number"])


class AcceptForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=None, empty_label=None, widget=forms.RadioSelect,
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].label_from_instance = (
            lambda org: f"{org.name} ({org.company_id}, {org.environment.name})")
        # The one organization it can be is chosen already.
        only = list(organizations[:2])
        if len(only) == 1:
            self.fields["organization"].initial = only[0].pk


class ClientListForm(forms.Form):
    """Many clients at once: the rows pasted from a spreadsheet, or a CSV file."""

    rows = forms.CharField(
        label=_("Paste the list"), required=False,
        widget=Textarea(attrs={"rows": 8, "spellcheck": "false",
                                     "placeholder": _("Name\tEmail\tKvK number\tSoftware")}),
        help_text=_("Copy the rows from your spreadsheet, the row of column names first: Name, "
                    "Email, KvK number and Software (AFAS, 4PS Construct, 4PS Business "
                    "Central, Accept or Other software)."))
    file = forms.FileField(label=_("Or upload a CSV file"), required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))
    message = forms.CharField(label=_("Personal message"), required=False, max_length=1000,
                              widget=Textarea(attrs={"rows": 3}),
                              help_text=_("Sent with every request of the list."))

    def clean(self):
        from onboarding import client_lists

        cleaned = super().clean()
        upload = cleaned.get("file")
        if "file" in self.errors:
            # An empty or unreadable upload: that is what to fix, not a list left empty.
            return cleaned
        if upload is not None and cleaned.get("rows", "").strip():
            self.add_error("file", _("Paste the list or upload a file, not both: clear the "
                                     "pasted rows or the file."))
            return cleaned
        if upload is not None and upload.size > client_lists.MOST_CHARACTERS:
            self.add_error("file", _("The file is larger than %(size)s, the most one list "
                                     "may be. Send at most %(rows)d clients at once, "
                                     "without columns the portal does not read.")
                           % {"size": filesizeformat(client_lists.MOST_CHARACTERS),
                              "rows": client_lists.MOST_ROWS})
            return cleaned
        try:
            if upload is not None:
                cleaned["rows"] = client_lists.decode(upload.read())
            cleaned["clients"] = client_lists.read(cleaned.get("rows", ""))
        except client_lists.ClientListProblem as problem:
            self.add_error("file" if upload is not None else "rows", str(problem))
        return cleaned
