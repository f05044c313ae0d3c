"""createconnectionkey: keys from the command line for operations and scripted set-ups."""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onboarding.models import AuditEvent, ConnectionKey, Membership, Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def create(*args):
    out = StringIO()
    call_command("createconnectionkey", *args, stdout=out)
    return out.getvalue()


def test_it_prints_a_working_app_key_and_secret(cast, acme):
    output = create("--organization", acme.company_id.lower(), "--software", "afas")

    app_key = re.search(r"App Key:\s+(ppk_\w+)", output).group(1)
    secret = re.search(r"Secret:\s+(pps_\S+)", output).group(1)
    key = ConnectionKey.objects.get(app_key=app_key)
    assert key.organization == acme and key.software == "afas"
    assert key.matches(secret) and secret not in key.secret_hash
    assert "Created by admin@acme.nl" in output
    event = AuditEvent.objects.get(action="connection_key.created")
    assert event.actor == cast.admin


def test_it_records_the_named_administrator_and_prints_json(cast, acme):
    second = make_user("second@acme.nl")
    Membership.objects.create(environment=cast.company, user=second, role=Role.ADMINISTRATOR)

    output = json.loads(create("--organization", acme.company_id, "--software",
                               "4ps_business_central", "--by", "Second@acme.nl", "--json"))

    key = ConnectionKey.objects.get(app_key=output["app_key"])
    assert key.matches(output["secret"])
    assert output["company_id"] == acme.company_id and output["created_by"] == "second@acme.nl"
    assert key.created_by == second


@pytest.mark.parametrize("args, message", [
    (["--organization", "XCNL99999999", "--software", "afas"],
     "No organization has company ID XCNL99999999."),
    (["--software", "afas", "--by", "nobody@acme.nl"],
     "No active user has the email address nobody@acme.nl."),
    (["--software", "afas", "--by", "basic@acme.nl"],
     "Only administrators of the organization create keys."),
    (["--software", "exact"], "invalid choice: 'exact'"),
])
def test_it_refuses_unknown_input_clearly(acme, args, message):
    if "--organization" not in args:
        args = ["--organization", acme.company_id, *args]

    with pytest.raises(CommandError, match=re.escape(message)):
        create(*args)
    assert not ConnectionKey.objects.exists()


def test_it_refuses_an_inactive_organization(cast, acme):
    acme.deactivate(cast.techsupport)

    with pytest.raises(CommandError, match="Connection keys are for active organizations"):
        create("--organization", acme.company_id, "--software", "afas")


def test_it_refuses_4ps_without_a_contract_with_api_rights(cast, acme):
    acme.environment.contracts.update(api_rights=False)

    with pytest.raises(CommandError, match="needs a Professional subscription and a contract") \
            as refused:
        create("--organization", acme.company_id, "--software", "4ps_construct")
    # A terminal shows no HTML: the way to ask Sales is written as text and address.
    assert "<a" not in str(refused.value)
    assert str(refused.value).endswith(
        "Ask Sales for an upgrade. (/subscription/upgrade/?subscription=professional"
        "&api_contract=1)")
