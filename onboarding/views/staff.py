from django.shortcuts import render

from onboarding.filters import EnvironmentFilter
from onboarding.models import Environment
from portal import staff_queues
from portal.pagination import paginate
from portal.tenancy import staff_required


@staff_required("is_platform_staff")
def staff_home(request):
    environments = EnvironmentFilter(
        request.GET, queryset=Environment.objects.with_member_count().order_by("name"))
    return render(request, "onboarding/staff_home.html", {
        "page": paginate(request, environments.listed), "filter": environments,
        "queues": staff_queues.for_request(request),
    })
