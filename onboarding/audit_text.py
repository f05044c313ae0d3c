"""The activity log in words: each recorded action as a sentence, each stored value as a
person reads it, in the reader's language.

An action recorded anywhere (`record(action="...")`) gets a line in ACTIONS: a short name for
the filter and a sentence. A sentence may use %(actor)s, %(object)s (the target as recorded),
every key of the event's `after` by its name and every key of its `before` as before_<key>,
each already written out by `value_text`. A key's label for the details comes from FIELDS,
else from the target model's field of that name; a value that is a choice is written as its
label, from CHOICES, else from that field's choices. `tests/onboarding/test_activity_sentences.py`
fails for an action recorded in the code without a line here, and
`tests/onboarding/test_activity_in_dutch.py` for one without a sample there: it writes every
action's sample out and finds any key, code or English word that was not translated.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import BuyerReferenceSource, EInvoicingMethod, ProcessingMode
from invoices.models.documents import Direction, Status
from onboarding.models.entra import RIGHTS, BrokerEnvironment, PartyLinkRequest
from onboarding.models.environments import Invitation, Role, Subscription
from onboarding.models.organizations import (
    Country,
    Organization,
    OrganizationIdentifier,
    OrganizationMember,
)
from onboarding.models.partnerships import AuthorisationRequest, Software
from portal.said import render
from portal.text import one_full_stop
from webhooks.models import Topic

# action: (short name, sentence)
ACTIONS = {
    "environment.created": (_("Environment created"), _("Created the environment %(name)s.")),
    "environment.changed": (_("Environment changed"),
                            _("Changed the settings of the environment %(object)s.")),
    "environment.subscription_changed": (
        _("Subscription changed"), _("Changed the subscription to %(subscription)s.")),
    "member.joined": (_("User joined"), _("Joined the environment as %(role)s.")),
    "member.role_changed": (_("User role changed"),
                            _("Changed the role of %(member)s from %(before_role)s to %(role)s.")),
    "member.removed": (_("User removed"),
                       _("Removed %(before_email)s (%(before_role)s) from the environment.")),
    "invitation.sent": (_("Invitation sent"), _("Invited %(email)s as %(role)s.")),
    "invitation.revoked": (_("Invitation withdrawn"),
                           _("Withdrew the invitation of %(invitee)s.")),
    "invitation.accepted": (_("Invitation accepted"),
                            _("Accepted the invitation and joined as %(role)s.")),
    "organization.created": (_("Organization added"), _("Added the organization %(name)s.")),
    "organization.activation_requested": (
        _("Activation requested"), _("Asked TechSupport to activate %(object)s.")),
    "organization.activated": (_("Organization activated"), _("Activated %(object)s.")),
    "organization.rejected": (_("Activation refused"),
                              _("Refused to activate %(object)s.")),
    "organization.deactivated": (_("Organization deactivated"), _("Deactivated %(object)s.")),
    "organization.inbox_reminder": (_("Reminded of invoices waiting"),
                                    _("Mailed the administrators of %(object)s that received "
                                      "invoices wait to be fetched.")),
    "organization.registry_checked": (
        _("Registry number checked"),
        _("Checked registry number %(registry_number)s of %(object)s in the register.")),
    "organization.receiving": (_("Receiving decided"),
                               _("Decided about receiving for %(object)s: %(receive_decision)s.")),
    "organization.deleted": (_("Organization deleted"),
                             _("Deleted the organization %(before_name)s.")),
    "organization.member_added": (_("Organization member added"),
                                  _("Gave %(user)s the role %(role)s in %(object)s.")),
    "organization.member_role_changed": (
        _("Organization role changed"),
        _("Changed the role of %(user)s in %(object)s from %(before_role)s to %(role)s.")),
    "organization.member_removed": (_("Organization member removed"),
                                    _("Removed %(before_user)s from %(object)s.")),
    "identifier.added": (_("Identifier added"),
                         _("Added Peppol identifier %(identifier)s to %(object)s.")),
    "identifier.switched": (_("Identifier switched"),
                            _("Switched sending or receiving for %(identifier)s.")),
    "identifier.removed": (_("Identifier removed"),
                           _("Removed Peppol identifier %(before_identifier)s from %(object)s.")),
    "authorisation_request.sent": (
        _("Authorisation requested"),
        _("Asked %(client_email)s for access to the organization with KvK number "
          "%(registry_number)s.")),
    "authorisation_request.resent": (
        _("Authorisation requested again"),
        _("Asked %(client_email)s again for access to the organization with KvK number "
          "%(registry_number)s.")),
    "authorisation_request.accepted": (
        _("Authorisation accepted"),
        _("Accepted the authorisation request %(object)s.")),
    "authorisation_request.declined": (_("Authorisation declined"),
                                       _("Declined the authorisation request %(object)s.")),
    "authorisation_request.withdrawn": (_("Authorisation request withdrawn"),
                                        _("Withdrew the authorisation request %(object)s.")),
    "partnership.started": (_("Partnership started"),
                            _("Gave %(accountant)s access to %(object)s.")),
    "partnership.ended": (_("Partnership ended"), _("Ended the partnership on %(object)s.")),
    "connection_key.created": (_("Connection key created"),
                               _("Created connection key %(object)s.")),
    "connection_key.revoked": (_("Connection key revoked"),
                               _("Revoked connection key %(object)s.")),
    "connection_key.deleted": (_("Connection key deleted"),
                               _("Deleted connection key %(object)s.")),
    "webhook.created": (_("Webhook added"), _("Added webhook %(object)s.")),
    "webhook.changed": (_("Webhook changed"), _("Changed webhook %(object)s.")),
    "webhook.paused": (_("Webhook paused"), _("Paused webhook %(object)s.")),
    "webhook.resumed": (_("Webhook resumed"), _("Resumed webhook %(object)s.")),
    "webhook.secret_rotated": (_("Webhook secret renewed"),
                               _("Made a new secret for webhook %(object)s.")),
    "webhook.deleted": (_("Webhook deleted"), _("Deleted webhook %(object)s.")),
    "contract.added": (_("Contract added"), _("Added contract %(reference)s.")),
    "contract.ended": (_("Contract ended"), _("Ended contract %(object)s on %(ends_on)s.")),
    "customer_card.created": (_("Customer card added"), _("Added customer card %(object)s.")),
    "customer_card.changed": (_("Customer card changed"),
                              _("Changed customer card %(object)s.")),
    "customer_card.deleted": (_("Customer card deleted"),
                              _("Deleted customer card %(object)s.")),
    "customer_cards.imported": (_("Customer cards imported"),
                                _("Imported customer cards from %(object)s.")),
    "sending_profile.created": (_("Sending profile added"),
                                _("Added sending profile %(object)s.")),
    "sending_profile.changed": (_("Sending profile changed"),
                                _("Changed sending profile %(object)s.")),
    "sending_profile.deleted": (_("Sending profile deleted"),
                                _("Deleted sending profile %(object)s.")),
    "sending_profile.made_default": (_("Default sending profile chosen"),
                                     _("Made %(default)s the default sending profile.")),
    "sending_profile.default_removed": (
        _("Default sending profile removed"),
        _("%(before_default)s is no longer the default sending profile.")),
    "entra.identity_linked": (_("Microsoft account linked"),
                              _("Linked the Microsoft account %(username)s.")),
    "entra.identity_unlinked": (_("Microsoft account unlinked"),
                                _("Unlinked the Microsoft account %(before_username)s.")),
    "party_link.requested": (_("Party link requested"),
                             _("Asked TechSupport to link %(entra_username)s to "
                               "%(organizations)s.")),
    "party_link.withdrawn": (_("Party-link request withdrawn"),
                             _("Withdrew the party-link request of %(object)s.")),
    "party_link.approved": (_("Party-link request approved"),
                            _("Approved the party-link request of %(object)s.")),
    "party_link.rejected": (_("Party-link request rejected"),
                            _("Rejected the party-link request of %(object)s.")),
    "party_link.granted": (_("Party link granted"),
                           _("Linked %(identity)s to %(object)s.")),
    "party_link.changed": (_("Party link changed"),
                           _("Changed what %(identity)s may do for %(object)s.")),
    "party_link.sending_switched": (_("Party link sending switched"),
                                    _("Switched sending for %(identity)s on %(object)s.")),
    "party_link.revoked": (_("Party link ended"),
                           _("Ended the link of %(identity)s to %(object)s.")),
    "authorisation_request.expired": (_("Authorisation request expired"),
                                      _("The authorisation request %(object)s expired "
                                        "unanswered.")),
    "invitation.expired": (_("Invitation expired"),
                           _("The invitation %(object)s expired unanswered.")),
    "connection_key.changed": (_("Connection key changed"),
                               _("Changed the connection key %(object)s.")),
    "connection_key.tested": (_("Connection tested"),
                              _("The software tested its connection with key %(object)s.")),
    "connection_key.used": (_("Connection key first used"),
                            _("The software first called the platform with key %(object)s.")),
    "connection_key.inbox_fetched": (_("Inbox first fetched"),
                                     _("The software first fetched the inbox with key "
                                       "%(object)s.")),
    "contract.key_renewed": (_("Subscription key renewed"),
                             _("Gave contract %(object)s a new subscription key.")),
    "customer_import.deleted": (_("Customer import deleted"),
                                _("Deleted the customer import %(object)s.")),
    "document.created": (_("Document stored"), _("Stored document %(object)s.")),
    "document.refused": (_("Document refused"), _("Refused document %(object)s.")),
    "document.queued": (_("Document accepted for sending"),
                        _("Accepted document %(object)s for sending.")),
    "document.delivered": (_("Document delivered"), _("Delivered document %(object)s.")),
    "document.delivery_failed": (_("Delivery failed"),
                                 _("Could not deliver document %(object)s.")),
    "document.received": (_("Document received"), _("Received document %(object)s.")),
    "document.duplicate": (_("Possible duplicate received"),
                           _("Received document %(object)s, a possible duplicate.")),
    "document.downloaded": (_("Document downloaded"), _("Downloaded document %(object)s.")),
    "document.opened": (_("Document opened"), _("Opened document %(object)s.")),
    "document.under_review": (_("Document under review"),
                              _("Set document %(object)s under review.")),
    "document.approved": (_("Document approved"), _("Approved document %(object)s.")),
    "document.approved_for_payment": (_("Document approved for payment"),
                                      _("Approved document %(object)s for payment.")),
    "document.payment_started": (_("Payment started"),
                                 _("Started the payment of document %(object)s.")),
    "document.paid": (_("Document paid"), _("Marked document %(object)s as paid.")),
    "document.rejected": (_("Document rejected"), _("Rejected document %(object)s.")),
    "document.deleted": (_("Document deleted"), _("Deleted the received document %(object)s.")),
    "identifier.verified": (_("Identifier verified"),
                            _("Verified the ownership of the identifiers of %(object)s.")),
    "identifier.rejected": (_("Identifier rejected"),
                            _("Did not verify %(identifier)s of %(object)s: it could not be "
                              "shown to be theirs.")),
    "integration.started": (_("Guided setup started"), _("Started the guided setup %(object)s.")),
    "integration.completed": (_("Guided setup completed"),
                              _("Completed the guided setup %(object)s.")),
    "integration.handed_over": (_("Guided setup handed over"),
                                _("Handed the guided setup %(object)s over.")),
    "integration.step_broken": (_("Setup step broken"),
                                _("A step of the guided setup %(object)s is no longer true.")),
    "integration.step_confirmed": (_("Setup step confirmed"),
                                   _("Confirmed a step of the guided setup %(object)s.")),
    "integration.step_skipped": (_("Setup step skipped"),
                                 _("Skipped a step of the guided setup %(object)s.")),
    # The subscription as recorded, in the reader's language (the object's name holds the
    # label in the language of whoever asked).
    "upgrade.requested": (_("Upgrade requested"),
                          _("Asked Sales for the %(subscription)s subscription.")),
    "upgrade.approved": (_("Upgrade approved"), _("Approved the upgrade to %(subscription)s.")),
    "upgrade.declined": (_("Upgrade declined"), _("Declined the upgrade to %(subscription)s.")),
}

# Stored key: its label in the details.
FIELDS = {
    "accountant": _("Accountant"),
    "answer": _("Answer"),
    "api_contract": _("Contract with API rights"),
    "api_rights": _("API rights"),
    "app_key": _("App Key"),
    "approved": _("Approved"),
    "broker": _("Service broker environment"),
    "buyer_reference_source": _("BuyerReference comes from"),
    "can_change_status": capfirst(_("may change document status")),
    "can_manage_hooks": capfirst(_("may manage webhooks")),
    "can_receive": _("May receive"),
    "can_remove": capfirst(_("may remove documents")),
    "can_send": _("May send"),
    "client_email": _("Client's email address"),
    "company_id": _("Bedrijfs-ID"),
    "contract": _("Contract"),
    "country": _("Country"),
    "customer_cards": _("Customer cards"),
    "customer_number": _("Customer number"),
    "customers_without_profile": _("Customers without a sending profile"),
    "default": _("Default sending profile"),
    "delivery_id": _("Delivery ID"),
    "description": _("Description"),
    "detail": _("Explanation"),
    "direction": _("Direction"),
    "domain": _("Domain"),
    "einvoicing_method": _("E-invoicing method"),
    "email": _("Email address"),
    "endpoint_scheme": _("Endpoint-ID scheme"),
    "endpoint_value": _("Endpoint-ID"),
    "ends_on": _("Ends on"),
    "entra_username": _("Microsoft account"),
    "field_mapping": _("Field mapping"),
    "file": _("File"),
    "identifier": _("Peppol identifier"),
    "identifiers": _("Peppol identifiers"),
    "identity": _("Microsoft account"),
    "imported": _("Imported"),
    "invoice_email": _("Invoice email"),
    "is_government": _("Government customer"),
    # A connection key's own description.
    "label": _("Description"),
    "legal_scheme": _("Legal ID scheme"),
    "legal_value": _("Legal ID"),
    "name": _("Name"),
    "object_id": _("Object ID"),
    "of_which_not_reachable": _("Of which not reachable on Peppol"),
    "oldest": _("Oldest arrived"),
    "organization": _("Organization"),
    "organizations": _("Organizations"),
    "processing_mode": _("Processing mode"),
    "reason": _("Reason"),
    "receive": _("Receive"),
    "receive_decision": _("Receiving"),
    "reference": _("Reference"),
    "registry_checked": _("Checked in the register"),
    "registry_number": _("Registry number"),
    "rejected": _("Rejected"),
    "requester_name": _("Requester"),
    "requester_role": _("Requester's role"),
    "revoked": _("Ended"),
    "role": _("Role"),
    "rows": _("Rows"),
    "send": _("Send"),
    "send_via_peppol": _("Send via Peppol"),
    "sending_enabled": _("Sending switched on"),
    "sending_profile": _("Sending profile"),
    "setup": _("Integration"),
    "software": _("Software"),
    "starts_on": _("Starts on"),
    "status": _("Status"),
    "step": _("Step"),
    "subscription": _("Subscription"),
    "subscription_key": _("Subscription key"),
    "tenant_id": _("Tenant ID"),
    "test": _("Test event"),
    "to": capfirst(_("handed to")),
    "topics": _("Topics"),
    "unchanged": _("Unchanged"),
    "updated": _("Updated"),
    "url": _("Target URL"),
    "user": _("User"),
    "username": _("Microsoft account"),
    "verification": _("Verification"),
    "via": _("How"),
    "waiting": _("Invoices waiting"),
}

# Stored codes written as their labels: by key, or by the target's type and key.
CHOICES = {
    "role": [Role, OrganizationMember.OrgRole],
    "subscription": [Subscription],
    "software": [Software],
    "receive_decision": [Organization.ReceiveDecision],
    "country": [Country],
    "broker": [BrokerEnvironment],
    ("organization", "status"): [Organization.Status],
    ("document", "status"): [Status],
    "direction": [Direction],
    "buyer_reference_source": [BuyerReferenceSource],
    "einvoicing_method": [EInvoicingMethod],
    "processing_mode": [ProcessingMode],
    "topic": [Topic],
    "verification": [OrganizationIdentifier.Verification],
    # How TechSupport verified an identifier; how a member joined is in VIA.
    "via": [OrganizationIdentifier.VerifiedVia],
    ("invitation", "status"): [Invitation.Status],
    ("authorisationrequest", "status"): [AuthorisationRequest.Status],
    ("partylinkrequest", "status"): [PartyLinkRequest.Status],
}
VIA = {
    "founder": _("founded the environment"),
    "domain": _("signed up with an address on the company's domain"),
    "invitation": _("by invitation"),
    "staff": _("added by platform staff"),
}
# Actions whose sentence depends on what was recorded: (action, key value) -> sentence.
VARIANTS = {
    ("member.joined", "founder"): _("Founded the environment and joined it as %(role)s."),
    ("member.joined", "domain"): _("Joined as %(role)s by signing up with an address on the "
                                   "company's domain."),
    ("member.joined", "invitation"): _("Joined as %(role)s by invitation."),
    ("member.joined", "staff"): _("Added %(email)s to the environment as %(role)s."),
    ("identifier.verified", "techsupport"): _("Verified that %(identifier)s is an identifier "
                                              "of %(object)s."),
    ("identifier.verified", "activation"): _("Verified %(identifiers)s of %(object)s with the "
                                             "activation."),
    ("identifier.switched", "send", True): _("Switched sending on for %(identifier)s."),
    ("identifier.switched", "send", False): _("Switched sending off for %(identifier)s."),
    ("identifier.switched", "receive", True): _("Switched receiving on for %(identifier)s."),
    ("identifier.switched", "receive", False): _("Switched receiving off for %(identifier)s."),
}
ON_OFF_KEYS = {"send", "receive", "send_via_peppol", "api_rights"}
SWITCHED = {"send": "send", "can_send": "send", "receive": "receive", "can_receive": "receive"}
# The party-link decision's list, as recorded: "XCNL00000001 send=True receive=False", and
# since each right is its own, "... remove=False status=False hooks=False" too.
GRANT = re.compile(r"^(?P<who>\S+)(?P<rights>(?: [a-z_]+=(?:True|False))+)$")
GRANTED = re.compile(r"([a-z_]+)=(True|False)")
# The names that list gives the rights (PartyLinkRequest.decide), by the rights' fields.
GRANT_RIGHTS = {"send": "can_send", "receive": "can_receive", "remove": "can_remove",
                "status": "can_change_status", "hooks": "can_manage_hooks"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Targets whose label held the day in ISO form ("anna@acme.nl (2026-12-07)") before it was
# stored as a message too (`target_said`).
DATED_TARGETS = {"partylinkrequest"}
DATED_LABEL = re.compile(r"^(?P<name>.+) \((?P<day>\d{4}-\d{2}-\d{2})\)$")


# The platform's own parts, as stored after "system: " in an actor label.
SYSTEM_PARTS = {
    "validation": _("validation"),
    "sender check": _("sender check"),
    "routing": _("routing"),
    "Peppol AS4": _("Peppol AS4"),
    "email": _("email"),
}


def actor_text(label: str) -> str:
    """Who acted, as stored ("system", "system: routing", an address), in the reader's
    language."""
    if label == "system":
        return gettext("the system")
    if label == "schedule":
        # What the workers do on a schedule: expiring invitations, reminders.
        return gettext("the scheduler")
    kind, colon, part = label.partition(": ")
    if kind == "system" and colon:
        return gettext("the system (%(part)s)") % {"part": SYSTEM_PARTS.get(part, part)}
    return label


def action_name(action: str) -> str:
    entry = ACTIONS.get(action)
    if entry is not None:
        return str(entry[0])
    return action.replace("_", " ").replace(".", ": ").capitalize()


@cache
def _models() -> dict:
    return {model._meta.model_name: model for model in apps.get_models()}


def model_field(target_type: str, key: str):
    """The field `key` of the target's model, for a detail FIELDS or CHOICES do not name
    (an upgrade request's status); None when it has none."""
    model = _models().get(target_type)
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "verbose_name", None) else None


def field_label(key: str, target_type: str = "") -> str:
    label = FIELDS.get(key)
    if label is not None:
        return str(label)
    field = model_field(target_type, key)
    if field is not None:
        return capfirst(str(field.verbose_name))
    return key.replace("_", " ").capitalize()


def target_text(event) -> str:
    """What the event happened to, as recorded, in the reader's language: said again where a
    message was stored with the label; the ISO day in a label recorded before that is
    written as the reader writes days."""
    if event.target_said:
        return render(event.target_said, event.target_label)
    label = event.target_label
    dated = DATED_LABEL.match(label) if event.target_type in DATED_TARGETS else None
    if dated is None:
        return label
    try:
        day = dt.date.fromisoformat(dated["day"])
    except ValueError:
        return label
    return gettext("%(username)s (%(day)s)") % {"username": dated["name"],
                                                 "day": formats.date_format(day)}


def _grant_text(grant: re.Match) -> str:
    """A party link as the decision recorded it: the organization and what it may do."""
    given = {GRANT_RIGHTS.get(name, name) for name, value in GRANTED.findall(grant["rights"])
             if value == "True"}
    known = {name for name, _label in RIGHTS}
    rights = [str(label) for name, label in RIGHTS if name in given]
    rights += sorted(given - known)
    return gettext("%(identity)s may: %(rights)s") % {"identity": grant["who"],
                                                       "rights": ", ".join(rights) or "—"}


def value_text(key: str, value, target_type: str = "", recorded: dict | None = None) -> str:
    """`value` written out; `recorded` is the rest of what the event recorded, for a value
    that needs it (a step is named by its setup)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        if key in ON_OFF_KEYS:
            return gettext("on") if value else gettext("off")
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list | tuple):
        items = [value_text(key, item, target_type) for item in value]
        # Items that are lists themselves ("XCNL00000001 may: send, receive") part by
        # semicolons.
        return ("; " if any(", " in item for item in items) else ", ").join(items) or "—"
    if isinstance(value, dict) and "id" in value:
        return render(value)
    if isinstance(value, dict) and key == "field_mapping":
        # The ERP's own field names, as the profile's form writes them.
        return "; ".join(f"{erp} = {ubl}" for erp, ubl in value.items()) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{field_label(k, target_type)}: {value_text(k, v, target_type)}"
                         for k, v in value.items()) or "—"
    text = str(value)
    if key == "via" and text in VIA:
        return str(VIA[text])
    if key == "setup":
        from onboarding.integrations.registry import get

        setup = get(text)
        return str(setup.name) if setup is not None else text
    if key == "step":
        from onboarding.integrations.registry import get

        setup = get((recorded or {}).get("setup", ""))
        step = setup.step(text) if setup is not None else None
        return str(step.title) if step is not None else text
    if key == "topics":
        return ", ".join(value_text("topic", topic) for topic in text.split(", "))
    for choices in CHOICES.get((target_type, key), CHOICES.get(key, [])):
        if text in choices.values:
            return str(choices(text).label)
    field = model_field(target_type, key)
    if field is not None and field.choices:
        labels = dict(field.flatchoices)
        if text in labels:
            return str(labels[text])
    grant = GRANT.match(text)
    if grant:
        return _grant_text(grant)
    if ISO_DATE.match(text):
        try:
            return formats.date_format(dt.date.fromisoformat(text))
        except ValueError:
            return text
    return text


EMPTY = (None, "", [], {})


class _Values(dict):
    """Placeholders a sentence names but the event did not record read as a dash."""

    def __missing__(self, key):
        return "—"


def sentence(event) -> str:
    entry = ACTIONS.get(event.action)
    if entry is None:
        return action_name(event.action) + (f": {target_text(event)}"
                                            if event.target_label else "")
    values = _Values(actor=event.actor_label or gettext("the system"),
                     object=target_text(event) or "—")
    for key, value in (event.before or {}).items():
        values[f"before_{key}"] = value_text(key, value, event.target_type)
    for key, value in (event.after or {}).items():
        values[key] = value_text(key, value, event.target_type, event.after)
    after, before = event.after or {}, event.before or {}
    # A membership is recorded as "email (Role)", an invitation as "email → environment";
    # the sentences name the person and write the role themselves.
    values["member"] = (after.get("email") or before.get("email")
                        or event.target_label.split(" (")[0])
    values["invitee"] = event.target_label.split(" → ")[0]
    variant = VARIANTS.get((event.action, after.get("via")))
    # A switch is recorded under the identifier's field (can_send, can_receive); entries of
    # before that name the direction itself (send, receive) read the same.
    for key, direction in SWITCHED.items():
        if key in after:
            variant = variant or VARIANTS.get((event.action, direction, after[key]))
    return one_full_stop(str(variant or entry[1]) % values)


def changes(event) -> list[tuple[str, str | None, str]]:
    """(label, before or None, after) for each value that differs, written out."""
    rows = []
    for key, before, after in event.changes:
        if before in EMPTY and after in EMPTY:
            # Recorded empty on one side and not at all on the other (no reason given).
            continue
        rows.append((
            field_label(key, event.target_type),
            value_text(key, before, event.target_type, event.before) if before is not None
            else None,
            value_text(key, after, event.target_type, event.after),
        ))
    return rows
