from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onboarding.filters import ByOrganizationFilter, active_or
from portal.filters import SearchFilter
from webhooks.models import Webhook


class WebhookFilter(ByOrganizationFilter):
    active = Q(is_active=True)
    q = SearchFilter(fields=("url", "description", "organization__name"),
                     placeholder=_("URL, description or organization"))
    status = active_or(("paused", _("Paused")), _("Active and paused"))

    class Meta:
        model = Webhook
        fields = ByOrganizationFilter.FIELDS
