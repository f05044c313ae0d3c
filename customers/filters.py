"""Search and filters of the customer card list, shared by the list, its export and the
list-wide Peppol check (which stores the filters and applies them again in its thread)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import CardRules, CustomerCard, Reach
from portal.filters import FilterSet

NO_PROFILE = "none"


class CardFilter(FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), max_length=100, method="filter_search",
        widget=forms.TextInput(attrs={
            "type": "search", "placeholder": _("Name, customer number, email or Endpoint-ID")}))
    reach = django_filters.ChoiceFilter(label=_("Peppol"), choices=Reach.choices,
                                        empty_label=_("Any Peppol status"),
                                        method="filter_reach")
    profile = django_filters.ChoiceFilter(label=_("Sending profile"),
                                          empty_label=_("Any sending profile"),
                                          method="filter_profile")
    problems = django_filters.BooleanFilter(label=_("Only cards with problems"),
                                            widget=forms.CheckboxInput,
                                            method="filter_problems")
    # Problems as a guided setup's software sees them (its link to this list sets it).
    setup = django_filters.ChoiceFilter(widget=forms.HiddenInput, method="keep")

    class Meta:
        model = CustomerCard
        fields = ["q", "reach", "profile", "problems", "setup"]

    def __init__(self, data=None, *args, profiles, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.profiles = list(profiles)
        from onboarding.integrations.registry import all_setups

        self.form.fields["setup"].choices = [(setup.slug, setup.name) for setup in all_setups()]
        self.form.fields["profile"].choices = [
            (NO_PROFILE, _("No profile of its own (gets the default)")),
            *((str(p.pk), p.name) for p in self.profiles),
        ]

    @property
    def has_default_profile(self) -> bool:
        return any(p.is_default for p in self.profiles)

    @property
    def for_setup(self):
        """The guided setup whose rules judge the cards, or None."""
        from onboarding.integrations.registry import get

        self.form.is_valid()
        slug = getattr(self.form, "cleaned_data", {}).get("setup")
        return get(slug) if slug else None

    @property
    def rules(self) -> CardRules:
        setup = self.for_setup
        if setup is not None:
            return CardRules.of_setup(setup, default_profile=self.has_default_profile)
        return CardRules.of_profiles(self.profiles)

    @property
    def values(self) -> dict:
        """The valid filters, as stored with a Peppol check; an invalid one is left out."""
        self.form.is_valid()
        return {name: value for name, value in getattr(self.form, "cleaned_data", {}).items()
                if value}

    def filter_search(self, cards, name, value):
        query = value.strip()
        return cards.filter(search(query)) if query else cards

    def filter_reach(self, cards, name, value):
        return cards.reach(value)

    def filter_profile(self, cards, name, value):
        if value == NO_PROFILE:
            return cards.filter(sending_profile__isnull=True)
        return cards.filter(sending_profile=int(value))

    def filter_problems(self, cards, name, value):
        return cards.with_problems(self.rules) if value else cards

    def keep(self, cards, name, value):
        return cards


def search(query: str) -> Q:
    """Name, customer number, email or Endpoint-ID; "0106:1234" looks in that scheme only."""
    scheme, colon, value = query.partition(":")
    if colon and len(scheme) == 4 and scheme.isdigit():
        return Q(endpoint_scheme=scheme, endpoint_value__icontains=value.strip())
    return (Q(name__icontains=query) | Q(customer_number__icontains=query)
            | Q(endpoint_value__icontains=query) | Q(invoice_email__icontains=query))


def filtered_cards(organization, params: dict, cards=None):
    """The organization's cards (or `cards`) that pass the list's filters in `params`."""
    return CardFilter(params, profiles=organization.sending_profiles.all(),
                      queryset=cards if cards is not None
                      else CustomerCard.objects.filter(organization=organization)).qs
