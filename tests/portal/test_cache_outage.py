"""While the shared cache (Redis) is unreachable, the API's rate limit lets calls through
with a warning in the log, instead of failing every call."""

import base64
import logging
import socket

import pytest
from django.core.cache.backends.redis import RedisCache

from tests.api.conftest import acme, acme_key  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def counting_cache_down(monkeypatch):
    """The rate limit counts in a Redis at a port where nothing listens."""
    down = RedisCache(f"redis://127.0.0.1:{closed_port()}/0", {})
    monkeypatch.setattr("onboarding.api.throttling.cache", down)


def basic(issued):
    pair = f"{issued.key.app_key}:{issued.secret}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def test_it_answers_api_calls_while_the_rate_limit_cannot_count(
        client, acme_key, counting_cache_down, caplog):  # noqa: F811
    with caplog.at_level(logging.WARNING, logger="onboarding.api.throttling"):
        response = client.get("/api/v1/inbox", HTTP_AUTHORIZATION=basic(acme_key))

    assert response.status_code == 200, response.content[:300]
    assert "API rate limit not applied" in caplog.text
    assert "ConnectionError" in caplog.text


def test_it_still_limits_the_rate_while_the_cache_is_up(client, acme_key, settings):  # noqa: F811
    settings.API_RATE_LIMIT = "2/min"
    for _ in range(2):
        assert client.get("/api/v1/inbox", HTTP_AUTHORIZATION=basic(acme_key)).status_code \
            == 200

    assert client.get("/api/v1/inbox", HTTP_AUTHORIZATION=basic(acme_key)).status_code == 429
