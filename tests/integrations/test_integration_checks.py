"""Each check of a guided setup reads real state, and says what is missing when it fails."""

import time
from decimal import Decimal

import pytest

from customers.models import CardRules, CustomerCard, SendingProfile
from invoices.peppol.ubl import Line
from onboarding.integrations.registry import get
from onboarding.integrations.runs import IntegrationRun
from onboarding.models import (
    ConnectionKey,
    Contract,
    EntraIdentity,
    Organization,
    OrganizationIdentifier,
    PartyLink,
    Subscription,
)
from portal.errors import ChangeRefused
from tests.integrations.helpers import (
    afas_run,
    api31_run,
    issue,
    organization,
    send_by_api,
    send_test_invoice,
    states,
    subscribe,
)
from tests.invoices.conftest import invoice

pytestmark = pytest.mark.django_db


def test_it_names_the_missing_subscription(cast):
    run = afas_run(cast)
    subscribe(cast.company, Subscription.INVOICE_PORTAL)
    ready = states(run)["ready"]
    assert ready.state == "waiting"
    assert "needs at least a Basic subscription" in ready.result.message


def test_it_names_the_missing_contract_and_professional(cast):
    run, _key = api31_run(cast)
    cast.company.contracts.all().delete()
    assert "no running contract with API rights" in states(run)["contract"].result.message
    subscribe(cast.company, Subscription.BASIC)
    assert "needs a Professional subscription" in states(run)["contract"].result.message


def test_it_refuses_to_start_for_an_inactive_organization(cast):
    subscribe(cast.company, Subscription.BASIC)
    draft = organization(cast, active=False)
    with pytest.raises(ChangeRefused):
        IntegrationRun.start(organization=draft, setup=get("afas"), by=cast.admin,
                             environment=cast.company)


def test_it_says_when_the_organization_lost_its_activation_or_identifier(cast):
    run = afas_run(cast)
    OrganizationIdentifier.objects.all().delete()
    assert "has no Peppol identifier" in states(run)["ready"].result.message
    Organization.objects.update(status=Organization.Status.DEACTIVATED)
    run.organization.refresh_from_db()
    assert "Ask for activation" in states(run)["ready"].result.message


def test_it_warns_about_an_identifier_registered_at_another_access_point(cast):
    run = afas_run(cast)
    OrganizationIdentifier.objects.update(registered_elsewhere="https://smp.afas.example")
    ready = states(run)["ready"]
    assert ready.state == "waiting"
    assert "registered on Peppol at another access point" in ready.result.message
    assert ready.result.items == ["0106:12345678"]


def test_it_counts_only_verified_identifiers(cast):
    run = afas_run(cast)
    org = run.organization
    pending = OrganizationIdentifier.add(org, cast.admin, "0106", "87654329")
    assert not pending.is_verified
    org.decide_receiving(cast.admin, True)
    found = states(run)
    assert found["ready"].result.message == \
        "Acme Trading BV is active with identifier 0106:12345678."
    assert found["ready"].result.advice == \
        "Not in use until TechSupport verifies it: 0106:87654329."
    assert "0106:87654329" not in found["receiving"].result.message
    OrganizationIdentifier.objects.exclude(pk=pending.pk).delete()
    ready = states(run)["ready"]
    assert ready.state != "complete"
    assert ready.result.message == ("No Peppol identifier of Acme Trading BV is verified yet; "
                                    "TechSupport verifies this one:")
    assert ready.result.items == ["0106:87654329"]
    # Once TechSupport decided against it, it is no longer said to wait for them.
    pending.reject(cast.techsupport, "Not this company's KvK number")
    ready = states(run)["ready"]
    assert ready.result.message == ("TechSupport did not verify 0106:87654329 (“Not this "
                                    "company's KvK number”). Change or remove it on the "
                                    "organization's page.")
    assert "verifies these" not in ready.result.message and ready.result.items == []


def test_it_takes_any_identifier_for_accept_and_checks_debtors_by_kvk_or_oin(cast):
    subscribe(cast.company, Subscription.BASIC)
    org = organization(cast, kvk="", name="Belg NV")
    OrganizationIdentifier.add(org, cast.admin, "0208", "0123456749").verify(cast.techsupport)
    run, _ = IntegrationRun.start(organization=org, setup=get("accept"), by=cast.admin,
                                  environment=cast.company)
    assert states(run)["ready"].state == "complete"
    for number, (name, scheme, value) in enumerate((
            ("Bakker BV", "0106", "87654321"), ("Gemeente Zeist", "0190", "0" * 20),
            ("Groothandel BV", "0088", "8712345000004")), start=1):
        CustomerCard.objects.create(organization=org, name=name, customer_number=str(number),
                                    endpoint_scheme=scheme, endpoint_value=value)
    debtors = states(run)["debtors"]
    assert debtors.result.message == "2 of 3 customer cards are ready. Not ready:"
    assert debtors.result.items == [
        "Groothandel BV (3): Endpoint-ID in scheme 0088; the software fills in only 0106, 0190"]


def test_it_checks_4ps_customers_for_a_kvk_number_gln_or_vat_number(cast):
    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="C-4PS")
    org = organization(cast)
    run, _ = IntegrationRun.start(organization=org, setup=get("4ps-construct"), by=cast.admin,
                                  environment=cast.company)
    for number, (name, scheme, value) in enumerate((
            ("Bakker BV", "0106", "87654321"), ("Groothandel BV", "0088", "8712345000004"),
            ("Händler GmbH", "9930", "DE123456789"), ("Gemeente Zeist", "0190", "0" * 20)),
            start=1):
        CustomerCard.objects.create(organization=org, name=name, customer_number=str(number),
                                    endpoint_scheme=scheme, endpoint_value=value)

    customers = states(run)["customers"]

    assert customers.result.message == "3 of 4 customer cards are ready. Not ready:"
    assert customers.result.items == [
        "Gemeente Zeist (4): Endpoint-ID in scheme 0190; the software fills in only 0106, "
        "0088, VAT numbers"]


def test_it_counts_a_customer_on_the_dummy_number_ready_only_with_an_invoice_email(cast):
    run = afas_run(cast)
    org = run.organization
    CustomerCard.objects.create(organization=org, name="Lunchroom De Hoek", customer_number="1",
                                endpoint_scheme="0106", endpoint_value="99999998")
    # Nobody receives under the dummy number; the lookup says so.
    CustomerCard.objects.create(organization=org, name="Kiosk", customer_number="2",
                                endpoint_scheme="0106", endpoint_value="99999998",
                                invoice_email="kiosk@example.nl", peppol_registered=False)

    contacts = states(run)["contacts"]

    assert contacts.result.message == "1 of 2 customer cards are ready. Not ready:"
    assert contacts.result.items == [
        "Lunchroom De Hoek (1): The dummy KvK number and no invoice email address: its "
        "invoices cannot be delivered"]
    assert list(CustomerCard.objects.with_problems(CardRules()).values_list("name", flat=True)) \
        == ["Lunchroom De Hoek"]


def test_it_completes_entering_the_keys_at_the_softwares_first_call(cast):
    run = afas_run(cast)
    found = states(run)
    assert "no connection key for AFAS yet" in found["keys"].result.message
    assert found["enter_keys"].result.message == "Waiting for a connection key."
    issued = issue(run, cast)
    found = states(run)
    assert found["keys"].state == "complete"
    assert (f"Waiting for your software to call the platform with connection key "
            f"{issued.key.app_key}") in found["enter_keys"].result.message
    issued.key.note_use()
    step = states(run)["enter_keys"]
    assert step.state == "complete"
    assert step.result.message == f"Your software used connection key {issued.key.app_key}."


def test_it_waits_for_the_test_connection_where_the_software_has_one(cast):
    run, _subscription_key = api31_run(cast)
    issued = issue(run, cast)
    issued.key.note_use()
    assert "Waiting for the test connection" in states(run)["configure"].result.message
    issued.key.note_use(tested=True)
    assert states(run)["configure"].state == "complete"


def test_it_completes_the_connection_test_of_software_that_logs_in_by_soap(
        cast, client, django_capture_on_commit_callbacks):
    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="C-4PS")
    run, _created = IntegrationRun.start(organization=organization(cast),
                                         setup=get("4ps-construct"), by=cast.admin,
                                         environment=cast.company)
    issued = issue(run, cast)
    assert "Waiting for the test connection" in states(run)["configure"].result.message
    v31 = "http://api.everbinding.nl/v3_1/"
    login = (f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
             f'xmlns:v="{v31}"><s:Body><v:Login><v:AppKey>{issued.key.app_key}</v:AppKey>'
             f"<v:SecretKey>{issued.secret}</v:SecretKey></v:Login></s:Body></s:Envelope>")

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/api/api31", login, content_type="text/xml; charset=utf-8",
                             HTTP_SOAPACTION=f'"{v31}Login"')

    assert answer.status_code == 200, answer.content
    configure = states(run)["configure"]
    assert configure.state == "complete"
    assert configure.result.message == (
        f"Your software tested the connection with key {issued.key.app_key}.")
    # Every session starts with a Login: within a minute, the next ones record no new test.
    tested = ConnectionKey.objects.get().last_tested_at
    time.sleep(1.1)  # longer than an explicit test's resolution
    client.post("/api/api31", login, content_type="text/xml; charset=utf-8",
                HTTP_SOAPACTION=f'"{v31}Login"')
    assert ConnectionKey.objects.get().last_tested_at == tested


def test_it_takes_a_set_of_keys_for_each_afas_environment(
        cast, django_capture_on_commit_callbacks):
    run = afas_run(cast)
    first = issue(run, cast)
    second = issue(run, cast)
    first.key.note_use()
    found = states(run)
    assert found["keys"].result.message == (
        f"2 connection keys for AFAS exist and are not revoked: {second.key.app_key}, "
        f"{first.key.app_key}.")
    assert found["enter_keys"].state == "complete"
    assert f"Not used yet: {second.key.app_key}." in found["enter_keys"].result.advice
    with django_capture_on_commit_callbacks(execute=True):
        document = send_test_invoice(first, cast)
    step = states(run)["test_invoice"]
    assert step.state == "complete", step.result.message
    assert f"Invoice {document.number} passed the rules" in step.result.message


def test_it_ignores_keys_made_for_other_software(cast):
    run = afas_run(cast)
    from onboarding.models import ConnectionKey

    ConnectionKey.issue(organization=run.organization, software="other", by=cast.admin)
    assert states(run)["keys"].state == "waiting"


def test_it_lists_customer_cards_that_are_not_ready_and_calls_out_the_dummy(cast):
    run = afas_run(cast)
    assert "no customer cards yet" in states(run)["contacts"].result.message
    CustomerCard.objects.create(organization=run.organization, name="Bakker BV",
                                customer_number="1", endpoint_scheme="0106",
                                endpoint_value="99999998", invoice_email="bakker@example.nl")
    CustomerCard.objects.create(organization=run.organization, name="Slager BV",
                                customer_number="2")
    CustomerCard.objects.create(organization=run.organization, name="Visser BV",
                                customer_number="3", endpoint_scheme="0106",
                                endpoint_value="11223344", peppol_registered=False)
    contacts = states(run)["contacts"]
    assert contacts.state == "waiting"
    assert contacts.result.message == "1 of 3 customer cards are ready. Not ready:"
    # AFAS reads no sending profile or BuyerReference field from its contacts.
    assert contacts.result.items == ["Slager BV (2): No Endpoint-ID",
                                     "Visser BV (3): Not on Peppol"]
    assert contacts.result.advice == \
        "1 customer has no KvK number and uses the dummy number 99999998: Bakker BV."


def test_it_names_at_most_ten_cards_and_counts_the_rest(cast):
    run = afas_run(cast)
    CustomerCard.objects.bulk_create(
        CustomerCard(organization=run.organization, name=f"Klant {n:02}",
                     customer_number=str(n)) for n in range(25))

    contacts = states(run)["contacts"]

    assert contacts.result.message == "0 of 25 customer cards are ready. Not ready:"
    assert contacts.result.items == [
        *(f"Klant {n:02} ({n}): No Endpoint-ID" for n in range(10)), "and 15 more"]
    assert contacts.result.action.url.endswith("?problems=on&setup=afas")


def psb_run(cast):
    from onboarding.models import Contract

    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="C-PSB")
    run, _ = IntegrationRun.start(organization=organization(cast),
                                  setup=get("business-central-psb"), by=cast.admin,
                                  environment=cast.company)
    return run


def test_it_checks_the_service_brokers_card_settings_and_calls_out_a_default(cast):
    run = psb_run(cast)
    profile = SendingProfile.objects.create(organization=run.organization, name="eConnect")
    ready = {"endpoint_scheme": "0106", "endpoint_value": "87654321",
             "buyer_reference_source": "your_reference", "sending_profile": profile}
    CustomerCard.objects.create(organization=run.organization, name="Bakker BV",
                                customer_number="1", **ready)
    CustomerCard.objects.create(organization=run.organization, name="Slager BV",
                                customer_number="2")
    CustomerCard.objects.create(organization=run.organization, name="Visser BV",
                                customer_number="3", **{**ready, "einvoicing_method":
                                                        "e_connection"})
    customers = states(run)["customers"]
    assert customers.result.items == [
        "Slager BV (2): No Endpoint-ID; No source for the BuyerReference; No sending profile, "
        "and no default",
        "Visser BV (3): E-invoicing by eVerbinding, not by sending profile"]
    profile.is_default = True
    profile.save()
    customers = states(run)["customers"]
    assert customers.result.items[0] == \
        "Slager BV (2): No Endpoint-ID; No source for the BuyerReference"
    assert "eConnect is the default" in customers.result.advice


def test_it_shows_the_validation_report_of_a_refused_test_invoice(cast):
    run = afas_run(cast)
    document = send_test_invoice(issue(run, cast), cast, buyer_reference="")
    step = states(run)["test_invoice"]
    assert document.status == "refused"
    assert step.state == "waiting"
    assert f"Invoice {document.number} was refused" in step.result.message
    assert step.result.items


def test_it_completes_the_test_invoice_when_it_was_delivered(
        cast, django_capture_on_commit_callbacks):
    run = afas_run(cast)
    assert "Waiting for a connection key" in states(run)["test_invoice"].result.message
    issued = issue(run, cast)
    waiting = states(run)["test_invoice"].result
    assert (f"Waiting for the first invoice that your software sends with connection key "
            f"{issued.key.app_key}") in waiting.message
    assert "The portal's own test invoice does not count" in waiting.message
    assert waiting.action.url == f"/organizations/{run.organization.pk}/outbox/"
    with django_capture_on_commit_callbacks(execute=True):
        document = send_test_invoice(issued, cast)
    step = states(run)["test_invoice"]
    assert step.state == "complete", step.result.message
    assert step.recorded["event"] == "document.delivered"
    assert document.connection_key == issued.key
    assert f"Invoice {document.number} passed the rules and was delivered" in \
        step.result.message


def test_it_completes_the_test_invoice_sent_again_after_a_refusal(
        cast, django_capture_on_commit_callbacks):
    run = afas_run(cast)
    issued = issue(run, cast)
    refused = send_test_invoice(issued, cast, buyer_reference="")
    assert f"Invoice {refused.number} was refused" in states(run)["test_invoice"].result.message
    with django_capture_on_commit_callbacks(execute=True):
        send_by_api(issued, invoice("F-2026-002"))
    step = states(run)["test_invoice"]
    assert step.state == "complete", step.result.message
    assert "Invoice F-2026-002 passed the rules" in step.result.message
    # A refusal after the delivered test invoice does not undo the step.
    send_by_api(issued, invoice("F-2026-003", buyer_reference=""))
    assert states(run)["test_invoice"].state == "complete"


def test_it_waits_for_this_keys_invoice_when_one_came_with_another_softwares_key(
        cast, django_capture_on_commit_callbacks):
    from onboarding.models import ConnectionKey

    run = afas_run(cast)
    current = issue(run, cast)
    other_key = ConnectionKey.issue(organization=run.organization, software="other",
                                    by=cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        other = send_test_invoice(other_key, cast)
    other.refresh_from_db()
    assert other.status == "delivered"
    step = states(run)["test_invoice"]
    assert step.state == "waiting"
    assert (f"Invoice {other.number} came with connection key {other_key.key.app_key}, made "
            f"for Other software, not with this setup's key {current.key.app_key}. Enter key "
            f"{current.key.app_key} in AFAS") in step.result.message
    with django_capture_on_commit_callbacks(execute=True):
        mine = send_by_api(current, invoice("F-2026-002"))
    step = states(run)["test_invoice"]
    assert step.state == "complete", step.result.message
    assert "Invoice F-2026-002 passed the rules" in step.result.message
    assert mine.connection_key == current.key


def test_it_checks_accept_invoices_for_empty_lines(cast):
    subscribe(cast.company, Subscription.BASIC)
    org = organization(cast)
    run, _ = IntegrationRun.start(organization=org, setup=get("accept"), by=cast.admin,
                                  environment=cast.company)
    send_test_invoice(issue(run, cast), cast, lines=[
        Line("Advies", Decimal("2"), Decimal("100.00"), Decimal("21")),
        Line("", Decimal("1"), Decimal("0.00"), Decimal("21"))])
    step = states(run)["test_invoice"]
    assert step.state == "waiting"
    assert "has an empty invoice line" in step.result.message


@pytest.mark.parametrize(("line", "empty"), [
    (Line("Periode november", Decimal("0"), Decimal("0.00"), Decimal("21")), True),
    (Line("Gratis bezorging", Decimal("1"), Decimal("0.00"), Decimal("21")), False),
])
def test_it_tells_a_text_line_from_a_free_item(cast, django_capture_on_commit_callbacks, line,
                                                empty):
    subscribe(cast.company, Subscription.BASIC)
    run, _ = IntegrationRun.start(organization=organization(cast), setup=get("accept"),
                                  by=cast.admin, environment=cast.company)
    with django_capture_on_commit_callbacks(execute=True):
        send_test_invoice(issue(run, cast), cast, lines=[
            Line("Advies", Decimal("2"), Decimal("100.00"), Decimal("21")), line])
    step = states(run)["test_invoice"]
    assert ("has an empty invoice line" in step.result.message) is empty
    assert (step.state == "complete") is not empty, step.result.message


def test_it_asks_for_a_receiving_decision(cast):
    run = afas_run(cast)
    assert "Decide whether Acme Trading BV receives" in states(run)["receiving"].result.message
    run.organization.decide_receiving(cast.admin, False)
    assert states(run)["receiving"].state == "complete"


def test_it_follows_the_service_broker_path(cast):
    subscribe(cast.company, Subscription.PROFESSIONAL)
    from onboarding.models import Contract

    Contract.add(environment=cast.company, by=cast.sales, reference="C-PSB")
    org = organization(cast)
    run, _ = IntegrationRun.start(organization=org, setup=get("business-central-psb"),
                                  by=cast.admin, environment=cast.company)
    found = states(run)
    assert found["extension"].result.statement and found["extension"].state == "waiting"
    assert "No Microsoft Entra ID account is linked for this setup" in found["entra"].result.message
    assert "No partyId is linked" in found["party_link"].result.message
    assert "no sending profile yet" in found["profile"].result.message

    run.confirm("extension", cast.admin, cast.company)
    # A colleague's account linked first; the one linked to this organization is named.
    EntraIdentity.objects.create(user=cast.basic, tenant_id="t", object_id="b",
                                 username="bob@acme.nl")
    identity = EntraIdentity.objects.create(user=cast.admin, tenant_id="t", object_id="o",
                                            username="anna@acme.nl")
    link = PartyLink.grant(identity=identity, organization=org, broker="production",
                           can_send=True, can_receive=False, by=cast.techsupport)
    found = states(run)
    assert found["entra"].result.message == \
        "Entra ID account anna@acme.nl is linked, by admin@acme.nl."
    assert found["extension"].state == "complete"
    assert "Confirmed by admin@acme.nl" in found["extension"].result.message
    assert found["entra"].state == "complete" and found["party_link"].state == "complete"
    assert '"Sending via Peppol" is not checked' in found["sending"].result.message
    PartyLink.objects.filter(pk=link.pk).update(sending_enabled=True)
    assert states(run)["sending"].state == "complete"


def test_it_ends_a_step_on_a_name_with_a_full_stop_once(cast):
    from django.utils import translation

    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="C-PSB")
    org = organization(cast, name="Acme Trading B.V.")
    run, _ = IntegrationRun.start(organization=org, setup=get("business-central-psb"),
                                  by=cast.admin, environment=cast.company)
    identity = EntraIdentity.objects.create(user=cast.admin, tenant_id="t", object_id="o",
                                            username="anna@acme.nl")
    PartyLink.grant(identity=identity, organization=org, broker="production",
                    can_send=True, can_receive=False, by=cast.techsupport)

    with translation.override("nl"):
        sending = states(run)["sending"]

    assert sending.result.message.endswith("nog niet aangevinkt voor Acme Trading B.V.")


def test_it_checks_the_invoices_sent_through_the_service_broker(
        cast, django_capture_on_commit_callbacks):
    from invoices.models import Channel
    from invoices.submission import accept
    from onboarding.models import Contract
    from tests.invoices.conftest import make_receiver

    subscribe(cast.company, Subscription.PROFESSIONAL)
    Contract.add(environment=cast.company, by=cast.sales, reference="C-PSB")
    org = organization(cast)
    run, _ = IntegrationRun.start(organization=org, setup=get("business-central-psb"),
                                  by=cast.admin, environment=cast.company)
    assert ("Waiting for the first invoice that Business Central sends for Acme Trading BV "
            "through the service broker") in states(run)["test_invoice"].result.message
    make_receiver(cast)
    identity = EntraIdentity.objects.create(user=cast.admin, tenant_id="t", object_id="o",
                                            username="anna@acme.nl")
    # A key's invoice is not the service broker's.
    issued = issue(run, cast)
    with django_capture_on_commit_callbacks(execute=True):
        send_by_api(issued, invoice("F-KEY-1"))
    assert states(run)["test_invoice"].state == "waiting"
    accept(org, invoice("F-PSB-1", buyer_reference=""), Channel.SERVICE_BROKER,
           entra_identity_id=identity.pk)
    step = states(run)["test_invoice"]
    assert "Invoice F-PSB-1 was refused" in step.result.message and step.result.items
    # Sent again, corrected: the step follows the new invoice.
    with django_capture_on_commit_callbacks(execute=True):
        accept(org, invoice("F-PSB-2"), Channel.SERVICE_BROKER, entra_identity_id=identity.pk)
    step = states(run)["test_invoice"]
    assert step.state == "complete", step.result.message
    assert "Invoice F-PSB-2 passed the rules and was delivered" in step.result.message
