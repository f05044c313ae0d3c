"""The list filters of the onboarding pages, one FilterSet per list."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoices.peppol import identifiers as peppol_ids
from invoices.peppol import schemes
from onboarding.audit_text import action_name
from onboarding.models import (
    AuditEvent,
    AuthorisationRequest,
    ConnectionKey,
    Environment,
    Organization,
    OrganizationIdentifier,
    PartyLinkRequest,
    Subscription,
    UpgradeRequest,
)
from portal.filters import DayFilter, FilterSet, RowIdFilter, SearchFilter, day_bounds


class ListFilter(FilterSet):
    """A list that says what its filters found: a filter that is not valid (a status the
    list does not have, a link typed by hand) lists nothing rather than everything, with its
    error beside its field, as the customer cards and the activity do; the list would look
    filtered while it is not. Its template shows the clearing with portal/list_total.html and
    portal/filter_empty.html."""

    # The values a list opens with (a queue's "waiting"): a filter at such a value was not
    # asked for.
    opening: dict[str, str] = {}

    @property
    def asked(self) -> bool:
        """A filter was given, valid or not, beyond the list's opening view: the list then
        offers to clear them."""
        return any((self.data.get(name) or "") != self.opening.get(name, "")
                   for name in self.filters)

    @property
    def invalid(self) -> bool:
        return not self.is_valid()

    @property
    def listed(self):
        """The rows the list shows: none while a filter is not valid."""
        return self.queryset.none() if self.invalid else self.qs


class OrganizationFilter(ListFilter):
    q = SearchFilter(fields=("name", "company_id", "registry_number"),
                     placeholder=_("Name, Bedrijfs-ID or registry number"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Organization.Status.choices,
                                         empty_label=_("Any status"))
    receiving = django_filters.ChoiceFilter(label=_("Receiving"), field_name="receive_decision",
                                            choices=Organization.ReceiveDecision.choices,
                                            empty_label=_("On, off or not decided"))

    class Meta:
        model = Organization
        fields = ["q", "status", "receiving"]


class ActivationQueueFilter(ListFilter):
    q = SearchFilter(fields=("name", "company_id", "registry_number", "environment__name",
                             "environment__domain"),
                     placeholder=_("Name, company ID, KvK number or environment"))


# The scheme of a Peppol participant identifier written whole, as SMP and logs write it.
PARTICIPANT_PREFIX = "iso6523-actorid-upis::"


class OrganizationSearch(SearchFilter):
    """Also finds a Peppol identifier written whole, as "0106:12345678" (with its
    "iso6523-actorid-upis::" prefix or without), and a number written with spaces or dots,
    as "8123 4567". `identifier` leads from a row to its identifiers' fields: "" when the
    rows are identifiers."""

    def __init__(self, *args, identifier="identifiers__", **kwargs):
        super().__init__(*args, **kwargs)
        self.identifier = identifier

    def filter(self, qs, value):
        value = (value or "").strip()
        if value.lower().startswith(PARTICIPANT_PREFIX):
            value = value[len(PARTICIPANT_PREFIX):]
        scheme, colon, rest = value.partition(":")
        if colon and len(scheme) == 4 and scheme.isdigit() and rest.strip():
            found = qs.filter(**{f"{self.identifier}scheme": scheme,
                                 f"{self.identifier}value__iexact": rest.strip()})
            # Through its identifiers, an organization could be found more than once.
            return found.distinct() if self.identifier else found
        compact = "".join(value.replace(".", " ").split())
        if compact != value and compact.isdigit():
            value = compact
        return super().filter(qs, value)


class StaffOrganizationFilter(ListFilter):
    q = OrganizationSearch(fields=("name", "company_id", "registry_number", "identifiers__value",
                                   "environment__name", "environment__domain"),
                           placeholder=_("Name, company ID, KvK number or identifier"),
                           distinct=True)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Organization.Status.choices,
                                         empty_label=_("Any status"))
    # From an environment's staff page: its organizations, all of them.
    environment = RowIdFilter(field_name="environment_id", widget=forms.HiddenInput)

    class Meta:
        model = Organization
        fields = ["q", "status", "environment"]


def scheme_choices() -> list:
    """The schemes of the code list not removed from it, by code and Peppol's short name
    ("0106 · NL:KVK"), the common ones first: short enough for a filter bar, whose select
    is as wide as its longest choice."""
    def label(scheme):
        return f"{scheme.code} · {scheme.scheme_id}"

    kept = {s.code: s for s in schemes.all_schemes() if s.state != schemes.REMOVED}
    return [(_("Common in the Netherlands and Belgium"),
             [(code, label(kept[code])) for code in peppol_ids.COMMON_SCHEMES]),
            (_("Other schemes"), [(code, label(scheme)) for code, scheme in kept.items()
                                  if code not in peppol_ids.COMMON_SCHEMES])]


class IdentifierQueueFilter(ListFilter):
    """TechSupport's identifiers to verify: found by organization or by the identifier,
    written whole or not, and by scheme. The queue holds one state, waiting, so it offers no
    choice of state."""

    q = OrganizationSearch(identifier="", fields=("organization__name",
                                                  "organization__company_id",
                                                  "organization__registry_number", "value"),
                           placeholder=_("Organization, company ID or identifier"))
    scheme = django_filters.ChoiceFilter(label=_("Scheme"), empty_label=_("Any scheme"))

    class Meta:
        model = OrganizationIdentifier
        fields = ["q", "scheme"]

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        # Every scheme, so that a link to one stays valid when the queue no longer holds it.
        self.form.fields["scheme"].choices = scheme_choices()


class MembershipFilter(FilterSet):
    q = SearchFilter(fields=("user__email", "user__first_name", "user__last_name"),
                     placeholder=_("Search by name or email"))


# Beyond this many organizations the filter offers no list of them: the search box finds one
# by name, and a link from an organization's page still filters by it.
ORGANIZATIONS_LISTED = 100


def active_or(inactive: tuple[str, str], both) -> django_filters.ChoiceFilter:
    """A list's status filter: active, `inactive` (value, label), or `both`."""
    return django_filters.ChoiceFilter(label=_("Status"), empty_label=both,
                                       choices=(("active", _("Active")), inactive),
                                       method="filter_status")


class ByOrganizationFilter(FilterSet):
    """A list of what belongs to organizations, searched, by organization and by whether it
    is active: `organizations` are those it may show."""

    FIELDS = ["q", "organization", "status"]
    # What the status filter calls active.
    active = Q()

    organization = django_filters.ModelChoiceFilter(
        label=_("Organization"), queryset=Organization.objects.none(),
        empty_label=_("All organizations"))

    def __init__(self, data=None, *args, organizations, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["organization"].queryset = organizations
        field = self.form.fields["organization"]
        field.queryset = organizations
        if organizations.count() > ORGANIZATIONS_LISTED:
            field.widget = forms.HiddenInput()

    def filter_status(self, rows, name, value):
        return rows.filter(self.active) if value == "active" else rows.exclude(self.active)


class ConnectionKeyFilter(ByOrganizationFilter):
    active = Q(revoked_at__isnull=True)
    q = SearchFilter(fields=("app_key", "label", "organization__name",
                             "organization__company_id"),
                     placeholder=_("App Key, description or organization"))
    status = active_or(("revoked", _("Revoked")), _("Active and revoked"))

    class Meta:
        model = ConnectionKey
        fields = ByOrganizationFilter.FIELDS


# The clients list's status filter also finds the clients worked for, and those no longer.
PARTNERSHIP_ACTIVE, PARTNERSHIP_ENDED = "partnership_active", "partnership_ended"


class AuthorisationRequestFilter(FilterSet):
    q = SearchFilter(fields=("client_name", "client_email", "registry_number",
                             "organization__name"),
                     placeholder=_("Name, email, KvK number or organization"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), empty_label=_("All but withdrawn"), method="filter_status",
        choices=[
            (PARTNERSHIP_ACTIVE, _("Partnership active")),
            (PARTNERSHIP_ENDED, _("Partnership ended")),
            *[(status, AuthorisationRequest.Status(status).label) for status in (
                AuthorisationRequest.Status.PENDING, AuthorisationRequest.Status.EXPIRED,
                AuthorisationRequest.Status.ACCEPTED, AuthorisationRequest.Status.DECLINED,
                AuthorisationRequest.Status.WITHDRAWN)]])

    class Meta:
        model = AuthorisationRequest
        fields = ["q", "status"]

    def filter_status(self, queryset, name, value):
        if value == PARTNERSHIP_ACTIVE:
            return queryset.filter(partnership__isnull=False,
                                   partnership__ended_at__isnull=True)
        if value == PARTNERSHIP_ENDED:
            return queryset.filter(partnership__ended_at__isnull=False)
        # Expired is a pending request past its date, as the list's badge says.
        if value == AuthorisationRequest.Status.PENDING:
            return queryset.pending()
        if value == AuthorisationRequest.Status.EXPIRED:
            return queryset.filter(status=AuthorisationRequest.Status.PENDING).exclude(
                pk__in=queryset.pending().values("pk"))
        return queryset.filter(status=value)

    def filter_queryset(self, queryset):
        found = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            # Withdrawn requests, also those a resend replaced, only show when asked for.
            found = found.exclude(status=AuthorisationRequest.Status.WITHDRAWN)
        return found


class EnvironmentFilter(ListFilter):
    # A support call often starts with a person: their email address finds their environment.
    q = SearchFilter(fields=("name", "domain", "memberships__user__email"),
                     placeholder=_("Name, domain or a user's email address"), distinct=True)

    class Meta:
        model = Environment
        fields = ["q"]


class SubscriptionFilter(EnvironmentFilter):
    subscription = django_filters.ChoiceFilter(label=_("Subscription"),
                                               choices=Subscription.choices,
                                               empty_label=_("All subscriptions"))

    class Meta:
        model = Environment
        fields = ["q", "subscription"]


class PartyLinkQueueFilter(ListFilter):
    AGES = (("1", _("Waiting over a day")), ("7", _("Waiting over a week")),
            ("30", _("Waiting over 30 days")))

    status = django_filters.ChoiceFilter(label=_("Status"), empty_label=_("All statuses"),
                                         choices=PartyLinkRequest.Status.choices)
    older_than = django_filters.ChoiceFilter(label=_("Age"), choices=AGES,
                                             empty_label=_("Any age"),
                                             method="filter_older_than")
    tenant = SearchFilter(label=_("Entra tenant ID"), max_length=64,
                          fields=("identity__tenant_id",), widget=None)
    q = SearchFilter(fields=("entra_username", "identity__user__email", "items__name",
                             "items__registry_number", "environment__name"),
                     placeholder=_("User, organization or KvK number"), distinct=True)

    # The queue opens on what waits for a decision; "All statuses" is an empty status.
    opening = {"status": PartyLinkRequest.Status.PENDING}

    class Meta:
        model = PartyLinkRequest
        fields = ["q", "status", "older_than", "tenant"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("status", self.opening["status"])
        super().__init__(data, *args, **kwargs)

    def filter_older_than(self, found, name, value):
        return found.filter(requested_at__lt=timezone.now() - timedelta(days=int(value)))


class UpgradeQueueFilter(ListFilter):
    """Sales' queue: what waits, the longest waiting first, or every request ever made."""

    SHOW = (("pending", _("Waiting")), ("all", _("All")))

    show = django_filters.ChoiceFilter(label=_("Show"), choices=SHOW, method="filter_show")
    opening = {"show": "pending"}

    class Meta:
        model = UpgradeRequest
        fields = ["show"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        if not data.get("show"):
            data["show"] = self.opening["show"]
        super().__init__(data, *args, **kwargs)

    def filter_show(self, found, name, value):
        return found if value == "all" else found.pending().order_by("requested_at", "id")


class ActivityFilter(FilterSet):
    # A busy organization's documents write several entries each: they have a view of their
    # own, and the changes people make stay in sight.
    SETTINGS, DOCUMENTS, EVERYTHING = "settings", "documents", "all"
    KINDS = ((SETTINGS, _("Settings and people")), (DOCUMENTS, _("Documents")),
             (EVERYTHING, _("Everything")))

    kind = django_filters.ChoiceFilter(label=_("Show"), choices=KINDS, empty_label=None,
                                       method="filter_kind")
    action = django_filters.ChoiceFilter(label=_("Action"), empty_label=_("All actions"))
    actor = django_filters.CharFilter(label=_("Who"), field_name="actor_label",
                                      lookup_expr="icontains")
    # Compared with the first moments of days, not the column's day, so that the index of
    # an environment's events by time answers the range.
    since = DayFilter(label=_("From"), method="filter_since")
    until = DayFilter(label=_("Until"), method="filter_until")

    class Meta:
        model = AuditEvent
        fields = ["kind", "action", "actor", "since", "until"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        if data.get("kind") not in dict(self.KINDS):
            # One action asked for by name is shown whatever its kind.
            data["kind"] = self.EVERYTHING if data.get("action") else self.SETTINGS
        super().__init__(data, *args, **kwargs)
        actions = self.queryset.order_by("action").values_list("action", flat=True).distinct()
        names = sorted((action_name(a), a) for a in actions)
        self.form.fields["action"].choices = [(a, n) for n, a in names]
        # The list offers the actions this log holds; a link or a typed address may name
        # another.
        self.form.fields["action"].error_messages["invalid_choice"] = _(
            "This log holds no such action: choose one from the list.")
        self.form.fields["actor"].widget.attrs["placeholder"] = _("email contains")
        for name in ("since", "until"):
            self.form.fields[name].widget.input_type = "date"

    @property
    def asked(self) -> bool:
        """A filter was given, valid or not, beyond the list's opening view of settings and
        people: an empty list then offers to clear it."""
        return (self.data.get("kind") != self.SETTINGS
                or any(self.data.get(name) for name in ("action", "actor", "since", "until")))

    def filter_since(self, events, name, value):
        return events.filter(created_at__gte=day_bounds(value)[0])

    def filter_until(self, events, name, value):
        return events.filter(created_at__lt=day_bounds(value)[1])

    def filter_kind(self, events, name, value):
        documents = Q(action__startswith="document.")
        if value == self.SETTINGS:
            return events.exclude(documents)
        return events.filter(documents) if value == self.DOCUMENTS else events
