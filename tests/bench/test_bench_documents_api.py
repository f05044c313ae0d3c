"""The documents API under load.

1. Documents sent per second through the REST API, with the rules and routing done by two
   `db_worker` processes, against the same documents validated one after the other in this
   process (validation alone: the floor of the work), measured right after them; the
   median of three such rounds, with the CPU each side used per document. Beside it,
   validation alone in two processes at once against one process: how far two workers
   could go on this machine's CPUs if they did nothing else.
2. SOAP GetInboxDocuments with 100,000 documents in the inbox: the same number of queries on
   the first page as deep in the inbox, and its time against a bare Django view.
"""

import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invoices.api.soap import NAMESPACE, issue_token
from invoices.models import Channel, Direction, Document, Status
from invoices.peppol.validation import validate
from onboarding.api import keycache
from onboarding.models import ConnectionKey, Software, Subscription
from tests.bench.conftest import server_time
from tests.integrations.helpers import basic
from tests.invoices.conftest import invoice, make_receiver
from tests.tasks.conftest import DATABASE_QUEUE, ROOT, start_worker, worker_env

pytestmark = [pytest.mark.bench, pytest.mark.urls("tests.bench.urls")]

DOCUMENTS = 40
ROUNDS = 3
WARMUP = 6
TARGET = 0.5
IN_PARALLEL = 100
INBOX = 100_000
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def cpu_seconds(process) -> float:
    """User and system CPU time a child process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(workers, timeout=120):
    """Until the workers use next to no CPU: done with compiling the rules as they start."""
    deadline = time.monotonic() + timeout
    used = sum(map(cpu_seconds, workers))
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = sum(map(cpu_seconds, workers))
        if now - used < 0.05:
            return
        used = now
    raise AssertionError("the workers did not settle")


def wait_until_routed(pks, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Document.objects.filter(pk__in=pks, status=Status.CREATED).exists() and \
                not Document.objects.filter(pk__in=pks, status=Status.QUEUED,
                                            status_reason="").exists():
            return
        time.sleep(0.02)
    raise AssertionError("the workers did not finish the documents")


@pytest.fixture
def like_a_production_server(monkeypatch):
    """Django's test server writes an answer's status line, headers and body as separate
    small packets; with Nagle's algorithm on, each answer then waits for the client's
    delayed ACK (40 ms on Linux), a pause of the test server alone: production WSGI servers
    (gunicorn, uWSGI) set TCP_NODELAY on their connections, as this does."""
    from django.core.servers.basehttp import WSGIRequestHandler

    monkeypatch.setattr(WSGIRequestHandler, "disable_nagle_algorithm", True)


@dataclass
class Round:
    through_api: float  # seconds from the first send to the last document routed
    alone: float  # seconds to validate the same documents one after the other
    answers: list  # seconds the API took to answer each send
    workers_cpu: float
    own_cpu: float
    alone_cpu: float

    @property
    def ratio(self) -> float:
        return self.alone / self.through_api

    @property
    def ceiling(self) -> float:
        """The ratio were every CPU busy all the time with the CPU this round used: what the
        work per document allows on this machine, however well it is spread."""
        return self.alone / ((self.workers_cpu + self.own_cpu) / os.cpu_count())


def validate_alone(documents) -> tuple[float, float]:
    """(seconds, CPU seconds) to validate `documents` one after the other in this process."""
    start, cpu = time.perf_counter(), time.process_time()
    for data in documents:
        assert validate(data).valid
    return time.perf_counter() - start, time.process_time() - cpu


def validation_in_parallel() -> float:
    """Documents validated per second by two processes at once against one process alone,
    each validating one after the other and warmed up as the workers are; the median of
    ROUNDS comparisons back to back. It says how well this machine's CPUs carry two
    validations at once, with nothing else to do."""
    children = [subprocess.Popen(
        [sys.executable, "-m", "tests.bench.validate_many", str(IN_PARALLEL), str(WARMUP)],
        cwd=ROOT, env=worker_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(2)]

    def slowest(running) -> float:
        for child in running:
            child.stdin.write("go\n")
            child.stdin.flush()
        return max(float(child.stdout.readline()) for child in running)

    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        # Twice the documents in the time two take, against the documents in the time one
        # takes.
        return statistics.median(2 * slowest(children[:1]) / slowest(children)
                                 for _ in range(ROUNDS))
    finally:
        for child in children:
            child.stdin.close()
            child.wait(timeout=60)


@pytest.mark.django_db(transaction=True)
def test_bench_documents_through_the_rest_api(live_server, like_a_production_server, settings,
                                               cast, tmp_path):
    from tests.api.conftest import active_organization

    settings.API_RATE_LIMIT = "1000000/min"
    settings.TASKS = DATABASE_QUEUE
    settings.TASKS_BACKEND = "database"
    cast.company.subscription = Subscription.BASIC
    cast.company.save(update_fields=["subscription"])
    acme = active_organization(cast.company, cast.admin, cast.techsupport, "Acme Trading BV",
                               "12345678")
    make_receiver(cast)
    issued = ConnectionKey.issue(organization=acme, software=Software.AFAS, by=cast.admin)
    numbers = iter(range(WARMUP + ROUNDS * DOCUMENTS))
    log = (tmp_path / "workers.log").open("w")
    workers = [start_worker(output=log), start_worker(output=log)]
    rounds, pks = [], []
    try:
        # The standard library's client on one kept-alive connection: the CPU this process
        # spends is then the API's, not a client library's.
        server = urlsplit(live_server.url)
        with closing(http.client.HTTPConnection(server.hostname, server.port,
                                                timeout=60)) as http_connection:
            headers = {"Content-Type": "application/xml",
                       "Authorization": basic(issued.key.app_key, issued.secret)}

            def send(data):
                http_connection.request("POST", "/api/v1/documents", body=data, headers=headers)
                response = http_connection.getresponse()
                body = response.read()
                assert response.status == 202, body
                return json.loads(body)["id"]

            # Each worker compiles the rules once, as it starts.
            wait_until_routed([send(invoice(f"B-{next(numbers)}")) for _ in range(WARMUP)])
            wait_until_idle(workers)
            # Validation alone warms up as much as each worker did.
            validate_alone([invoice(f"B-warm-{n}") for n in range(WARMUP)])
            # A shared machine's speed drifts: each round measures both sides back to back.
            for _ in range(ROUNDS):
                documents = [invoice(f"B-{next(numbers)}") for _ in range(DOCUMENTS)]
                answers, sent_now = [], []
                workers_cpu, own_cpu = sum(map(cpu_seconds, workers)), time.process_time()
                start = time.perf_counter()
                for data in documents:
                    sent = time.perf_counter()
                    sent_now.append(send(data))
                    answers.append(time.perf_counter() - sent)
                wait_until_routed(sent_now)
                through_api = time.perf_counter() - start
                workers_cpu = sum(map(cpu_seconds, workers)) - workers_cpu
                own_cpu = time.process_time() - own_cpu
                pks += sent_now
                alone, alone_cpu = validate_alone(documents)
                rounds.append(Round(through_api, alone, answers, workers_cpu, own_cpu,
                                    alone_cpu))
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        log.close()
    assert Document.objects.filter(pk__in=pks, status=Status.DELIVERED).count() == len(pks)
    in_parallel = validation_in_parallel()

    middle = sorted(rounds, key=lambda r: r.ratio)[len(rounds) // 2]
    per_document = 1000 / DOCUMENTS
    print(f"\ndocuments through the REST API with two workers, {DOCUMENTS} a round, the median "
          f"of {ROUNDS} rounds: {DOCUMENTS / middle.through_api:.1f}/s (the API answered in "
          f"{statistics.median(middle.answers) * 1000:.0f} ms median)"
          f"\n  = {middle.ratio:.2f} x validation alone in this process "
          f"({DOCUMENTS / middle.alone:.1f}/s; target at least {TARGET}: "
          f"{'met' if middle.ratio >= TARGET else 'not met'}); all rounds: "
          f"{', '.join(f'{r.ratio:.2f}' for r in rounds)}"
          f"\n  CPU per document: {middle.workers_cpu * per_document:.1f} ms in the workers, "
          f"{middle.own_cpu * per_document:.1f} ms in this process (the API's server and its "
          f"client), {middle.alone_cpu * per_document:.1f} ms for validation alone; "
          f"{os.cpu_count()} CPUs, which with that CPU per document allow at most "
          f"{middle.ceiling:.2f} x"
          f"\n  validation alone in two processes at once: {in_parallel:.2f} x one process, the "
          f"most two workers doing nothing else would reach; the API reached "
          f"{middle.ratio / in_parallel:.0%} of that")


def soap_envelope(token, page, size=100):
    return (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:v="{NAMESPACE}">'
            f"<soapenv:Header><v:SecurityToken>{token}</v:SecurityToken></soapenv:Header>"
            f"<soapenv:Body><v:GetInboxDocuments><v:Page>{page}</v:Page>"
            f"<v:PageSize>{size}</v:PageSize></v:GetInboxDocuments></soapenv:Body>"
            "</soapenv:Envelope>").encode()


class SoapClient(Client):
    def __init__(self, token):
        super().__init__()
        self.token = token

    def get(self, url, *args, **kwargs):
        page = int(url.rsplit("=", 1)[1])
        return self.post("/api/api31", soap_envelope(self.token, page),
                         content_type="text/xml; charset=utf-8",
                         HTTP_SOAPACTION=f'"{NAMESPACE}GetInboxDocuments"')


@pytest.mark.django_db
def test_bench_soap_inbox_with_100000_documents(settings, cast):
    settings.API_RATE_LIMIT = "1000000/min"
    receiver = make_receiver(cast)
    issued = ConnectionKey.issue(organization=receiver, software=Software.AFAS,
                                 by=cast.client_admin)
    filling = time.perf_counter()
    now = timezone.now()
    # The list never reads the documents themselves; small ones keep the table quick to fill.
    content = b"<Invoice/>"
    batch = []
    for n in range(INBOX):
        batch.append(Document(
            organization=receiver, direction=Direction.INCOMING, channel=Channel.PLATFORM,
            status=Status.DUPLICATE if n % 50 == 0 else Status.RECEIVED, content=content,
            sha256="0" * 64, size=len(content), number=f"F-{n}", sender_scheme="0106",
            sender_value="12345678", counterparty_name="Acme Trading BV",
            delivery_id=uuid.uuid4(), created_at=now, status_changed_at=now))
        if len(batch) == 5000:
            Document.objects.bulk_create(batch)
            batch = []
    filled = time.perf_counter() - filling
    token, _expires = issue_token(keycache.lookup(issued.key.app_key))
    client = SoapClient(token)
    client.get("/?page=1")  # records the key's use, which later calls in the minute skip
    pages = {"first": 1, "middle": 490, "last": 980}
    queries = {}
    for name, page in pages.items():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/?page={page}")
        assert response.status_code == 200, response.content[:500]
        assert response.content.count(b"<v31:Document>") == 100
        queries[name] = len(captured)
    assert len(set(queries.values())) == 1, queries

    baseline = server_time(Client(), "/bench/minimal/")
    times = {name: server_time(client, f"/?page={page}", rounds=15)
             for name, page in pages.items()}
    print(f"\n{INBOX:,} documents stored in {filled:.0f} s"
          f"\nSOAP GetInboxDocuments, 100 of {INBOX:,} documents a page: "
          f"{queries['first']} SQL queries on every page")
    for name, seconds in times.items():
        print(f"  {name} page (page {pages[name]}): median {seconds * 1000:.1f} ms = "
              f"{seconds / baseline:.0f}x a bare Django view ({baseline * 1000:.2f} ms)")
