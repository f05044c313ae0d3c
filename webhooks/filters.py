import django_filters
from django.utils.translation import gettext_lazy as _

from onboarding.models import Organization
from portal.filters import FilterSet, SearchFilter
from webhooks.models import Webhook


class WebhookFilter(FilterSet):
    STATUSES = (("active", _("Active")), ("paused", _("Paused")))

    q = SearchFilter(fields=("url", "description", "organization__name"),
                     placeholder=_("URL, description or organization"))
    organization = django_filters.ModelChoiceFilter(
        label=_("Organization"), queryset=Organization.objects.none(),
        empty_label=_("All organizations"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=STATUSES,
                                         empty_label=_("Active and paused"),
                                         method="filter_status")

    class Meta:
        model = Webhook
        fields = ["q", "organization", "status"]

    def __init__(self, data=None, *args, organizations, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["organization"].queryset = organizations
        self.form.fields["organization"].queryset = organizations

    def filter_status(self, hooks, name, value):
        return hooks.filter(is_active=value == "active")
