"""Search and filters of the customer card list, shared by the list, its export and the
list-wide Peppol check (which stores the filters and applies them again in its thread)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from customers.models import CardRules, CustomerCard, Reach
from portal.filters import FilterSet

NO_PROFILE = "none"

# A link's "problems=on"; any other value is an error beside the box, not a tick.
TICKED = {"on", "true", "1"}
UNTICKED = {"off", "false", "0", ""}


class Checkbox(forms.CheckboxInput):
    """A checkbox that hands a value it does not know to its field, instead of taking any
    text for a tick (and shows it unticked). Named so that its widget_type is "checkbox"."""

    def __init__(self, attrs=None):
        super().__init__(attrs, check_test=lambda value: value is True)

    def format_value(self, value):
        return None  # ticked it sends "on", never the value it was refused for

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if isinstance(value, str) and value.strip().lower() not in TICKED | UNTICKED:
            return value
        return super().value_from_datadict(data, files, name)


class CheckboxField(forms.NullBooleanField):
    def to_python(self, value):
        if isinstance(value, str):
            raise forms.ValidationError(
                _("“%(value)s” is not a value of this box: tick it or leave it empty."),
                code="invalid", params={"value": value})
        return super().to_python(value)


class CheckboxFilter(django_filters.BooleanFilter):
    field_class = CheckboxField


# Receives, cannot receive, not checked: the order of the Peppol column.
REACH_RANK = Case(When(CustomerCard.REACHABLE, then=Value(0)),
                  When(CustomerCard.UNREACHABLE, then=Value(1)),
                  default=Value(2), output_field=IntegerField())


class CardOrdering(django_filters.OrderingFilter):
    """One column's order, either way, and the card's id after it: a stable order, so no
    card moves between pages. Name and customer number are read from the indexes
    card_org_name and customer_number_once_per_organization, last checked from
    card_org_checked (ascending) and card_org_checked_desc (PostgreSQL). Never-checked cards
    come after the checked ones either way, on every database: the dates a user sorts by are
    on the first pages (the oldest checks, or the newest), and the cards without one are
    found with the Peppol filter "No answer yet"."""

    COLUMNS = {"name": "name", "number": "customer_number", "reach": "reach",
               "checked": "peppol_checked_at"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, fields=[(field, param) for param, field in self.COLUMNS.items()],
                         field_labels={"name": _("Name"), "customer_number": _("Customer number"),
                                       "reach": _("Peppol"),
                                       "peppol_checked_at": _("Last checked")},
                         **kwargs)

    def filter(self, qs, value):
        param = next((v for v in value or () if v), None)
        if param is None:
            return qs  # the model's order: name, then id
        descending = param.startswith("-")
        column = param.lstrip("-")
        tie = F("pk").desc() if descending else F("pk").asc()
        if column == "reach":
            rank = REACH_RANK.desc() if descending else REACH_RANK.asc()
            return qs.order_by(rank, "name", "pk")
        field = F(self.COLUMNS[column])
        # Both databases are told where NULLs go: PostgreSQL puts them first when descending,
        # SQLite first when ascending.
        nulls = {"nulls_last": True} if column == "checked" else {}
        ordered = field.desc(**nulls) if descending else field.asc(**nulls)
        return qs.order_by(ordered, tie)


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
    problems = CheckboxFilter(label=_("Only cards with problems"), widget=Checkbox,
                              method="filter_problems")
    # Problems as a guided setup's software sees them (its link to this list sets it).
    setup = django_filters.ChoiceFilter(widget=forms.HiddenInput, method="keep")
    # Set by the column headers; kept by the filter form as a hidden field.
    ordering = CardOrdering(label=_("Order"), widget=forms.HiddenInput)

    class Meta:
        model = CustomerCard
        fields = ["q", "reach", "profile", "problems", "setup", "ordering"]

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
                if value and name != "ordering"}

    @property
    def asked(self) -> bool:
        """A filter was given, valid or not (an invalid one is said beside its field and
        left out): the list is then no longer the whole list, as in the document lists."""
        return any(self.data.get(name) for name in self.filters if name != "ordering")

    @property
    def sorting(self) -> dict[str, dict]:
        """Per sortable column: its aria-sort ("ascending", "descending" or "none") and the
        ordering its header link asks for (the other way round when it is the sort)."""
        self.form.is_valid()
        chosen = (getattr(self.form, "cleaned_data", {}).get("ordering") or ["name"])[0]
        columns = {}
        for param in CardOrdering.COLUMNS:
            if chosen == param:
                columns[param] = {"aria": "ascending", "next": f"-{param}"}
            elif chosen == f"-{param}":
                columns[param] = {"aria": "descending", "next": param}
            else:
                columns[param] = {"aria": "none", "next": param}
        return columns

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
    """The organization's cards (or `cards`) that pass the list's filters in `params`, in
    the list's order (its `ordering` there, else by name); none while a filter is not
    valid, as the list shows none then."""
    found = CardFilter(params, profiles=organization.sending_profiles.all(),
                       queryset=cards if cards is not None
                       else CustomerCard.objects.filter(organization=organization))
    return found.qs if found.is_valid() else found.qs.none()
