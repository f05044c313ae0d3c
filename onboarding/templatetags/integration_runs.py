"""The integration runs a user sees, on the dashboard and on an organization's page."""

from django import template

from onboarding.integrations.runs import IntegrationRun

register = template.Library()


@register.inclusion_tag("integrations/_runs.html", takes_context=True)
def integration_runs(context, organization=None):
    request = context["request"]
    runs = IntegrationRun.objects.visible_to(request.user, request.environment).select_related(
        "organization")
    if organization is not None:
        runs = runs.filter(organization=organization)
    return {"runs": list(runs[:20]), "organization": organization}
