"""Customer cards at scale: importing 100,000 rows, and the card list with 100,000 cards."""

import resource
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone
from stdnum import ean

from customers import importing
from customers.models import CustomerCard, SendingProfile
from onboarding.models import Organization, Subscription
from tests.bench.conftest import query_count, report, server_time
from tests.conftest import sign_in

pytestmark = [pytest.mark.bench, pytest.mark.urls("tests.bench.urls")]

ROWS = 100_000
HEADER = "customer_number;name;country;invoice_email;endpoint_id;legal_id;" \
         "buyer_reference_source;sending_profile\n"


def endpoint(i: int) -> str:
    """A realistic mix, each checked by its own scheme's rules on import."""
    kind = i % 20
    if kind < 12:
        return f"0106:{10_000_000 + i}"
    if kind < 17:
        body = f"87{i:010d}"
        return f"0088:{body}{ean.calc_check_digit(body)}"
    if kind < 19:
        return f"0190:{i:020d}"
    return "0106:99999998"


def csv_file(rows: int, name: str = "Customer", prefix: str = "C") -> bytes:
    lines = [HEADER]
    for i in range(rows):
        legal = f"0106:{20_000_000 + i}" if i % 4 == 0 else ""
        source = "your reference" if i % 3 else "external document number"
        profile = "eConnect" if i % 2 else ""
        lines.append(f"{prefix}{i:06d};{name} {i:06d} BV;NL;ap{i}@example.nl;{endpoint(i)};{legal};"
                     f"{source};{profile}\n")
    return "".join(lines).encode()


def mark_unreachable(org):
    """A lookup said "not on Peppol" for every tenth card, so the filter has pages to show."""
    CustomerCard.objects.filter(organization=org, customer_number__endswith="3").update(
        peppol_registered=False, peppol_checked_at=timezone.now())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_import(org, user, content):
    start = time.perf_counter()
    job = importing.import_file(org, by=user, environment=org.environment,
                                filename="bench.csv", content=content)
    return job, time.perf_counter() - start


# A real transaction, as in production: inside a test's transaction every import would run in
# a savepoint, which SQLite makes several times slower for updates.
@pytest.mark.django_db(transaction=True)
def test_bench_customer_import_and_list(client, cast):
    cast.company.subscription = Subscription.PROFESSIONAL
    cast.company.save()
    org = Organization.create(environment=cast.company, by=cast.admin, name="Bench BV",
                              registry_number="12345678", registry_checked=True)
    floor_org = Organization.create(environment=cast.company, by=cast.admin, name="Floor BV",
                                    registry_number="87654321", registry_checked=True)
    for organization in (org, floor_org):
        SendingProfile.objects.create(organization=organization, name="eConnect")
    sign_in(client, cast.admin)
    pages = {
        "card list": f"/organizations/{org.pk}/customers/",
        "card search": f"/organizations/{org.pk}/customers/?q=00002",
        "problems view": f"/organizations/{org.pk}/customers/?problems=on",
        "not reachable": f"/organizations/{org.pk}/customers/?reach=not_reachable&page=3",
    }
    client.get(pages["card list"])  # the first request of a session stores the environment
    small_job, _seconds = timed_import(org, cast.admin, csv_file(30, name="Small", prefix="S"))
    assert small_job.rows_created == 30
    mark_unreachable(org)
    small = {label: query_count(client, url) for label, url in pages.items()}

    content = csv_file(ROWS)
    print(f"\n{ROWS:,} rows, {len(content) / 1e6:.1f} MB of CSV; "
          f"process peak before the import {peak_rss_mb():.0f} MB")

    job, seconds = timed_import(org, cast.admin, content)
    assert (job.status, job.rows_created, job.rows_rejected) == ("done", ROWS, 0)
    imported, import_peak = seconds, peak_rss_mb()

    job, seconds = timed_import(org, cast.admin, csv_file(ROWS, name="Renamed"))
    assert (job.status, job.rows_updated) == ("done", ROWS)
    updates = (seconds, peak_rss_mb())
    mark_unreachable(org)

    # The floor: the same rows written by bare bulk_create, without reading or checking.
    profile = floor_org.sending_profiles.get()
    start = time.perf_counter()
    with transaction.atomic():
        CustomerCard.objects.bulk_create(
            (CustomerCard(organization=floor_org, customer_number=f"C{i:06d}",
                          name=f"Customer {i:06d} BV", invoice_email=f"ap{i}@example.nl",
                          endpoint_scheme=endpoint(i)[:4], endpoint_value=endpoint(i)[5:],
                          buyer_reference_source="your_reference",
                          sending_profile=profile if i % 2 else None)
             for i in range(ROWS)), batch_size=2000)
    floor = time.perf_counter() - start
    print(f"import of {ROWS:,} new cards: {imported:.1f} s = {ROWS / imported:,.0f} rows/s "
          f"(target 5,000) = {imported / floor:.1f}x bare bulk_create of the same rows without "
          f"reading or checking ({floor:.1f} s); process peak during the import "
          f"{import_peak:.0f} MB (target < 300 MB)")
    print(f"re-import updating {ROWS:,} cards: {updates[0]:.1f} s = {ROWS / updates[0]:,.0f} "
          f"rows/s; process peak {updates[1]:.0f} MB")

    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of a large import: the pages are measured with
        # the planner knowing the table, as they are served most of the time.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE customers_customercard")
    baseline = server_time(client, "/bench/minimal/")
    for label, url in pages.items():
        queries = query_count(client, url)
        report(f"{label} ({ROWS + 30:,} cards)", server_time(client, url, rounds=15), baseline,
               queries)
        assert queries == small[label], f"{label}: queries grew from {small[label]} to {queries}"
