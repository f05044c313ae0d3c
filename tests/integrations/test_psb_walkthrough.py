"""The Business Central PSB setup walked from start to invoices both ways: what a user saw go
wrong, driven through the platform's own models, API and pages."""

import pytest
from django.urls import reverse

from customers.models import CardRules, CustomerCard, SendingProfile
from invoices.models import Channel, Direction, Document, Status
from invoices.submission import accept
from onboarding.forms.party_links import ApproveForm
from onboarding.integrations.registry import get
from onboarding.integrations.runs import IntegrationRun
from onboarding.models import Contract, EntraIdentity, PartyLink, PartyLinkRequest, Subscription
from tests.conftest import sign_in
from tests.integrations.helpers import (
    afas_run,
    issue,
    organization,
    send_test_invoice,
    states,
    subscribe,
)
from tests.invoices.conftest import invoice, make_receiver

pytestmark = pytest.mark.django_db


def psb_run(cast, **kwargs):
    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="C-PSB")
    run, _ = IntegrationRun.start(organization=organization(cast, **kwargs),
                                  setup=get("business-central-psb"), by=cast.admin,
                                  environment=cast.company)
    return run


def anna(cast, user=None, object_id="o"):
    return EntraIdentity.objects.create(user=user or cast.admin, tenant_id="t",
                                        object_id=object_id, username=f"{object_id}@acme.nl")


def received_copy(number):
    return Document.objects.get(direction=Direction.INCOMING, number=number)


# -- 1. the test invoice stays delivered while the receiver deals with it -------------------

def test_it_keeps_the_brokers_test_invoice_delivered_while_the_receiver_processes_it(
        cast, django_capture_on_commit_callbacks):
    run = psb_run(cast)
    make_receiver(cast)
    identity = anna(cast)
    with django_capture_on_commit_callbacks(execute=True):
        accept(run.organization, invoice("BC-2026-0001"), Channel.SERVICE_BROKER,
               entra_identity_id=identity.pk)
    assert states(run)["test_invoice"].state == "complete"

    received = received_copy("BC-2026-0001")
    with django_capture_on_commit_callbacks(execute=True):
        received.mark_downloaded(cast.client_admin)
        received.set_processing_status(cast.client_admin, Status.APPROVED)
    sent = Document.objects.get(direction=Direction.OUTGOING, number="BC-2026-0001")
    assert sent.status == Status.UNDER_REVIEW

    step = states(run)["test_invoice"]
    assert step.state == "complete", step.result.message
    assert "BC-2026-0001 passed the rules and was delivered" in step.result.message
    run.refresh_from_db()
    assert "test_invoice" not in run.broken


@pytest.mark.parametrize("receiver_does", ["paid", "opened", "rejected"])
def test_it_keeps_a_keys_test_invoice_delivered_whatever_the_receiver_did(
        cast, receiver_does, django_capture_on_commit_callbacks):
    run = afas_run(cast)
    with django_capture_on_commit_callbacks(execute=True):
        document = send_test_invoice(issue(run, cast), cast)
    assert states(run)["test_invoice"].state == "complete"
    received = received_copy(document.number)
    with django_capture_on_commit_callbacks(execute=True):
        if receiver_does == "rejected":
            received.reject(cast.client_admin, "Wrong order number")
        else:
            received.set_processing_status(cast.client_admin, receiver_does)
    document.refresh_from_db()
    assert document.status == receiver_does
    assert states(run)["test_invoice"].state == "complete"


# -- 2. a sending profile that does not send via Peppol ------------------------------------

def test_it_keeps_the_profile_step_open_for_a_profile_that_does_not_send_via_peppol(cast):
    run = psb_run(cast)
    profile = SendingProfile.objects.create(organization=run.organization, name="eConnect",
                                            is_default=True, send_via_peppol=False)
    step = states(run)["profile"]
    assert step.state == "waiting"
    assert "eConnect does not send via Peppol" in step.result.message

    profile.is_default = False
    profile.save()
    step = states(run)["profile"]
    assert step.state == "waiting" and "eConnect does not send via Peppol" in \
        step.result.message

    profile.send_via_peppol = True
    profile.save()
    assert states(run)["profile"].state == "complete"


def test_it_counts_a_card_whose_profile_does_not_send_via_peppol_as_a_problem(client, cast):
    run = psb_run(cast)
    org = run.organization
    silent = SendingProfile.objects.create(organization=org, name="Paper",
                                           send_via_peppol=False)
    default = SendingProfile.objects.create(organization=org, name="eConnect", is_default=True,
                                            send_via_peppol=False)
    ready = {"endpoint_scheme": "0106", "endpoint_value": "87654321",
             "buyer_reference_source": "your_reference"}
    own = CustomerCard.objects.create(organization=org, name="Bakker BV", customer_number="1",
                                      sending_profile=silent, **ready)
    defaulted = CustomerCard.objects.create(organization=org, name="Slager BV",
                                            customer_number="2", **ready)

    customers = states(run)["customers"]
    assert customers.state == "waiting"
    assert customers.result.items == [
        "Bakker BV (1): Sending profile Paper does not send via Peppol",
        "Slager BV (2): No sending profile, and the default eConnect does not send via Peppol"]

    # The card list's "problems" filter and each card's own list say the same.
    sign_in(client, cast.admin)
    listed = client.get(reverse("customers:cards", args=[org.pk]),
                        {"problems": "on", "setup": "business-central-psb"}).content.decode()
    assert "Bakker BV" in listed and "Slager BV" in listed
    page = client.get(reverse("customers:card_detail", args=[own.pk])).content.decode()
    assert "Sending profile Paper does not send via Peppol" in page
    rules = CardRules.of_profiles([silent, default])
    assert set(CustomerCard.objects.filter(organization=org).with_problems(rules)) == {
        card for card in (own, defaulted) if card.problems(rules)} == {own, defaulted}

    # A setup whose guide has no sending profiles does not read them.
    afas = CardRules.of_setup(get("afas"), default_profile=True)
    assert not CustomerCard.objects.filter(organization=org).with_problems(afas).exists()
    assert own.problems(afas) == [] and defaulted.problems(afas) == []

    default.send_via_peppol = silent.send_via_peppol = True
    default.save()
    silent.save()
    assert states(run)["customers"].state == "complete"


# -- 3. receiving needs a party link with the right to receive ------------------------------

def test_it_asks_for_the_receive_right_when_the_organization_receives(cast):
    run = psb_run(cast)
    org = run.organization
    texts = " ".join(str(line) for line in get("business-central-psb")
                     .step("receiving").instructions)
    assert "Autopilot" not in texts and "right to receive" in texts
    identifier = org.identifiers.get()
    identifier.switch(cast.admin, "receive", True)
    org.decide_receiving(cast.admin, True)
    identity = anna(cast)
    PartyLink.grant(identity=identity, organization=org, broker="production",
                    can_send=True, can_receive=False, by=cast.techsupport)

    step = states(run)["receiving"]
    assert step.state == "waiting"
    assert "does not allow receiving" in step.result.message
    assert step.result.items == ["o@acme.nl may: send"]

    PartyLink.grant(identity=identity, organization=org, broker="production",
                    can_send=True, can_receive=True, by=cast.techsupport)
    step = states(run)["receiving"]
    assert step.state == "complete", step.result.message
    assert "send, receive" in step.result.message


def test_it_needs_no_receive_right_when_the_organization_does_not_receive(cast):
    run = psb_run(cast)
    run.organization.decide_receiving(cast.admin, False)
    assert states(run)["receiving"].state == "complete"


def test_it_ticks_receive_on_the_approval_form_for_an_organization_that_receives(cast):
    receiving = organization(cast)
    receiving.decide_receiving(cast.admin, True)
    quiet = organization(cast, kvk="11223344", name="Quiet BV")
    identity = anna(cast)
    link_request = PartyLinkRequest.submit(
        identity=identity, by=cast.admin, environment=cast.company, broker="production",
        entra_username="o@acme.nl", organizations=[receiving, quiet])
    form = ApproveForm(link_request=link_request)
    initial = {row.item.organization_id: (row.send.initial, row.receive.initial)
               for row in form.rows}
    assert initial == {receiving.pk: (True, True), quiet.pk: (True, False)}


# -- 4. the event a saved party link records ------------------------------------------------

def test_it_records_sending_switched_on_not_a_second_approval(
        cast, django_capture_on_commit_callbacks):
    run = psb_run(cast)
    identity = anna(cast)
    with django_capture_on_commit_callbacks(execute=True):
        link = PartyLink.grant(identity=identity, organization=run.organization,
                               broker="production", can_send=True, by=cast.techsupport)
    with django_capture_on_commit_callbacks(execute=True):
        link.switch_sending(cast.admin, True)

    run.refresh_from_db()
    assert run.progress["sending"]["event"] == "party_link.sending_switched"
    shown = {s.key: s for s in run.refresh()}
    assert shown["sending"].recorded_event == '"Sending via Peppol" switched'
    assert shown["party_link"].recorded_event == "party link approved"


def test_it_names_each_save_of_a_party_link(cast):
    from onboarding.integrations.receivers import party_link_event

    run = psb_run(cast)
    link = PartyLink.grant(identity=anna(cast), organization=run.organization,
                           broker="production", can_send=True, by=cast.techsupport)
    assert party_link_event(link, True, None) == "party_link.approved"
    link.sending_enabled = False
    assert party_link_event(link, False, ["sending_enabled"]) == "party_link.sending_switched"
    assert party_link_event(link, False, ["can_send", "can_receive", "can_remove",
                                          "can_change_status", "can_manage_hooks",
                                          "sending_enabled"]) == "party_link.changed"
    link.revoke(cast.techsupport)
    assert party_link_event(link, False, ["revoked_at", "revoked_by",
                                          "sending_enabled"]) == "party_link.revoked"


# -- 5. the Entra step needs an account linked for this setup -------------------------------

def test_it_does_not_count_a_colleagues_entra_account(cast):
    run = psb_run(cast)
    # A colleague without rights on the organization, and an outsider.
    anna(cast, cast.basic, "basic")
    anna(cast, cast.outsider, "outsider")
    step = states(run)["entra"]
    assert step.state == "waiting"
    assert "No Microsoft Entra ID account is linked for this setup" in step.result.message

    anna(cast, cast.admin, "admin")
    step = states(run)["entra"]
    assert step.state == "complete"
    assert step.result.message == "Entra ID account admin@acme.nl is linked, by admin@acme.nl."


def test_it_counts_the_account_behind_the_organizations_party_link(cast):
    run = psb_run(cast)
    IntegrationRun.objects.filter(pk=run.pk).update(started_by=None)
    run.refresh_from_db()
    identity = anna(cast, cast.admin, "linked")
    assert states(run)["entra"].state == "waiting"
    PartyLink.grant(identity=identity, organization=run.organization, broker="production",
                    can_send=True, by=cast.techsupport)
    assert states(run)["entra"].state == "complete"
