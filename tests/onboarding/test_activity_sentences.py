"""The activity log reads as sentences in the reader's language: no action codes, no Python
values, every recorded action written out."""

import ast
import html
import re
from pathlib import Path

import pytest

from onboarding.audit_text import ACTIONS, FIELDS
from onboarding.models import AuditEvent

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LITERAL = re.compile(r'"([a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*)"')


def sources() -> list[Path]:
    return [path for app in ("onboarding", "customers", "invoices", "portal", "webhooks")
            for path in (ROOT / app).rglob("*.py")
            if "migrations" not in path.parts and path.name != "audit_text.py"]


def recorded_actions() -> set[str]:
    """Every action name the code records: the literals of `action=` and the like."""
    texts = [path.read_text() for path in sources()]
    prefixes = {match.split(".")[0] for text in texts
                for match in re.findall(r'action\s*=\s*\(?\s*"([a-z_]+)\.', text)}
    return {literal for text in texts for literal in LITERAL.findall(text)
            if literal.split(".")[0] in prefixes}


def page_text(response) -> str:
    body = response.content.decode()
    body = body[body.index("<main"):body.index("</main>")]
    body = re.sub(r"<select.*?</select>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def events(cast):
    def add(action, **fields):
        return AuditEvent.objects.create(environment=cast.company, actor_label="admin@acme.nl",
                                         action=action, **fields)

    add("member.joined", target_type="membership", target_label="bas@acme.nl (Basic)",
        after={"email": "bas@acme.nl", "role": "basic", "via": "domain"})
    add("identifier.switched", target_type="organization", target_label="Acme Trading BV",
        before={"identifier": "0088:1234567890128", "send": False},
        after={"identifier": "0088:1234567890128", "send": True})
    add("party_link.approved", target_type="partylinkrequest",
        target_label="anna@acme.onmicrosoft.com (2026-12-02)",
        before={"status": "pending"},
        after={"status": "approved", "reason": "",
               "approved": ["XCNL00000001 send=True receive=False"]})
    add("organization.activation_requested", target_type="organization",
        target_label="Acme Trading BV", before={"status": "draft"}, after={"status": "pending"})
    add("contract.ended", target_type="contract", target_label="C-2026-7",
        before={"ends_on": None}, after={"ends_on": "2026-12-31"})
    # Recorded with the label in the asker's language.
    add("upgrade.requested", target_type="upgraderequest",
        target_label="acme.nl → Professional",
        after={"subscription": "professional", "api_contract": False})


def test_it_has_a_sentence_for_every_action_the_code_records():
    found = recorded_actions()
    assert "member.joined" in found and "party_link.approved" in found
    assert sorted(found - set(ACTIONS)) == []


# What the helpers that record take besides the details (`IntegrationRun._audit(by,
# action, environment, **after)` takes the details as keywords).
AUDIT_PARAMETERS = {"environment", "actor", "action", "target", "actor_label", "by", "key",
                    "before", "after", "extra_before", "extra_after", "details"}


def _keys(node) -> set[str]:
    return {key.value for key in node.keys
            if isinstance(key, ast.Constant) and isinstance(key.value, str)}


def recorded_fields() -> set[str]:
    """Every key the code writes into an entry's details: the literal keys of the dicts it
    passes as `before=`, `after=` and the like, or to an `_audit` helper, and the keywords
    an `_audit` helper takes as details."""
    found = set()
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and isinstance(node.value, ast.Dict) and \
                    node.arg in {"before", "after", "extra_before", "extra_after", "details"}:
                found |= _keys(node.value)
            name = getattr(node.func, "attr", getattr(node.func, "id", "")) \
                if isinstance(node, ast.Call) else ""
            if name.endswith("_audit"):
                found |= {key for arg in node.args if isinstance(arg, ast.Dict)
                          for key in _keys(arg)}
                found |= {kw.arg for kw in node.keywords
                          if kw.arg is not None and kw.arg not in AUDIT_PARAMETERS}
    return found


def test_it_has_a_label_for_every_detail_the_code_records():
    found = recorded_fields()
    assert {"requester_name", "setup", "topics", "role", "imported", "step", "to"} <= found
    assert sorted(found - set(FIELDS)) == []


def test_it_writes_out_every_recorded_detail_that_is_a_choice():
    """A detail named like a model field with choices is written as the choice's label:
    "Your reference", not "your_reference"."""
    from django.apps import apps

    from onboarding.audit_text import CHOICES

    named = {key if isinstance(key, str) else key[1] for key in CHOICES}
    with_choices = {field.name for app in ("onboarding", "customers", "invoices", "webhooks")
                    for model in apps.get_app_config(app).get_models()
                    for field in model._meta.get_fields()
                    if getattr(field, "choices", None) and field.name in FIELDS}
    assert "buyer_reference_source" in with_choices
    # `reason` in the log is always free text (a rejection's), never the monitoring row's
    # choice, which is not recorded.
    assert sorted(with_choices - named - {"reason"}) == []


def test_it_writes_a_customer_cards_choices_as_their_labels(client, cast):
    AuditEvent.objects.create(environment=cast.company, actor_label="admin@acme.nl",
                              action="customer_card.created", target_type="customercard",
                              target_label="Bakery BV",
                              after={"buyer_reference_source": "your_reference",
                                     "einvoicing_method": "sending_profile"})
    AuditEvent.objects.create(environment=cast.company, actor_label="admin@acme.nl",
                              action="sending_profile.created", target_type="sendingprofile",
                              target_label="eConnect", after={"processing_mode": "automatic"})
    client.force_login(cast.admin)

    text = " ".join(page_text(client.get("/activity/")).split())

    assert "Your reference" in text and "Sending profile of documents" in text
    assert "Automatic" in text
    for raw in ("your_reference", "sending_profile", "automatic"):
        assert raw not in text, raw


def test_it_names_integrations_and_webhook_topics_by_their_names(client, cast, events):
    AuditEvent.objects.create(environment=cast.company, actor_label="admin@acme.nl",
                              action="integration.started", target_type="integrationrun",
                              target_label="AFAS – Acme Trading BV",
                              after={"setup": "business-central-api31"})
    AuditEvent.objects.create(environment=cast.company, actor_label="admin@acme.nl",
                              action="webhook.created", target_type="webhook",
                              target_label="https://erp.acme.nl/hooks",
                              after={"url": "https://erp.acme.nl/hooks",
                                     "topics": "InvoiceReceived, InvoiceSentError"})
    cast.admin.language = "nl"
    cast.admin.save()
    client.force_login(cast.admin)

    page = " ".join(page_text(client.get("/activity/")).split())

    assert "Koppeling 4PS Business Central (API31)" in page
    assert "Onderwerpen Factuur ontvangen, Verzenden mislukt" in page
    assert "Setup" not in page and "InvoiceReceived" not in page


def test_it_writes_each_event_as_a_sentence(client, cast, events):
    client.force_login(cast.admin)
    text = page_text(client.get("/activity/"))
    assert "Joined as Basic by signing up with an address on the company's domain." in text
    assert "Switched sending on for 0088:1234567890128." in text
    assert "Approved the party-link request of anna@acme.onmicrosoft.com" in text
    assert "XCNL00000001 may: send" in text
    assert "Asked TechSupport to activate Acme Trading BV." in text
    assert "Pending activation" in text
    assert "Ended contract C-2026-7 on 31 Dec 2026." in text
    assert "Asked Sales for the Professional subscription." in text
    for raw in ("member.joined", "identifier.switched", "True", "False", "['", "send=",
                "ends_on", "_"):
        assert raw not in text, raw


def test_it_writes_the_log_in_the_readers_language(client, cast, events):
    cast.admin.language = "nl"
    cast.admin.save()
    client.force_login(cast.admin)
    text = page_text(client.get("/activity/"))
    assert "Verzenden aangezet voor 0088:1234567890128." in text
    assert "Activering van Acme Trading BV gevraagd aan TechSupport." in text
    assert "Wacht op activering" in text or "Activering aangevraagd" in text
    assert "31 dec 2026" in text
    assert "Sales gevraagd om het abonnement Professioneel." in text
    assert "Switched" not in text and "True" not in text


def test_it_names_the_actions_in_the_filter(client, cast, events):
    client.force_login(cast.admin)
    body = client.get("/activity/").content.decode()
    select = body[body.index('name="action"'):]
    select = select[:select.index("</select>")]
    assert '<option value="member.joined">User joined</option>' in select
    assert ">member.joined<" not in select


def test_it_has_a_sentence_for_every_step_of_a_document():
    from invoices.models import Status

    assert sorted({f"document.{status}" for status in Status.values} - set(ACTIONS)) == []


def test_it_writes_a_documents_life_in_the_readers_language(
        client, cast, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.invoices.conftest import invoice, make_receiver, make_sender

    sender = make_sender(cast)
    make_receiver(cast)
    client.force_login(cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/organizations/{sender.pk}/documents/upload/",
                    {"file": SimpleUploadedFile("F-1.xml", invoice("F-1"), "text/xml")})
    cast.admin.language = "nl"
    cast.admin.save()

    text = " ".join(page_text(client.get("/activity/", {"kind": "all"})).split())

    assert "Heeft document F-1 opgeslagen." in text
    assert "Heeft document F-1 geaccepteerd voor verzenden." in text
    assert "Heeft document F-1 afgeleverd." in text
    assert "Richting Uitgaand" in text and "Geverifieerd" in text
    assert "Toelichting Binnen het platform afgeleverd bij Bakery Client BV." in text
    for raw in ("Document: ", "outgoing", "queued", "Direction", "Delivered inside"):
        assert raw not in text, raw


def test_a_name_that_ends_in_a_full_stop_ends_the_sentence_once(cast):
    from onboarding.models import AuditEvent

    event = AuditEvent(environment=cast.company, actor_label="admin@acme.nl",
                       action="organization.created", target_label="Demo Bakery B.V.",
                       after={"name": "Demo Bakery B.V."})
    assert event.sentence == "Added the organization Demo Bakery B.V."
    event.after = {"name": "Wait for it..."}
    assert event.sentence == "Added the organization Wait for it...."


def test_it_names_the_platform_as_actor_in_the_readers_language():
    from django.utils import translation

    from onboarding.audit_text import actor_text

    with translation.override("nl"):
        assert actor_text("system") == "het systeem"
        assert actor_text("system: routing") == "het systeem (routering)"
        assert actor_text("anna@acme.nl") == "anna@acme.nl"
        assert actor_text("schedule") == "de planner"
    assert actor_text("system: sender check") == "the system (sender check)"
    assert actor_text("schedule") == "the scheduler"


def test_it_names_the_identifier_techsupport_decided_on(cast):
    from onboarding.audit_text import sentence

    def event(action, after):
        return AuditEvent(environment=cast.company, action=action, target_type="organization",
                          target_label="Acme Trading BV", after=after)

    assert sentence(event("identifier.verified", {
        "identifier": "0088:1234567890128", "verification": "verified",
        "via": "techsupport"})) == \
        "Verified that 0088:1234567890128 is an identifier of Acme Trading BV."
    assert sentence(event("identifier.verified", {
        "identifiers": ["0106:12345678", "0088:1234567890128"], "via": "activation"})) == \
        "Verified 0106:12345678, 0088:1234567890128 of Acme Trading BV with the activation."
    assert sentence(event("identifier.rejected", {
        "identifier": "9944:NL123456782B01", "verification": "rejected",
        "reason": "Not theirs"})) == \
        "Did not verify 9944:NL123456782B01 of Acme Trading BV: it could not be shown to be " \
        "theirs."
