"""What the dashboard shows of the customers app: customers that could receive Peppol
invoices and no longer can, for those who administer the sending organization."""

from django import template
from django.db.models import Count

from customers.models import ReachabilityLoss
from onboarding.models import Organization

register = template.Library()


@register.inclusion_tag("customers/_reachability_alerts.html", takes_context=True)
def reachability_alerts(context):
    request = context["request"]
    environment = getattr(request, "environment", None)
    if environment is None or not request.user.is_authenticated:
        return {"alerts": []}
    administered = Organization.objects.configurable_by(request.user, environment)
    alerts = (ReachabilityLoss.objects.open().filter(organization__in=administered)
              .values("organization", "organization__name").annotate(count=Count("id"))
              .order_by("organization__name"))
    return {"alerts": list(alerts)}
