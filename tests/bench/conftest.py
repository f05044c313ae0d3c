import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext


def server_time(client, url, rounds=30, warmup=3):
    """Median seconds per request through the whole Django stack (no network)."""
    for _ in range(warmup):
        assert client.get(url).status_code == 200
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200
    return statistics.median(samples)


def query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def report(label, seconds, baseline, queries=None):
    extra = f", {queries} SQL queries per page" if queries is not None else ""
    print(f"\n{label}: median {seconds * 1000:.2f} ms = {seconds / baseline:.1f}x the minimal "
          f"Django view ({baseline * 1000:.2f} ms){extra}")
