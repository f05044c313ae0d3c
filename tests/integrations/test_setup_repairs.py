"""A finished setup that breaks is repaired from its own page; other software's keys on the same
organization leave a setup alone; the values AFAS needs; a refused call is shown on the step
that waits for it; a step done again is recorded anew."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from onboarding.integrations.registry import get
from onboarding.integrations.runs import IntegrationRun
from onboarding.models import ConnectionKey, Contract, Subscription
from tests.conftest import sign_in
from tests.integrations.helpers import (
    API31_BODY,
    SOAP_ENV,
    afas_run,
    api31_run,
    basic,
    issue,
    organization,
    send_by_api,
    send_test_invoice,
    states,
    step_html,
    subscribe,
)
from tests.invoices.conftest import invoice

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()



def finished_afas_run(cast, capture):
    """An AFAS setup with all six steps done: customers and receiving skipped."""
    # Every event's refresh runs, as it does once its transaction commits.
    with capture(execute=True):
        run = afas_run(cast)
        for step in ("contacts", "receiving"):
            run.skip(step, cast.admin, cast.company)
        issued = issue(run, cast)
        issued.key.note_use()
    with capture(execute=True):
        send_test_invoice(issued, cast)
    found = states(run)
    assert all(s.state in ("complete", "skipped") for s in found.values()), \
        {k: s.result.message for k, s in found.items()}
    run.refresh_from_db()
    assert run.completed_at is not None
    return run, issued


def test_it_offers_a_broken_steps_actions_again_after_the_setup_was_finished(
        client, cast, django_capture_on_commit_callbacks):
    run, issued = finished_afas_run(cast, django_capture_on_commit_callbacks)
    sign_in(client, cast.admin)
    page = text(client.get(f"/integrations/runs/{run.pk}/"))
    assert 'id="run-complete" class="h5 text-success "' in page
    # Finished, AFAS may still take keys for a second environment.
    assert "Create keys for another AFAS environment" in step_html(page, "keys")

    with django_capture_on_commit_callbacks(execute=True):
        issued.key.revoke(cast.admin)
    # The revocation alone reopened the run: events follow it again.
    run.refresh_from_db()
    assert run.completed_at is None
    assert "keys" in run.broken

    page = text(client.get(f"/integrations/runs/{run.pk}/"))
    keys = step_html(page, "keys")
    assert "Broken" in keys
    assert ">Create connection keys</button>" in keys
    assert "Skip this step" in keys
    assert 'id="run-complete" class="h5 text-success d-none"' in page
    assert client.get(f"/integrations/runs/{run.pk}/status/").json()["complete"] is False
    assert "Continue for" in text(client.get("/integrations/"))

    client.post(f"/integrations/runs/{run.pk}/", {"action": "create_key", "step": "keys"})
    assert ConnectionKey.objects.filter(organization=run.organization,
                                        revoked_at=None).count() == 1


def test_it_records_a_step_done_again_at_its_new_moment(
        cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = afas_run(cast)
        first = issue(run, cast)
        first.key.note_use()
    states(run)
    run.refresh_from_db()
    before = run.progress["enter_keys"]["at"]
    with django_capture_on_commit_callbacks(execute=True):
        first.key.revoke(cast.admin)
    later = timezone.now() + timedelta(minutes=8)
    second = issue(run, cast)
    ConnectionKey.objects.filter(pk=second.key.pk).update(last_used_at=later)

    step = states(run)["enter_keys"]

    assert step.state == "complete"
    assert step.recorded["at"] == later.isoformat() != before
    assert step.recorded_at == later
    run.refresh_from_db()
    assert "enter_keys" not in run.broken


def test_it_leaves_a_setup_alone_when_another_set_up_software_sends_with_its_own_key(
        cast, django_capture_on_commit_callbacks):
    run, afas = finished_afas_run(cast, django_capture_on_commit_callbacks)
    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="C-4PS")
    IntegrationRun.start(organization=run.organization, setup=get("4ps-construct"),
                         by=cast.admin, environment=cast.company)
    with django_capture_on_commit_callbacks(execute=True):
        afas.key.revoke(cast.admin)
    new_afas = issue(run, cast)
    fourps = ConnectionKey.issue(organization=run.organization, software="4ps_construct",
                                 by=cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_by_api(fourps, invoice("4PS-0077"))

    step = states(run)["test_invoice"]

    assert sent.connection_key.software == "4ps_construct"
    assert "4PS-0077" not in step.result.message
    assert "made for 4PS Construct" not in step.result.message
    assert (f"Waiting for the first invoice that your software sends with connection key "
            f"{new_afas.key.app_key}") in step.result.message


def test_it_leaves_a_setup_alone_when_another_key_was_in_use_before_this_setups_key(
        cast, django_capture_on_commit_callbacks):
    run = afas_run(cast)
    accept = ConnectionKey.issue(organization=run.organization, software="accept",
                                 by=cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        send_test_invoice(accept, cast)
    mine = issue(run, cast)
    with django_capture_on_commit_callbacks(execute=True):
        send_by_api(accept, invoice("ACC-2"))

    step = states(run)["test_invoice"]

    assert step.state == "waiting"
    assert "ACC-2" not in step.result.message
    assert mine.key.app_key in step.result.message


def test_it_still_says_an_unused_other_softwares_key_was_entered_in_the_wrong_place(
        cast, django_capture_on_commit_callbacks):
    run = afas_run(cast)
    mine = issue(run, cast)
    accept = ConnectionKey.issue(organization=run.organization, software="accept",
                                 by=cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_test_invoice(accept, cast)

    step = states(run)["test_invoice"]

    assert step.state == "waiting"
    assert (f"Invoice {sent.number} came with connection key {accept.key.app_key}, made for "
            f"Accept, not with this setup's key {mine.key.app_key}") in step.result.message


def test_it_shows_afas_the_bedrijfs_id_with_the_keys(client, cast):
    run = afas_run(cast)
    sign_in(client, cast.admin)
    client.post(f"/integrations/runs/{run.pk}/", {"action": "create_key", "step": "keys"})

    enter_keys = step_html(text(client.get(f"/integrations/runs/{run.pk}/")), "enter_keys")

    assert f'id="enter_keys-company_id" value="{run.organization.company_id}"' in enter_keys
    assert "Bedrijfs-ID" in enter_keys


def soap_login(client, app_key, secret):
    v31 = "http://api.everbinding.nl/v3_1/"
    body = (f'<s:Envelope xmlns:s="{SOAP_ENV}" xmlns:v="{v31}"><s:Body><v:Login>'
            f"<v:AppKey>{app_key}</v:AppKey><v:SecretKey>{secret}</v:SecretKey>"
            "</v:Login></s:Body></s:Envelope>")
    return client.post("/api/api31", body, content_type="text/xml; charset=utf-8",
                       HTTP_SOAPACTION=f'"{v31}Login"')


def accept_run(cast):
    subscribe(cast.company, Subscription.BASIC)
    run, _created = IntegrationRun.start(organization=organization(cast), setup=get("accept"),
                                         by=cast.admin, environment=cast.company)
    return run


def test_it_shows_a_refused_call_with_a_known_app_key_on_the_waiting_step(cast):
    from onboarding.integrations.receivers import key_refused

    run = accept_run(cast)
    issued = issue(run, cast)
    at = timezone.now()

    # What the SOAP Login and the REST authentication are to report (see the receiver).
    key_refused(issued.key.app_key, "invalid-credentials", at)
    key_refused("ppk_000000000000000000000000", "invalid-credentials", at)

    configure = states(run)["configure"]
    assert configure.state == "waiting"
    assert configure.result.message == (
        f"The last call with {issued.key.app_key} at {timezone.localtime(at):%H:%M} was "
        f"refused: the Secret does not match. Paste the Secret again; if it is lost, revoke "
        f"the key and create a new pair.")

    key_refused(issued.key.app_key, "key-revoked", at + timedelta(seconds=1))
    assert "the key was revoked" in states(run)["configure"].result.message
    # Once the software gets in, the step is done.
    issued.key.note_use()
    assert states(run)["configure"].state == "complete"


def test_it_shows_a_wrong_secret_on_the_business_central_test_step(client, cast):
    run, subscription_key = api31_run(cast)
    issued = issue(run, cast)
    wrong = API31_BODY.format(env=SOAP_ENV, app_key=issued.key.app_key, secret="pps_wrong",
                              company_id=run.organization.company_id,
                              subscription_key=subscription_key)

    assert client.post("/api/api31", wrong, content_type="text/xml").status_code == 500

    configure = states(run)["configure"]
    assert configure.state == "waiting"
    assert re.fullmatch(rf"The last call with {issued.key.app_key} at \d\d:\d\d was refused: "
                        r"the Secret does not match\..*", configure.result.message)


def test_it_shows_a_wrong_secret_at_the_soap_login_of_accept(client, cast):
    run = accept_run(cast)
    issued = issue(run, cast)

    assert soap_login(client, issued.key.app_key, "pps_wrong").status_code == 500

    assert "the Secret does not match" in states(run)["configure"].result.message


def test_it_shows_a_wrong_secret_at_the_rest_api_of_afas(client, cast):
    run = afas_run(cast)
    issued = issue(run, cast)

    client.get("/api/v1/ping", HTTP_AUTHORIZATION=basic(issued.key.app_key, "pps_wrong"))

    assert "the Secret does not match" in states(run)["enter_keys"].result.message
