"""Organization list and TechSupport queue with 10,000 organizations."""

import pytest

from onboarding.models import ActivationRequest, Organization, Subscription
from tests.bench.conftest import query_count, report, server_time
from tests.conftest import sign_in

pytestmark = [pytest.mark.bench, pytest.mark.urls("tests.bench.urls")]

ROWS = 10_000


def fill(environment, user, count, start=0):
    orgs = Organization.objects.bulk_create(
        Organization(environment=environment, name=f"Company {i:05d} BV", country="NL",
                     registry_number=f"{10000000 + i}", registry_checked=True,
                     company_id=f"XCNL{i:08d}", created_by=user,
                     status=Organization.Status.PENDING)
        for i in range(start, start + count)
    )
    ActivationRequest.objects.bulk_create(
        ActivationRequest(organization=org, requested_by=user, requester_name="Bench",
                          requester_role="Director", registry_number=org.registry_number)
        for org in orgs
    )


@pytest.mark.django_db
def test_bench_organization_list_and_queue(client, cast):
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    staff = client.__class__()
    client.force_login(cast.admin)
    sign_in(staff, cast.techsupport)
    pages = {"organization list": (client, "/organizations/?q=Company"),
             "TechSupport queue": (staff, "/staff/activations/")}

    for c, url in pages.values():
        c.get(url)  # the first request of a session stores the chosen environment
    fill(cast.company, cast.admin, 30)
    small = {label: query_count(c, url) for label, (c, url) in pages.items()}
    fill(cast.company, cast.admin, ROWS - 30, start=30)
    baseline = server_time(client, "/bench/minimal/")
    for label, (c, url) in pages.items():
        queries = query_count(c, url)
        report(f"{label} ({ROWS} organizations)", server_time(c, url), baseline, queries)
        assert queries == small[label], f"{label}: queries grew from {small[label]} to {queries}"
