"""Every line of the activity log, its details included, is written in the reader's language:
no stored key ("send=True"), no stored code ("pending"), no English label, no ISO day."""

import re
from datetime import UTC, date, datetime

import pytest
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext_noop

from invoices.models import Status
from onboarding.audit_text import ACTIONS, action_name, changes, sentence
from onboarding.models import AuditEvent, EntraIdentity, Organization, PartyLinkRequest
from portal.said import Said, as_data
from tests.onboarding.test_activity_sentences import page_text, recorded_actions

pytestmark = pytest.mark.django_db

# What people typed or the platform made up: shown as it is, in any language.
ORG, CARD, PROFILE, ACCOUNTANT = "Acme Trading BV", "Bakery BV", "eConnect", "Numbers & Co"
ANNA, BAS, ENTRA = "anna@acme.nl", "bas@acme.nl", "anna@acme.onmicrosoft.com"
ENV, COMPANY_ID, APP_KEY, FILE = "acme.nl", "XCNL00000001", "ak_7Hq2Lm", "klanten.csv"
TENANT, OBJECT_ID = "3f2a9c1e-aaaa-4bbb-8ccc-123456789abc", "9d8e7f6a-bbbb-4ccc-8ddd-abcdef012345"
DELIVERY_ID = "5c1e2d3f-cccc-4ddd-8eee-0123456789ab"
URL, OTHER_URL = "https://erp.acme.nl/hooks", "https://erp.acme.nl/hooks2"
FREE = ("Not theirs", "Director", "Not now", "Unknown organization", "Accounts payable",
        "YourReference", "cbc:BuyerReference", "cac:OrderReference/cbc:ID", "…ab12", "…cd34",
        "C-2026-7", "F-2026-001", "AFAS – Acme Trading BV", "Anna Admin", "HTTP 500")
# Names of software and standards, the same in every language.
BRANDS = ("4PS Construct", "AFAS", "Accept")
DATA = sorted({ORG, CARD, PROFILE, ACCOUNTANT, ANNA, BAS, ENTRA, ENV, COMPANY_ID, APP_KEY,
               FILE, TENANT, OBJECT_ID, DELIVERY_ID, URL, OTHER_URL, *FREE, *BRANDS}, key=len,
              reverse=True)
IDENT = "0088:1234567890128"
RIGHTS = {"can_send": True, "can_receive": True, "can_remove": False,
          "can_change_status": True, "can_manage_hooks": False}
LINK = {"identity": ENTRA, "tenant_id": TENANT, "broker": "production"}
CARD_SNAPSHOT = {"name": CARD, "customer_number": "1001", "country": "NL",
                 "invoice_email": BAS, "endpoint_scheme": "0106", "endpoint_value": "12345678",
                 "legal_scheme": "0106", "legal_value": "12345678", "is_government": False,
                 "buyer_reference_source": "your_reference",
                 "einvoicing_method": "sending_profile", "sending_profile": PROFILE}
PROFILE_SNAPSHOT = {"name": PROFILE, "processing_mode": "automatic", "send_via_peppol": True,
                    "field_mapping": {"YourReference": "cbc:BuyerReference"}, "default": False}
ENVIRONMENT = {"name": ENV, "domain": ENV, "joins_by_domain": True, "is_shared": False,
               "subscription": "basic"}


def row(**fields) -> dict:
    """An event's fields, as the code records them."""
    return fields


def link_request_label():
    asked = PartyLinkRequest(entra_username=ENTRA,
                             requested_at=datetime(2026, 12, 7, 10, tzinfo=UTC))
    label = asked.audit_label
    return {"target_label": str(label), "target_said": as_data(label)}


def delivered_detail():
    return as_data(Said(gettext_noop("Delivered inside the platform to %(name)s."), name=ORG))


def paused_reason():
    return as_data(Said(gettext_noop("Paused after %(count)d failed tries in a row. Last: "
                                     "%(error)s"), count=5, error="HTTP 500"))


def document_samples():
    previous = {Status.CREATED: "", Status.REFUSED: "created", Status.QUEUED: "created",
                Status.DELIVERED: "queued", Status.DELIVERY_FAILED: "queued",
                Status.RECEIVED: "", Status.DUPLICATE: ""}
    for status in Status.values:
        after = {"status": status, "direction": "incoming" if status not in previous
                 or status in (Status.RECEIVED, Status.DUPLICATE) else "outgoing"}
        if status == Status.DELIVERED:
            after["detail"] = delivered_detail()
        if status == Status.REJECTED:
            after["detail"] = "Accounts payable"
        before = previous.get(status, "received")
        yield (f"document.{status}", row(target_type="document", target_label="F-2026-001",
                                          before={"status": before} if before else {},
                                          after=after))


def samples():
    """(action, event fields) as the code records them: one or more per action."""
    party_link = link_request_label()
    yield from [
        ("environment.created", row(target_type="environment", target_label=ENV,
                                     after={"name": ENV, "domain": ENV})),
        ("environment.changed", row(target_type="environment", target_label=ENV,
                                     before=ENVIRONMENT,
                                     after={**ENVIRONMENT, "joins_by_domain": False,
                                            "is_shared": True,
                                            "subscription": "professional"})),
        ("environment.subscription_changed", row(
            target_type="environment", target_label=ENV, before={"subscription": "basic"},
            after={"subscription": "invoice_portal"})),
        *[("member.joined", row(target_type="membership", target_label=f"{BAS} (Basic)",
                                 after={"email": BAS, "role": "basic", "via": via}))
          for via in ("founder", "domain", "invitation", "staff")],
        ("member.role_changed", row(target_type="membership", target_label=f"{BAS} (Basic)",
                                     before={"role": "basic"}, after={"role": "advanced"})),
        ("member.removed", row(target_type="membership", target_label=f"{BAS} (Basic)",
                                before={"email": BAS, "role": "administrator"})),
        ("invitation.sent", row(target_type="invitation", target_label=f"{BAS} → {ENV}",
                                 after={"email": BAS, "role": "advanced"})),
        ("invitation.revoked", row(target_type="invitation", target_label=f"{BAS} → {ENV}",
                                    before={"status": "pending"},
                                    after={"status": "revoked"})),
        ("invitation.accepted", row(target_type="invitation", target_label=f"{BAS} → {ENV}",
                                     after={"email": BAS, "role": "basic"})),
        ("invitation.expired", row(target_type="invitation", target_label=f"{BAS} → {ENV}",
                                    after={"email": BAS})),
        ("organization.created", row(target_type="organization", target_label=ORG,
                                      after={"name": ORG, "country": "NL",
                                             "registry_number": "12345678",
                                             "company_id": COMPANY_ID})),
        ("organization.activation_requested", row(
            target_type="organization", target_label=ORG, before={"status": "draft"},
            after={"status": "pending", "requester_name": "Anna Admin",
                   "requester_role": "Director"})),
        ("organization.activated", row(target_type="organization", target_label=ORG,
                                        before={"status": "pending"},
                                        after={"status": "active"})),
        ("organization.rejected", row(target_type="organization", target_label=ORG,
                                       before={"status": "pending"},
                                       after={"status": "rejected", "reason": "Not theirs"})),
        ("organization.deactivated", row(target_type="organization", target_label=ORG,
                                          before={"status": "active"},
                                          after={"status": "deactivated"})),
        ("organization.inbox_reminder", row(target_type="organization", target_label=ORG,
                                             after={"waiting": 3, "oldest": "2026-12-01"})),
        ("organization.registry_checked", row(
            target_type="organization", target_label=ORG, before={"registry_checked": False},
            after={"registry_checked": True, "registry_number": "12345678"})),
        ("organization.receiving", row(target_type="organization", target_label=ORG,
                                        before={"receive_decision": "undecided"},
                                        after={"receive_decision": "enabled",
                                               "identifiers": [IDENT, "0106:12345678"]})),
        ("organization.receiving", row(target_type="organization", target_label=ORG,
                                        before={"receive_decision": "enabled"},
                                        after={"receive_decision": "declined"})),
        ("organization.deleted", row(target_type="organization", target_label=ORG,
                                      before={"name": ORG, "company_id": COMPANY_ID})),
        ("organization.member_added", row(target_type="organization", target_label=ORG,
                                           after={"user": BAS, "role": "administrator"})),
        ("organization.member_role_changed", row(
            target_type="organization", target_label=ORG,
            before={"user": BAS, "role": "member"}, after={"user": BAS,
                                                           "role": "administrator"})),
        ("organization.member_removed", row(target_type="organization", target_label=ORG,
                                             before={"user": BAS, "role": "member"})),
        ("identifier.added", row(target_type="organization", target_label=ORG,
                                  after={"identifier": IDENT, "verification": "pending"})),
        *[("identifier.switched", row(target_type="organization", target_label=ORG,
                                       before={"identifier": IDENT, field: not on},
                                       after={"identifier": IDENT, field: on}))
          for field in ("can_send", "can_receive") for on in (True, False)],
        ("identifier.removed", row(target_type="organization", target_label=ORG,
                                    before={"identifier": IDENT})),
        ("identifier.verified", row(target_type="organization", target_label=ORG,
                                     before={"identifier": IDENT, "verification": "pending"},
                                     after={"identifier": IDENT, "verification": "verified",
                                            "via": "techsupport"})),
        ("identifier.verified", row(target_type="organization", target_label=ORG,
                                     after={"identifiers": [IDENT], "via": "activation"})),
        ("identifier.rejected", row(target_type="organization", target_label=ORG,
                                     before={"identifier": IDENT, "verification": "pending"},
                                     after={"identifier": IDENT, "verification": "rejected",
                                            "reason": "Not theirs"})),
        *[(action, row(target_type="authorisationrequest", target_label=f"{ORG} (12345678)",
                        after={"client_email": ANNA, "registry_number": "12345678",
                               "software": "4ps_construct"}))
          for action in ("authorisation_request.sent", "authorisation_request.resent")],
        ("authorisation_request.sent", row(
            target_type="authorisationrequest", target_label=f"{ORG} (12345678)",
            after={"client_email": ANNA, "registry_number": "12345678", "software": "other"})),
        ("authorisation_request.accepted", row(
            target_type="authorisationrequest", target_label=f"{ORG} (12345678)",
            after={"accountant": ACCOUNTANT, "organization": COMPANY_ID})),
        *[(f"authorisation_request.{status}", row(
            target_type="authorisationrequest", target_label=f"{ORG} (12345678)",
            after={"status": status})) for status in ("declined", "withdrawn", "expired")],
        ("partnership.started", row(target_type="organization", target_label=ORG,
                                     after={"accountant": ACCOUNTANT})),
        ("partnership.ended", row(target_type="organization", target_label=ORG,
                                   before={"accountant": ACCOUNTANT})),
        ("connection_key.created", row(target_type="connectionkey",
                                        target_label=f"{APP_KEY} (AFAS)",
                                        after={"organization": COMPANY_ID,
                                               "software": "afas"})),
        ("connection_key.deleted", row(target_type="connectionkey",
                                        target_label=f"{APP_KEY} (AFAS)",
                                        before={"app_key": APP_KEY, "software": "accept"})),
        ("connection_key.changed", row(target_type="connectionkey",
                                       target_label=f"{APP_KEY} (AFAS)",
                                       before={"label": ""}, after={"label": "Accounts payable"})),
        *[(action, row(target_type="connectionkey", target_label=f"{APP_KEY} (AFAS)"))
          for action in ("connection_key.revoked", "connection_key.changed",
                         "connection_key.tested", "connection_key.used",
                         "connection_key.inbox_fetched")],
        ("webhook.created", row(target_type="webhook", target_label=URL,
                                 after={"url": URL,
                                        "topics": "InvoiceReceived, InvoiceSentError"})),
        ("webhook.changed", row(target_type="webhook", target_label=URL,
                                 before={"url": URL, "topics": "InvoiceSent",
                                         "description": ""},
                                 after={"url": OTHER_URL, "topics": "HookSentError",
                                        "description": "Accounts payable"})),
        ("webhook.paused", row(target_type="webhook", target_label=URL,
                                after={"reason": paused_reason()})),
        ("webhook.paused", row(target_type="webhook", target_label=URL,
                                after={"reason": "Accounts payable"})),
        ("webhook.resumed", row(target_type="webhook", target_label=URL)),
        ("webhook.secret_rotated", row(target_type="webhook", target_label=URL)),
        ("webhook.deleted", row(target_type="webhook", target_label=URL,
                                 before={"url": URL, "topics": "InvoiceSent, HookSent"})),
        ("contract.added", row(target_type="contract", target_label="C-2026-7",
                                after={"reference": "C-2026-7", "api_rights": True,
                                       "starts_on": "2026-12-07", "ends_on": None})),
        ("contract.ended", row(target_type="contract", target_label="C-2026-7",
                                before={"ends_on": None}, after={"ends_on": "2026-12-31"})),
        ("contract.key_renewed", row(target_type="contract", target_label="C-2026-7",
                                      before={"subscription_key": "…ab12"},
                                      after={"subscription_key": "…cd34"})),
        ("customer_card.created", row(target_type="customercard",
                                       target_label=f"{CARD} (1001)", after=CARD_SNAPSHOT)),
        ("customer_card.changed", row(
            target_type="customercard", target_label=f"{CARD} (1001)",
            before={"buyer_reference_source": "your_reference", "is_government": False,
                    "einvoicing_method": "sending_profile", "country": "NL"},
            after={"buyer_reference_source": "external_document_number",
                   "is_government": True, "einvoicing_method": "e_connection", "country": "BE"})),
        ("customer_card.deleted", row(target_type="customercard",
                                       target_label=f"{CARD} (1001)", before=CARD_SNAPSHOT)),
        ("customer_cards.imported", row(target_type="importjob", target_label=FILE,
                                         after={"file": FILE, "imported": 12, "updated": 3,
                                                "unchanged": 1, "rejected": 2})),
        ("customer_import.deleted", row(target_type="importjob", target_label=FILE,
                                         before={"file": FILE, "status": "done",
                                                 "rows": 18})),
        ("sending_profile.created", row(target_type="sendingprofile", target_label=PROFILE,
                                         after=PROFILE_SNAPSHOT)),
        ("sending_profile.changed", row(
            target_type="sendingprofile", target_label=PROFILE, before=PROFILE_SNAPSHOT,
            after={**PROFILE_SNAPSHOT, "processing_mode": "manual", "send_via_peppol": False,
                   "field_mapping": {"YourReference": "cac:OrderReference/cbc:ID"}})),
        ("sending_profile.deleted", row(target_type="sendingprofile", target_label=PROFILE,
                                         before={**PROFILE_SNAPSHOT, "customer_cards": 4})),
        ("sending_profile.made_default", row(
            target_type="sendingprofile", target_label=PROFILE, before={"default": None},
            after={"default": PROFILE, "customers_without_profile": 7,
                   "of_which_not_reachable": 2})),
        ("sending_profile.default_removed", row(target_type="sendingprofile",
                                                 target_label=PROFILE,
                                                 before={"default": PROFILE},
                                                 after={"default": None})),
        ("entra.identity_linked", row(target_type="entraidentity", target_label=ENTRA,
                                       after={"tenant_id": TENANT, "object_id": OBJECT_ID,
                                              "username": ENTRA})),
        ("entra.identity_unlinked", row(target_type="entraidentity", target_label=ENTRA,
                                         before={"tenant_id": TENANT, "object_id": OBJECT_ID,
                                                 "username": ENTRA})),
        ("party_link.requested", row(target_type="partylinkrequest", **party_link,
                                      after={"broker": "production", "tenant_id": TENANT,
                                             "entra_username": ENTRA,
                                             "organizations": [f"{ORG} (12345678)"]})),
        ("party_link.withdrawn", row(target_type="partylinkrequest", **party_link,
                                      before={"status": "pending"},
                                      after={"status": "withdrawn"})),
        ("party_link.approved", row(
            target_type="partylinkrequest", **party_link, before={"status": "pending"},
            after={"status": "partly_approved", "reason": "", "approved": [
                f"{COMPANY_ID} send=True receive=True remove=False status=False hooks=False",
                f"{COMPANY_ID} send=False receive=True remove=True status=True hooks=True"]})),
        # Recorded before the label kept its day as a message, and before each right was
        # its own.
        ("party_link.approved", row(
            target_type="partylinkrequest", target_label=f"{ENTRA} (2026-12-07)",
            before={"status": "pending"},
            after={"status": "approved", "reason": "",
                   "approved": [f"{COMPANY_ID} send=True receive=False"]})),
        ("party_link.rejected", row(target_type="partylinkrequest", **party_link,
                                     before={"status": "pending"},
                                     after={"status": "rejected",
                                            "reason": "Unknown organization",
                                            "approved": []})),
        ("party_link.granted", row(target_type="organization", target_label=ORG,
                                    after={**LINK, **RIGHTS})),
        ("party_link.changed", row(target_type="organization", target_label=ORG,
                                    before={name: not value for name, value in RIGHTS.items()},
                                    after={**LINK, **RIGHTS})),
        ("party_link.sending_switched", row(target_type="organization", target_label=ORG,
                                             before={"sending_enabled": False},
                                             after={**LINK, "sending_enabled": True})),
        ("party_link.revoked", row(target_type="organization", target_label=ORG,
                                    before={"revoked": False},
                                    after={**LINK, "revoked": True})),
        ("integration.started", row(target_type="integrationrun",
                                     target_label="AFAS – Acme Trading BV",
                                     after={"setup": "afas", "organization": COMPANY_ID})),
        ("integration.completed", row(target_type="integrationrun",
                                       target_label="AFAS – Acme Trading BV",
                                       after={"setup": "afas"})),
        ("integration.handed_over", row(target_type="integrationrun",
                                         target_label="AFAS – Acme Trading BV",
                                         after={"setup": "afas", "to": BAS})),
        *[(action, row(target_type="integrationrun", target_label="AFAS – Acme Trading BV",
                        after={"setup": "afas", "step": "keys"}))
          for action in ("integration.step_broken", "integration.step_confirmed",
                         "integration.step_skipped")],
        ("upgrade.requested", row(target_type="upgraderequest",
                                   target_label=f"{ENV} → Professioneel",
                                   after={"subscription": "professional",
                                          "api_contract": True})),
        ("upgrade.approved", row(target_type="upgraderequest",
                                  target_label=f"{ENV} → Professional",
                                  before={"status": "pending"},
                                  after={"status": "approved", "subscription": "professional",
                                         "contract": "C-2026-7"})),
        ("upgrade.declined", row(target_type="upgraderequest",
                                  target_label=f"{ENV} → Professional",
                                  before={"status": "pending"},
                                  after={"status": "declined", "subscription": "basic",
                                         "answer": "Not now"})),
        ("document.deleted", row(target_type="document", target_label="F-2026-001",
                                  before={"status": "downloaded", "direction": "incoming",
                                          "delivery_id": DELIVERY_ID})),
    ]
    yield from document_samples()


SAMPLES = list(samples())


def test_it_has_a_sample_for_every_action_the_log_knows():
    assert sorted((set(ACTIONS) | recorded_actions()) - {action for action, _e in SAMPLES}) \
        == []


# Every letter a translation gives turned into its full-width form, the placeholders kept:
# what is left in plain letters came from no translation.
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdfr]|%[sdfr%]|\{[^{}]*\}")


def _wide(part: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in part)


def pseudo(message: str) -> str:
    parts, last = [], 0
    for placeholder in PLACEHOLDER.finditer(message):
        parts += [_wide(message[last:placeholder.start()]), placeholder.group()]
        last = placeholder.end()
    return "".join([*parts, _wide(message[last:])])


@pytest.fixture
def marked_dutch(monkeypatch):
    """Dutch, with every translated letter marked."""
    with translation.override("nl"):
        trans = translation._trans
        for name in ("gettext", "pgettext", "ngettext", "npgettext"):
            real = getattr(trans, name)
            monkeypatch.setattr(trans, name,
                                lambda *args, _real=real: pseudo(_real(*args)))
        yield


def written_out(event) -> str:
    lines = [action_name(event.action), sentence(event)]
    for label, before, after in changes(event):
        # As the list shows them: what was before struck out, when there was something.
        lines.append(f"{label}: {after}" if before is None else f"{label}: {before} → {after}")
    return "\n".join(lines)


@pytest.mark.parametrize("action, fields", SAMPLES,
                         ids=[f"{action}-{n}" for n, (action, _f) in enumerate(SAMPLES)])
def test_it_writes_every_action_and_its_details_through_translations(
        marked_dutch, cast, action, fields):
    event = AuditEvent(environment=cast.company, actor_label=ANNA, action=action, **fields)

    shown = written_out(event)

    rest = shown
    for data in DATA:
        rest = rest.replace(data, " ")
    untranslated = re.findall(r"[A-Za-z_]+|\w=\w", rest)
    assert untranslated == [], shown
    assert not re.search(r"\d{4}-\d{2}-\d{2}", rest), shown
    # Every placeholder of the sentence is filled by what the sample recorded.
    assert "—" not in sentence(event), shown


def dutch_page(client, cast, path="/activity/", **query):
    cast.admin.language = "nl"
    cast.admin.save()
    client.force_login(cast.admin)
    return " ".join(page_text(client.get(path, {"kind": "all", **query})).split())


def test_it_writes_the_rows_the_walker_found_in_english_in_dutch(client, cast):
    def add(action, **fields):
        AuditEvent.objects.create(environment=cast.company, actor_label=ANNA, action=action,
                                  **fields)

    add("upgrade.approved", target_type="upgraderequest", target_label="acme.nl → Professional",
        before={"status": "pending"},
        after={"status": "approved", "subscription": "professional", "contract": None})
    add("party_link.approved", target_type="partylinkrequest",
        target_label=f"{ENTRA} (2026-12-07)", before={"status": "pending"},
        after={"status": "approved", "reason": "", "approved": [
            f"{COMPANY_ID} send=True receive=True remove=False status=False hooks=False"]})
    add("party_link.granted", target_type="organization", target_label=ORG,
        after={**LINK, **RIGHTS})

    page = dutch_page(client, cast)

    assert "Status Wacht op Sales → Goedgekeurd" in page
    assert f"Goedgekeurd {COMPANY_ID} mag: verzenden, ontvangen" in page
    assert "Mag ontvangen ja" in page and "Mag documentstatus wijzigen ja" in page
    assert "Mag documenten verwijderen nee" in page and "Mag webhooks beheren nee" in page
    for raw in ("pending", "approved", "send=", "True", "False", "Can change status",
                "Can manage hooks", "Can remove", "2026-12-07"):
        assert raw not in page, raw


def test_it_writes_the_day_of_a_party_link_request_as_the_reader_writes_days(client, cast):
    identity = EntraIdentity.objects.create(tenant_id=TENANT, object_id=OBJECT_ID,
                                            user=cast.admin, username=ENTRA)
    organization = Organization.create(environment=cast.company, by=cast.admin, name=ORG)
    link_request = PartyLinkRequest.submit(identity=identity, by=cast.admin,
                                           environment=cast.company, broker="production",
                                           entra_username=ENTRA, organizations=[organization])
    PartyLinkRequest.objects.filter(pk=link_request.pk).update(
        requested_at=datetime(2026, 12, 7, 10, tzinfo=UTC))
    link_request.refresh_from_db()
    link_request.reject(cast.techsupport, "Unknown organization")
    # Recorded before the label was kept as a message: only its text.
    AuditEvent.objects.create(environment=cast.company, actor_label="support@portal.example",
                              action="party_link.withdrawn", target_type="partylinkrequest",
                              target_label=f"{ENTRA} (2026-11-30)")

    with translation.override("nl"):
        dutch_day, dutch_old = date_format(date(2026, 12, 7)), date_format(date(2026, 11, 30))
    page = dutch_page(client, cast)
    cast.techsupport.language = "nl"
    cast.techsupport.save()
    client.force_login(cast.techsupport)
    staff_page = " ".join(page_text(client.get(f"/staff/environments/{cast.company.pk}/")).split())

    assert f"Koppelverzoek van {ENTRA} ({dutch_day}) afgewezen." in page
    assert f"({dutch_old})" in page
    assert f"Koppelverzoek van {ENTRA} ({dutch_day}) afgewezen." in staff_page
    assert "2026-12-07" not in page and "2026-12-07" not in staff_page
    assert "2026-11-30" not in page


def test_it_says_in_dutch_what_techsupport_granted_each_organization(client, cast):
    identity = EntraIdentity.objects.create(tenant_id=TENANT, object_id=OBJECT_ID,
                                            user=cast.admin, username=ENTRA)
    organization = Organization.create(environment=cast.company, by=cast.admin, name=ORG)
    Organization.objects.filter(pk=organization.pk).update(status=Organization.Status.ACTIVE)
    link_request = PartyLinkRequest.submit(identity=identity, by=cast.admin,
                                           environment=cast.company, broker="production",
                                           entra_username=ENTRA, organizations=[organization])
    link_request.decide(cast.techsupport, {link_request.items.get().pk: (organization, {
        "can_send": True, "can_receive": False, "can_remove": True,
        "can_change_status": False, "can_manage_hooks": True})})

    page = dutch_page(client, cast)

    assert (f"Goedgekeurd {organization.company_id} mag: verzenden, documenten verwijderen, "
            "webhooks beheren") in page
    assert "Mag documenten verwijderen ja" in page and "Mag webhooks beheren ja" in page
    assert "Mag documentstatus wijzigen nee" in page
    for raw in ("send=", "True", "False", "Can ", "Broker", "production"):
        assert raw not in page, raw
