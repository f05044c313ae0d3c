"""Search and filters of the customer card list, shared by the list, its export and the
list-wide Peppol check (which stores the filters and applies them again in its thread)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import CustomerCard, Reach

NO_PROFILE = "none"


class CardFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    reach = forms.ChoiceField(label=_("Peppol"), required=False,
                              choices=[("", _("Any Peppol status")), *Reach.choices],
                              widget=forms.Select(attrs={"class": "form-select"}))
    profile = forms.ChoiceField(label=_("Sending profile"), required=False,
                                widget=forms.Select(attrs={"class": "form-select"}))
    problems = forms.BooleanField(
        label=_("Only cards with problems"), required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, data=None, *, profiles, **kwargs):
        super().__init__(data, **kwargs)
        self.profiles = list(profiles)
        self.fields["profile"].choices = [
            ("", _("Any sending profile")),
            (NO_PROFILE, _("No profile of its own (gets the default)")),
            *((str(p.pk), p.name) for p in self.profiles),
        ]

    @property
    def has_default_profile(self) -> bool:
        return any(p.is_default for p in self.profiles)

    @property
    def values(self) -> dict:
        """The valid filters, as stored with a Peppol check; an invalid one is left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items()
                if value}

    def apply(self, cards):
        values = self.values
        query = values.get("q", "").strip()
        if query:
            cards = cards.filter(search(query))
        if values.get("reach"):
            cards = cards.reach(values["reach"])
        profile = values.get("profile")
        if profile == NO_PROFILE:
            cards = cards.filter(sending_profile__isnull=True)
        elif profile:
            cards = cards.filter(sending_profile=int(profile))
        if values.get("problems"):
            cards = cards.with_problems(self.has_default_profile)
        return cards


def search(query: str) -> Q:
    """Name, customer number, email or Endpoint-ID; "0106:1234" looks in that scheme only."""
    scheme, colon, value = query.partition(":")
    if colon and len(scheme) == 4 and scheme.isdigit():
        return Q(endpoint_scheme=scheme, endpoint_value__icontains=value.strip())
    return (Q(name__icontains=query) | Q(customer_number__icontains=query)
            | Q(endpoint_value__icontains=query) | Q(invoice_email__icontains=query))


def filtered_cards(organization, params: dict):
    form = CardFilterForm(params, profiles=organization.sending_profiles.all())
    return form.apply(CustomerCard.objects.filter(organization=organization))
