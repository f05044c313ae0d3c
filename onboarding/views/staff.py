from django.db.models import Count, Q
from django.shortcuts import render

from onboarding.models import Environment
from portal.pagination import paginate
from portal.tenancy import staff_required


@staff_required("is_platform_staff")
def staff_home(request):
    query = request.GET.get("q", "").strip()
    environments = Environment.objects.annotate(member_count=Count("memberships"))
    if query:
        environments = environments.filter(Q(name__icontains=query) | Q(domain__icontains=query))
    return render(request, "onboarding/staff_home.html", {
        "page": paginate(request, environments.order_by("name")), "query": query,
    })
