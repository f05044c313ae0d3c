"""While the shared cache (Redis) is down or hangs, sign-in and the API carry on, with one
warning in the log; a connection key revoked meanwhile stays refused when Redis is back.

"Up" is the real Redis on 127.0.0.1:6379 (database 9, a key prefix of each test's own);
"down" is a port where nothing listens, a port that never answers, or a relay to Redis
that is cut, as the network between a web server and Redis can be."""

import base64
import contextlib
import logging
import os
import socket
import threading
import time
import uuid

import jwt
import pytest
import redis
from cryptography.hazmat.primitives.asymmetric import rsa

from onboarding.api import keycache
from portal import cache as portal_cache
from tests.api.conftest import acme, acme_key  # noqa: F401 - fixtures
from tests.api.test_broker_api import entra, identity, link, provider  # noqa: F401 - fixtures
from tests.api.test_broker_api import send as broker_send
from tests.api.test_broker_api import token as broker_token
from tests.api.test_native_api import basic
from tests.conftest import PASSWORD
from tests.onboarding.entra_helpers import CLIENT_ID, TENANT
from tests.portal.test_deploy_settings import PRODUCTION, manage

pytestmark = pytest.mark.django_db

REDIS = ("127.0.0.1", 6379)
DB = 9


@pytest.fixture
def redis_db():
    """Database 9 of the real Redis; the keys a test wrote go with it."""
    direct = redis.Redis(*REDIS, db=DB, socket_timeout=1)
    try:
        direct.ping()
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"outage-test-{uuid.uuid4().hex}"
    yield prefix
    for name in direct.scan_iter(f"{prefix}:*"):
        direct.delete(name)
    direct.close()


@pytest.fixture(autouse=True)
def _fresh_outages(monkeypatch):
    # What this process saw of earlier tests' servers, and drops it owes them, are not this
    # test's.
    monkeypatch.setattr(portal_cache, "_outages", {})
    monkeypatch.setattr(keycache, "_undropped", set())


def use_cache(settings, port, prefix="outage-test", password=""):
    """Point the default cache at a Redis on `port`, as CACHE_URL does in production."""
    credentials = f":{password}@" if password else ""
    settings.CACHES = {"default": {
        "BACKEND": "portal.cache.PortalRedisCache",
        "LOCATION": f"redis://{credentials}127.0.0.1:{port}/{DB}",
        "KEY_PREFIX": prefix,
        "OPTIONS": {"socket_connect_timeout": settings.CACHE_TIMEOUT_SECONDS,
                    "socket_timeout": settings.CACHE_TIMEOUT_SECONDS},
    }}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def cache_down(settings):
    use_cache(settings, closed_port())


@pytest.fixture
def silent_server():
    """A port that takes connections and never answers: a Redis that hangs."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


class Relay:
    """A TCP relay to Redis that can be cut (open connections dropped, new ones closed at
    once) and restored."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.sockets = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            upstream = socket.create_connection(REDIS)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self):
        self.open = False
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for end in sockets:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def restore(self):
        self.open = True
        # The backend leaves a server alone for RETRY_SECONDS after it failed.
        time.sleep(portal_cache.RETRY_SECONDS + 0.05)

    def close(self):
        self.cut()
        self.listener.close()


@pytest.fixture
def relay(redis_db, monkeypatch):
    monkeypatch.setattr(portal_cache, "RETRY_SECONDS", 0.2)
    relay = Relay()
    yield relay
    relay.close()


def ping(client, issued):
    return client.get("/api/v1/ping", **basic(issued))


def sign_in(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def outage_warnings(caplog):
    return [r for r in caplog.records
            if r.name == "portal.cache" and "cannot be reached" in r.getMessage()]


def test_it_selects_the_forgiving_backend_with_short_timeouts_for_a_redis_url():
    result = manage("shell", "-c", "from django.conf import settings; "
                    "c = settings.CACHES['default']; print(c['BACKEND'], "
                    "c['OPTIONS']['socket_connect_timeout'], c['OPTIONS']['socket_timeout'])",
                    env={**PRODUCTION, "CACHE_URL": "rediss://cache.example.com:6380/0",
                         "CACHE_TIMEOUT_SECONDS": "0.25"})

    assert result.stdout.strip().splitlines()[-1] == \
        "portal.cache.PortalRedisCache 0.25 0.25", result.stderr


def test_it_signs_in_with_the_right_password_while_the_cache_is_down(client, cast,
                                                                     cache_down):
    response = sign_in(client, cast.admin.email)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.admin.pk)


def test_it_lets_sign_in_attempts_past_the_limits_while_the_cache_is_down(client, cast,
                                                                          cache_down):
    # login_failed allows 5 per 5 minutes per account; with the cache down nothing counts.
    for _ in range(7):
        wrong = sign_in(client, cast.admin.email, "wrong-password-1")
        assert wrong.status_code == 200
        assert "The email address and/or password you specified are not correct." in \
            wrong.content.decode()

    assert sign_in(client, cast.admin.email).status_code == 302


def test_it_answers_a_connection_key_while_the_cache_is_down(client, acme_key,  # noqa: F811
                                                             cache_down, settings):
    settings.API_RATE_LIMIT = "2/min"
    settings.API_AUTH_FAILURE_LIMIT = "2/min"

    answers = [ping(client, acme_key).status_code for _ in range(4)]
    pair = f"{acme_key.key.app_key}:pps_wrong".encode()
    wrong = [client.get("/api/v1/ping", HTTP_AUTHORIZATION="Basic "
                        + base64.b64encode(pair).decode()).status_code for _ in range(4)]

    # The limits cannot count, so they let everything through rather than failing it.
    assert answers == [200, 200, 200, 200]
    assert wrong == [401, 401, 401, 401]
    assert ping(client, acme_key).json()["organization"]["name"] == "Acme Trading BV"


def test_it_warns_once_not_per_call_and_keeps_the_password_out_of_the_log(
        client, cast, acme_key, settings, caplog, monkeypatch):  # noqa: F811
    # Every cache call tries the server and fails.
    monkeypatch.setattr(portal_cache, "RETRY_SECONDS", 0)
    use_cache(settings, closed_port(), password="hunter2-redis")

    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        assert sign_in(client, cast.admin.email).status_code == 302
        for _ in range(3):
            assert ping(client, acme_key).status_code == 200

    warnings = outage_warnings(caplog)
    assert len(warnings) == 1
    assert "ConnectionError" in warnings[0].getMessage()
    assert "127.0.0.1" in warnings[0].getMessage()
    assert "hunter2" not in caplog.text


def test_it_waits_for_a_hanging_redis_once_per_request_at_most(client, acme_key,  # noqa: F811
                                                                settings, silent_server,
                                                                caplog):
    use_cache(settings, silent_server)

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        response = ping(client, acme_key)
    took = time.monotonic() - started

    assert response.status_code == 200
    # A ping makes several cache calls; only the first waits CACHE_TIMEOUT_SECONDS (0.5 s).
    assert took < 1.5
    assert "TimeoutError" in outage_warnings(caplog)[0].getMessage()


def test_it_still_limits_the_rate_while_the_cache_is_up(client, acme_key, settings,  # noqa: F811
                                                        redis_db):
    use_cache(settings, REDIS[1], redis_db)
    settings.API_RATE_LIMIT = "2/min"

    assert [ping(client, acme_key).status_code for _ in range(3)] == [200, 200, 429]


def cached_entry(prefix, app_key):
    """The key cache's entry as it is in Redis, read past the relay."""
    direct = portal_cache.PortalRedisCache(f"redis://127.0.0.1:{REDIS[1]}/{DB}",
                                           {"KEY_PREFIX": prefix})
    return direct.get(keycache.PREFIX + app_key)


def test_it_refuses_a_key_revoked_while_the_cache_was_down_once_it_is_back(
        client, cast, acme_key, settings, relay, redis_db, caplog):  # noqa: F811
    use_cache(settings, relay.port, redis_db)
    assert ping(client, acme_key).status_code == 200

    relay.cut()
    acme_key.key.revoke(cast.admin)
    assert ping(client, acme_key).status_code == 401
    # The drop that the revocation made did not arrive: Redis still has the key as it was.
    assert cached_entry(redis_db, acme_key.key.app_key).revoked_at is None

    relay.restore()
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        refused = ping(client, acme_key)

    assert refused.status_code == 401
    assert refused.json()["type"].endswith("key-revoked")
    assert "answers again" in caplog.text


def test_it_refuses_an_entry_loaded_before_an_outage_this_process_saw(
        client, cast, acme_key, settings, relay, redis_db):  # noqa: F811
    use_cache(settings, relay.port, redis_db)
    assert ping(client, acme_key).status_code == 200

    relay.cut()
    acme_key.key.revoke(cast.admin)
    # The revocation came through another server process, whose lost drop this one does
    # not owe; this one only saw that Redis was away.
    keycache._undropped.clear()
    relay.restore()

    assert cached_entry(redis_db, acme_key.key.app_key).revoked_at is None
    assert ping(client, acme_key).status_code == 401


def test_it_drops_again_what_it_could_not_for_processes_that_saw_no_outage(
        client, cast, acme_key, settings, relay, redis_db):  # noqa: F811
    # One web process reaches Redis directly and never loses it; the other (the relay) is
    # cut off while an administrator revokes the key through it.
    use_cache(settings, REDIS[1], redis_db)
    assert ping(client, acme_key).status_code == 200

    use_cache(settings, relay.port, redis_db)
    relay.cut()
    acme_key.key.revoke(cast.admin)
    relay.restore()
    # Its next call with any key reaches Redis again.
    pair = base64.b64encode(b"pak_someone-else:pps_secret").decode()
    assert client.get("/api/v1/ping", HTTP_AUTHORIZATION=f"Basic {pair}").status_code == 401

    use_cache(settings, REDIS[1], redis_db)
    assert ping(client, acme_key).status_code == 401


def test_it_keeps_the_web_node_in_the_balancer_and_tells_the_monitor_while_the_cache_is_down(
        client, cache_down, settings):
    settings.TASKS_BACKEND = "database"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    balancer = client.get("/health/")
    monitor = client.get("/health/queue/")

    assert balancer.status_code == 200
    assert balancer.json() == {"database": "OK",
                               "cache": "Unavailable: cache: a stored value did not come back"}
    assert monitor.status_code == 503
    assert monitor.json()["cache"] == "Unavailable: cache: a stored value did not come back"


def test_it_reads_entras_signing_keys_once_while_the_cache_is_down(
        entra, acme, link, cache_down):  # noqa: F811
    served = entra.jwks_served
    for _ in range(3):
        assert broker_send(broker_token(entra), acme.company_id).status_code == 202
    assert entra.jwks_served == served + 1

    # Key ids the authority never published fetch its keys once a minute at most, not per
    # call, though the cache would let every process try.
    unknown = jwt.encode({"aud": CLIENT_ID, "tid": TENANT, "iss": entra.authority},
                         rsa.generate_private_key(public_exponent=65537, key_size=2048),
                         algorithm="RS256", headers={"kid": "not-published"})
    for _ in range(3):
        assert broker_send(unknown, acme.company_id).status_code == 401
    assert entra.jwks_served == served + 2
