from django.shortcuts import render

from onboarding.filters import ActivityFilter
from onboarding.models import AuditEvent, Role
from onboarding.tenancy import environment_required
from portal.pagination import paginate


@environment_required(Role.ADMINISTRATOR)
def activity(request):
    events = ActivityFilter(
        request.GET, queryset=AuditEvent.objects.visible_to(request.user, request.environment))
    return render(request, "onboarding/activity.html", {
        "filter": events, "page": paginate(request, events.qs, per_page=50),
    })
