from django.shortcuts import render

from onboarding.filters import ActivityFilter
from onboarding.models import AuditEvent, Role
from onboarding.tenancy import environment_required
from portal.pagination import paginate


@environment_required(Role.ADMINISTRATOR)
def activity(request):
    events = ActivityFilter(
        request.GET, queryset=AuditEvent.objects.visible_to(request.user, request.environment))
    # A filter that is not valid (an action this log does not hold, a day that is no date)
    # lists nothing rather than everything, as the other lists do: the list would look
    # filtered while it is not.
    invalid = not events.is_valid()
    return render(request, "onboarding/activity.html", {
        "filter": events, "filtered": events.asked, "invalid_filters": invalid,
        "page": paginate(request, events.qs.none() if invalid else events.qs, per_page=50),
    })
