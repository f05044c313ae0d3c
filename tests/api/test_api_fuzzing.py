"""Schemathesis against the served OpenAPI document: requests generated from every
operation's schema, with a valid connection key, never get a server error."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from onboarding.models import ConnectionKey, Software
from tests.invoices.conftest import invoice, make_receiver

pytestmark = pytest.mark.django_db(transaction=True)

# Few examples per operation: the run stays short, and each operation still gets odd
# headers, ids, filters and bodies.
EXAMPLES = 6


def test_it_answers_generated_requests_without_a_server_error(live_server, http, cast,
                                                              acme_key, settings_override):
    receiver = make_receiver(cast)
    receiver_key = ConnectionKey.issue(organization=receiver, software=Software.AFAS,
                                       by=cast.client_admin)
    sent = http.post(f"{live_server.url}/api/v1/documents", data=invoice(), timeout=60,
                     auth=(acme_key.key.app_key, acme_key.secret))
    assert sent.status_code == 202
    document = http.get(f"{live_server.url}/api/schema/", timeout=10,
                        headers={"Accept": "application/vnd.oai.openapi+json"}).json()
    schema = schemathesis.openapi.from_dict(document)
    failures = []
    answered = []

    def fuzz(operation, issued):
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(base_url=live_server.url, timeout=30,
                                 auth=(issued.key.app_key, issued.secret))
            answered.append((operation.label, response.status_code))
            if response.status_code >= 500:
                failures.append((operation.label, response.status_code, response.text[:300]))

        run()

    for issued in (acme_key, receiver_key):
        for result in schema.get_all_operations():
            fuzz(result.ok(), issued)

    assert failures == []
    assert {label for label, _status in answered} == {
        result.ok().label for result in schema.get_all_operations()}


@pytest.fixture
def settings_override(settings):
    # Every generated request is answered, not refused by the rate limit.
    settings.API_RATE_LIMIT = "100000/min"
    # Generated identifiers make the recipient query ask the network; it answers at once.
    settings.PEPPOL_LOOKUP_TIMEOUT = 0.2
    return settings
