import django_filters
from django.utils.translation import gettext_lazy as _

from onboarding.filters import ByOrganizationFilter
from portal.filters import SearchFilter
from webhooks.models import Webhook


class WebhookFilter(ByOrganizationFilter):
    STATUSES = (("active", _("Active")), ("paused", _("Paused")))

    q = SearchFilter(fields=("url", "description", "organization__name"),
                     placeholder=_("URL, description or organization"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=STATUSES,
                                         empty_label=_("Active and paused"),
                                         method="filter_status")

    class Meta:
        model = Webhook
        fields = ["q", "organization", "status"]

    def filter_status(self, hooks, name, value):
        return hooks.filter(is_active=value == "active")
