from django.shortcuts import render

from onboarding.forms.members import ActivityFilterForm
from onboarding.models import AuditEvent, Role
from onboarding.tenancy import environment_required
from portal.pagination import paginate


@environment_required(Role.ADMINISTRATOR)
def activity(request):
    form = ActivityFilterForm(request.GET or None, environment=request.environment)
    events = form.filter(AuditEvent.objects.visible_to(request.user, request.environment))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "onboarding/activity.html", {
        "form": form, "page": paginate(request, events, per_page=50),
        "filter_query": query.urlencode(),
    })
