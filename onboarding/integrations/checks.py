"""Checks against the platform's real state. Each takes the run's Facts and answers a Result:
whether the step holds now, why not in the user's words, and what event made it true."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.db.models import Exists, OuterRef, Q, prefetch_related_objects
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from onboarding.models import (
    ConnectionKey,
    Organization,
    OrganizationIdentifier,
    Software,
    Subscription,
)
from onboarding.models.connection_keys import subscription_refusal
from onboarding.models.subscriptions import upgrade_url
from portal.text import one_full_stop

# API31 faults that a wrong "Generieke webservice naamruimten" setting causes.
NAMESPACE_FAULTS = ("envelope-namespace", "malformed-xml")
# The run's fact that keeps the last call the platform refused with a known App Key of the
# setup's software (see receivers.key_refused).
KEY_REFUSAL = "key_refusal"


@dataclass(frozen=True)
class Action:
    """Where in the portal the user does what a step that does not hold asks for."""

    label: str
    url: str
    # A page or part only users working in this environment use (receiving, the plan): not an
    # accountant working for the organization from another environment.
    environment_id: int | None = None


@dataclass
class Result:
    ok: bool
    message: str = ""
    items: list[str] = field(default_factory=list)
    advice: str = ""
    event: str = ""
    at: datetime | None = None
    # The user confirms this step themselves; `ok` then comes from their statement.
    statement: bool = False
    action: Action | None = None

    def __post_init__(self):
        # Messages often end in an organization's name, which may end in "B.V.".
        self.message = one_full_stop(str(self.message))


def _organization_page(organization, part: str, label: str, *, own: bool = False) -> Action:
    """A part of the organization's page: status, receiving or identifiers. `own`: only its
    own administrators do it (receiving, which is charged), not its accountant."""
    return Action(label, reverse("onboarding:organization_detail", args=[organization.pk])
                  + f"#{part}", environment_id=organization.environment_id if own else None)


def _upgrade(environment, subscription: str = "", api_contract: bool = False) -> Action:
    return Action(_("Ask Sales for an upgrade"), upgrade_url(subscription, api_contract),
                  environment_id=environment.pk)


def _document_page(document) -> Action:
    return Action(_("Open invoice %(number)s") % {"number": document.number or document.pk},
                  document.get_absolute_url())


def delivered_statuses() -> frozenset:
    """The statuses a sent document has only once it was delivered: Delivered, and what the
    sender's copy shows as the receiver deals with it (opened, under review, paid), rejected
    by the receiver included (the platform's own refusal is Refused)."""
    from invoices.models import Status
    from invoices.models.documents import SENDER_SEES

    return frozenset({Status.DELIVERED, Status.REJECTED, *SENDER_SEES, *SENDER_SEES.values()})


def _first_delivered_or_latest(documents):
    # The UBL is read only by the checks that look inside it (_has_empty_line).
    documents = documents.defer("content")
    return (documents.filter(status__in=delivered_statuses()).order_by("id").first()
            or documents.order_by("-id").first())


class Facts:
    """What the checks of one run read, each looked up once per showing."""

    def __init__(self, run, setup, organization=None):
        self.run = run
        self.setup = setup
        # Read afresh: a subscription or status changed a moment ago counts at once. A page
        # of runs passes the organization it has just read with them.
        self.organization = organization or Organization.objects.select_related(
            "environment").get(pk=run.organization_id)
        self.environment = self.organization.environment

    @classmethod
    def of_runs(cls, runs) -> list[Facts]:
        """The facts of a page of runs (read with their organizations and environments), for
        each run in turn. What the first steps read (identifiers, keys, the default sending
        profile) is read for all of them at once, one query each rather than one per run;
        what later steps read, only a run that gets that far reads."""
        from customers.models import SendingProfile

        organizations = {run.organization_id: run.organization for run in runs}
        prefetch_related_objects(list(organizations.values()), "identifiers")
        keys = defaultdict(list)
        for key in ConnectionKey.objects.filter(organization__in=list(organizations)).order_by(
                "-created_at", "-id"):
            keys[key.organization_id, key.software].append(key)
        defaults = {profile.organization_id: profile for profile in SendingProfile.objects
                    .filter(organization__in=list(organizations), is_default=True)}
        facts = []
        for run in runs:
            one = cls(run, run.definition, organizations[run.organization_id])
            held = keys[run.organization_id, one.setup.software]
            # What the properties of the same names would read, newest first.
            one.keys = [key for key in held if key.revoked_at is None]
            one.revoked_key = max((key for key in held if key.revoked_at is not None),
                                  key=lambda key: key.revoked_at, default=None)
            one.default_profile = defaults.get(run.organization_id)
            facts.append(one)
        return facts

    @cached_property
    def keys(self) -> list[ConnectionKey]:
        """The usable keys for this setup's software, newest first: one set for each of the
        software's environments (AFAS, for one, takes a set per environment)."""
        return list(ConnectionKey.objects.filter(organization=self.organization,
                                                 software=self.setup.software,
                                                 revoked_at__isnull=True)
                    .order_by("-created_at", "-id"))

    @property
    def key(self) -> ConnectionKey | None:
        """The newest usable key: the one whose values the setup shows."""
        return self.keys[0] if self.keys else None

    @cached_property
    def revoked_key(self) -> ConnectionKey | None:
        return (ConnectionKey.objects.filter(organization=self.organization,
                                             software=self.setup.software,
                                             revoked_at__isnull=False)
                .order_by("-revoked_at").first())

    @cached_property
    def test_document(self):
        """The invoice that answers "was a test invoice sent?" for the software's keys: the
        first one delivered, or else the latest, so that one sent again after a refusal
        counts."""
        from invoices.models import Direction, Document

        if not self.keys:
            return None
        return _first_delivered_or_latest(Document.objects.filter(
            organization=self.organization, direction=Direction.OUTGOING,
            connection_key__in=self.keys))

    @cached_property
    def other_key_document(self):
        """The latest document that came through a key made for other software since this
        setup's newest key was made: the key may have been entered in the wrong place.

        Only a key that is not in use by its own software counts: one whose software has a
        setup of its own for the organization, or that sent documents before this setup's
        newest key existed, belongs to that software, and its invoices are its own business
        (an organization runs AFAS, Accept and 4PS Construct side by side)."""
        if self.key is None:
            return None
        from invoices.models import Direction, Document
        from onboarding.integrations.registry import get
        from onboarding.integrations.runs import IntegrationRun

        sent = Document.objects.filter(organization=self.organization,
                                       direction=Direction.OUTGOING,
                                       connection_key__isnull=False)
        set_up = {setup.software for slug in IntegrationRun.objects.filter(
            organization=self.organization).exclude(pk=self.run.pk).values_list("setup",
                                                                                 flat=True)
                  if (setup := get(slug)) is not None}
        in_use = sent.filter(created_at__lt=self.key.created_at).values("connection_key")
        return (sent.filter(created_at__gte=self.key.created_at)
                .exclude(connection_key__software=self.setup.software)
                .exclude(connection_key__software__in=set_up)
                .exclude(connection_key__in=in_use)
                .select_related("connection_key").defer("content").order_by("-id").first())

    @cached_property
    def broker_document(self):
        """The service broker's test invoice for the organization: its first one delivered,
        or else its latest."""
        from invoices.models import Channel, Direction, Document

        return _first_delivered_or_latest(
            Document.objects.filter(organization=self.organization,
                                    direction=Direction.OUTGOING,
                                    channel=Channel.SERVICE_BROKER)
            .select_related("entra_identity"))

    @property
    def cards(self):
        """The organization's customer cards, unread: there may be tens of thousands, so the
        checks count them in the database and read only the few they name."""
        from customers.models import CustomerCard

        return CustomerCard.objects.filter(organization=self.organization)

    @cached_property
    def default_profile(self):
        from customers.models import SendingProfile

        return SendingProfile.objects.filter(organization=self.organization,
                                             is_default=True).first()


def subscription(facts: Facts) -> Result:
    refusal = subscription_refusal(facts.environment, facts.setup.software)
    if refusal:
        return Result(False, str(refusal),
                      action=_upgrade(facts.environment, facts.setup.minimum_subscription))
    return Result(True, _("Your %(subscription)s subscription covers this integration.")
                  % {"subscription": facts.environment.get_subscription_display()})


def api_contract(facts: Facts) -> Result:
    if facts.environment.subscription != Subscription.PROFESSIONAL:
        return Result(False, _("This integration needs a Professional subscription; this "
                               "environment has %(subscription)s.")
                      % {"subscription": facts.environment.get_subscription_display()},
                      action=_upgrade(facts.environment, Subscription.PROFESSIONAL,
                                      api_contract=True))
    if not facts.environment.entitlements.has_api_contract():
        return Result(False, _("There is no running contract with API rights. Sales enters it "
                               "and gives you its subscription key."))
    return Result(True, _("Professional, with a running contract with API rights."))


def organization_active(facts: Facts) -> Result:
    organization = facts.organization
    if not organization.is_active:
        return Result(False, _("%(name)s is %(status)s. Ask for activation on the "
                               "organization's page first.")
                      % {"name": organization.name,
                         "status": organization.get_status_display().lower()},
                      action=_organization_page(organization, "status",
                                                _("Open the organization's page")))
    identifiers = list(organization.identifiers.all())
    if not identifiers:
        return Result(False, _("%(name)s has no Peppol identifier yet. Add its KvK number, "
                               "GLN or VAT number on the organization's page.")
                      % {"name": organization.name},
                      action=_organization_page(organization, "identifiers",
                                                _("Add an identifier")))
    verified = [f"{i.scheme}:{i.value}" for i in identifiers if i.is_verified]
    rejected = [i for i in identifiers
                if i.verification == OrganizationIdentifier.Verification.REJECTED]
    unverified = [f"{i.scheme}:{i.value}" for i in identifiers
                  if not i.is_verified and i not in rejected]
    # TechSupport decided already on these: why, and what to do, rather than "wait".
    refused = " ".join(
        _("TechSupport did not verify %(identifier)s (“%(reason)s”). Change or "
          "remove it on the organization's page.")
        % {"identifier": f"{i.scheme}:{i.value}", "reason": i.rejection_reason.strip()}
        for i in rejected)
    if not verified:
        if not unverified:
            return Result(False, refused, action=_organization_page(
                organization, "identifiers", _("See the identifiers")))
        return Result(False, ngettext(
            "No Peppol identifier of %(name)s is verified yet; TechSupport verifies this one:",
            "No Peppol identifier of %(name)s is verified yet; TechSupport verifies these:",
            len(unverified)) % {"name": organization.name},
                      items=unverified, advice=refused,
                      action=_organization_page(organization, "identifiers",
                                                _("See the identifiers")))
    elsewhere = [f"{i.scheme}:{i.value}" for i in identifiers if i.registered_elsewhere]
    if elsewhere:
        return Result(False, ngettext(
            "This identifier is registered on Peppol at another access point, so invoices to "
            "it do not arrive here. An identifier is active at one access point at a time: "
            "ask the other provider (AFAS's own Peppol sending, for example) to release it.",
            "These identifiers are registered on Peppol at another access point, so invoices "
            "to them do not arrive here. An identifier is active at one access point at a "
            "time: ask the other provider (AFAS's own Peppol sending, for example) to release "
            "them.", len(elsewhere)), items=elsewhere,
                      action=_organization_page(organization, "identifiers",
                                                _("See the identifiers")))
    waiting = ngettext("Not in use until TechSupport verifies it: %(identifiers)s.",
                       "Not in use until TechSupport verifies them: %(identifiers)s.",
                       len(unverified)) % {
        "identifiers": ", ".join(unverified)} if unverified else ""
    return Result(True, ngettext("%(name)s is active with identifier %(identifiers)s.",
                                 "%(name)s is active with identifiers %(identifiers)s.",
                                 len(verified))
                  % {"name": organization.name, "identifiers": ", ".join(verified)},
                  advice=" ".join(part for part in (waiting, refused) if part))


def key_exists(facts: Facts) -> Result:
    if len(facts.keys) > 1:
        return Result(True, ngettext("%(count)d connection key for %(software)s exists and "
                                     "is not revoked: %(app_keys)s.",
                                     "%(count)d connection keys for %(software)s exist and "
                                     "are not revoked: %(app_keys)s.", len(facts.keys))
                      % {"count": len(facts.keys), "software": _software_label(facts),
                         "app_keys": _app_keys(facts.keys)},
                      event="connection_key.created", at=facts.keys[-1].created_at)
    if facts.key is not None:
        return Result(True, _("Connection key %(app_key)s exists and is not revoked.")
                      % {"app_key": facts.key.app_key},
                      event="connection_key.created", at=facts.key.created_at)
    if facts.revoked_key is not None:
        return Result(False, _("Connection key %(app_key)s was revoked on %(when)s. Create "
                               "new keys and enter them in your software.")
                      % {"app_key": facts.revoked_key.app_key,
                         "when": date_format(localtime(facts.revoked_key.revoked_at),
                                             "DATETIME_FORMAT")})
    return Result(False, _("There is no connection key for %(software)s yet. Create one "
                           "here.") % {"software": _software_label(facts)})


def _software_label(facts):
    from onboarding.models import Software

    return Software(facts.setup.software).label


def _app_keys(keys) -> str:
    return ", ".join(key.app_key for key in keys)


@dataclass(frozen=True)
class KeyMoment:
    """A step that holds once the software did something with one of its keys, as the key's
    `moment` field records it. The software keeps one set of keys per environment: the key
    that did it last is named in `done`, those that have not yet in `others`."""

    moment: str
    event: str
    done: str
    others: str

    def result(self, facts: Facts) -> Result | None:
        """The step's result once a key did it, or while there is no key; None otherwise."""
        if facts.key is None:
            return Result(False, _("Waiting for a connection key."))
        latest = max((key for key in facts.keys if getattr(key, self.moment)),
                     key=lambda key: getattr(key, self.moment), default=None)
        if latest is None:
            return None
        rest = [key for key in facts.keys if not getattr(key, self.moment)]
        return Result(True, self.done % {"app_key": latest.app_key},
                      advice=self.others % {"app_keys": _app_keys(rest)} if rest else "",
                      event=self.event, at=getattr(latest, self.moment))


TESTED = KeyMoment(
    "last_tested_at", "connection_key.tested",
    gettext_lazy("Your software tested the connection with key %(app_key)s."),
    gettext_lazy("Not tested yet with %(app_keys)s: test the connection in the environment "
                 "that holds it, or revoke a key nobody uses."))
USED = KeyMoment(
    "last_used_at", "connection_key.used",
    gettext_lazy("Your software used connection key %(app_key)s."),
    gettext_lazy("Not used yet: %(app_keys)s. Enter each set of keys in the environment it "
                 "was made for, or revoke a key nobody uses."))


def _refused_call(facts: Facts) -> Result | None:
    """The waiting step's result when the software's last call with a known App Key was
    refused: why, and what to do. Only a call with one of the usable keys counts, or one
    with an older key after the newest key was made (the software still holds the old one);
    None otherwise."""
    refusal = facts.run.facts.get(KEY_REFUSAL) or {}
    try:
        at = datetime.fromisoformat(refusal.get("at", ""))
    except ValueError:
        return None
    current = {key.app_key for key in facts.keys}
    if refusal.get("app_key") not in current and at < facts.key.created_at:
        return None
    if any(key.app_key == refusal.get("app_key") and key.last_used_at
           and key.last_used_at > at for key in facts.keys):
        return None  # the same key got in after that
    from onboarding.api.authentication import Refusal

    reason, action = refusal.get("reason"), None
    if reason == Refusal.REVOKED.value:
        why = _("the key was revoked. Enter the App Key and Secret of key %(app_key)s in "
                "%(software)s and save them.") % {"app_key": facts.key.app_key,
                                                   "software": _software_label(facts)}
    elif reason == Refusal.INACTIVE.value:
        why = _("%(name)s is not active; the software can use the platform once it is "
                "activated.") % {"name": facts.organization.name}
        action = _organization_page(facts.organization, "status",
                                    _("Open the organization's page"))
    elif reason == Refusal.PLAN.value:
        why = _("the subscription does not include API access for %(software)s.") % {
            "software": _software_label(facts)}
        action = _upgrade(facts.environment, facts.setup.minimum_subscription)
    else:
        why = _("the Secret does not match. Paste the Secret again; if it is lost, revoke "
                "the key and create a new pair.")
    local = localtime(at)
    when = date_format(local, "H:i") if local.date() == localtime().date() \
        else date_format(local, "SHORT_DATETIME_FORMAT")
    return Result(False, _("The last call with %(app_key)s at %(when)s was refused: %(why)s")
                  % {"app_key": refusal.get("app_key"), "when": when, "why": why},
                  action=action)


def key_tested(facts: Facts) -> Result:
    """The software tested the connection with one of its keys (Verbinding testen)."""
    result = TESTED.result(facts)
    if result is not None:
        return result
    failure = facts.run.facts.get("api31_failure") or {}
    refused = _refused_call(facts)
    refusal = facts.run.facts.get(KEY_REFUSAL) or {}
    if failure.get("app_key") == facts.key.app_key:
        from onboarding.api.api31 import namespace_advice
        from onboarding.api.authentication import Refusal

        if refused is not None and _later(refusal, failure):
            if refusal.get("reason") != Refusal.INVALID.value:
                # Revoked, inactive, no API access: told only to a caller with the Secret.
                return refused
            # Anyone may know an App Key: a call without the Secret does not replace the
            # reason a call with it was given, it is only noted beside it.
        else:
            refused = None
        return Result(False, _("The last connection test failed: %(message)s")
                      % {"message": failure.get("message", "")},
                      advice=" ".join(part for part in (
                          namespace_advice() if failure.get("reason") in NAMESPACE_FAULTS
                          else "", refused.message if refused else "") if part))
    if refused is not None:
        return refused
    return Result(False, _("Waiting for the test connection from your software with key "
                           "%(app_key)s.") % {"app_key": facts.key.app_key})


def key_used(facts: Facts) -> Result:
    """The software called the platform with one of its keys: the keys were entered and
    saved. For software whose guide has no connection test (AFAS, Accept)."""
    return USED.result(facts) or _refused_call(facts) or Result(
        False, _("Waiting for your software to call the platform with connection key "
                 "%(app_key)s. This step turns complete at its first call, once the keys are "
                 "entered and saved.") % {"app_key": facts.key.app_key})


def _later(first: dict | None, second: dict | None) -> bool:
    """Whether fact `first` was seen after `second` (one kept before times were kept counts
    as older)."""
    return (first or {}).get("at", "") > (second or {}).get("at", "")


def customer_cards(facts: Facts) -> Result:
    from customers.models import CardRules, CustomerCard

    rules = CardRules.of_setup(facts.setup, default_profile=facts.default_profile is not None)
    counts = facts.cards.readiness(rules)
    # A Legal ID in a scheme that starts with 9 is refused when the card is saved.
    not_ready = [f"{card.name} ({card.customer_number}): {'; '.join(card.problems(rules))}"
                 for card in facts.cards.with_problems(rules)
                 .order_by("name", "id")[:CARDS_NAMED]] if counts["not_ready"] else []
    dummy = list(facts.cards.filter(CustomerCard.DUMMY).order_by("name", "id")
                 .values_list("name", flat=True)[:CARDS_NAMED]) if counts["dummy"] else []
    advice = []
    if counts["dummy"]:
        advice.append(ngettext("%(count)d customer has no KvK number and uses the dummy "
                               "number 99999998: %(names)s.",
                               "%(count)d customers have no KvK number and use the dummy "
                               "number 99999998: %(names)s.", counts["dummy"])
                      % {"count": counts["dummy"],
                         "names": ", ".join(_first(dummy, counts["dummy"]))})
    if rules.profiles and rules.default_profile:
        advice.append(_("The sending profile %(name)s is the default: customers without Peppol "
                        "then fail too. Usually, do not set a default profile.")
                      % {"name": facts.default_profile.name})
    cards_page = reverse("customers:cards", args=[facts.organization.pk])
    if not counts["total"]:
        return Result(False, _("There are no customer cards yet. Add or import your customers "
                               "with their Endpoint-ID."), advice=" ".join(advice),
                      action=Action(_("Add or import customers"), cards_page))
    if counts["not_ready"]:
        query = urlencode({"problems": "on", "setup": facts.setup.slug})
        return Result(False, ngettext("%(ready)d of %(total)d customer card is ready. Not "
                                      "ready:",
                                      "%(ready)d of %(total)d customer cards are ready. Not "
                                      "ready:", counts["total"])
                      % {"ready": counts["total"] - counts["not_ready"],
                         "total": counts["total"]},
                      items=_first(not_ready, counts["not_ready"]), advice=" ".join(advice),
                      action=Action(_("Open the cards with problems"), f"{cards_page}?{query}"))
    return Result(True, ngettext("%(total)d customer card is ready.",
                                 "All %(total)d customer cards are ready.", counts["total"])
                  % {"total": counts["total"]}, advice=" ".join(advice))


# How many cards a step names at most; the cards page lists them all.
CARDS_NAMED = 10


def _first(names: list[str], count: int) -> list[str]:
    """`names`, the first CARDS_NAMED of `count`, and how many more there are."""
    more = count - len(names)
    if more <= 0:
        return names
    return [*names, ngettext("and %(count)d more", "and %(count)d more", more)
            % {"count": more}]


def _has_empty_line(document) -> bool:
    from invoices.peppol import xmlsafe

    root = xmlsafe.parse_xml(bytes(document.content), 10 * 1024 * 1024)
    lines = root.xpath("//*[local-name()='InvoiceLine' or local-name()='CreditNoteLine']")
    for line in lines:
        names = line.xpath("./*[local-name()='Item']/*[local-name()='Name']/text()")
        if not "".join(names).strip():
            return True
        # A line with a name and nothing to charge, such as a text line; a free item
        # (a quantity at price 0) is not empty.
        quantity = line.xpath("./*[local-name()='InvoicedQuantity' or "
                              "local-name()='CreditedQuantity']/text()")
        amount = line.xpath("./*[local-name()='LineExtensionAmount']/text()")
        if _zero(quantity) and _zero(amount):
            return True
    return False


def _zero(values) -> bool:
    try:
        return not values or Decimal(values[0].strip() or "0") == 0
    except InvalidOperation:
        return False


def test_invoice(facts: Facts, *, empty_lines: bool = False) -> Result:
    document = facts.test_document
    if document is None and facts.key is None:
        return Result(False, _("Waiting for a connection key."))
    if document is None and facts.other_key_document is not None:
        other = facts.other_key_document
        return Result(False, _("Invoice %(number)s came with connection key %(other)s, made "
                               "for %(other_software)s, not with this setup's key "
                               "%(app_key)s. Enter key %(app_key)s in %(software)s and send "
                               "the test invoice again.")
                      % {"number": other.number or other.pk,
                         "other": other.connection_key.app_key,
                         "other_software": other.connection_key.get_software_display(),
                         "app_key": facts.key.app_key, "software": _software_label(facts)},
                      action=_document_page(other))
    if document is None:
        organization = facts.organization
        return Result(False, _("Waiting for the first invoice that your software sends with "
                               "connection key %(app_key)s. The portal's own test invoice does "
                               "not count: this step checks that %(software)s reaches the "
                               "platform. What it sends is listed in the outbox.")
                      % {"app_key": facts.key.app_key, "software": _software_label(facts)},
                      action=Action(_("Open the outbox"),
                                    reverse("invoices:outbox", args=[organization.pk])))
    return _document_result(document, empty_lines=empty_lines)


def broker_test_invoice(facts: Facts) -> Result:
    document = facts.broker_document
    if document is None:
        return Result(False, _("Waiting for the first invoice that Business Central sends "
                               "for %(name)s through the service broker.")
                      % {"name": facts.organization.name})
    return _document_result(document)


def _document_result(document, *, empty_lines: bool = False) -> Result:
    from invoices.models import Status
    from invoices.peppol.validation import RuleMessage

    label = document.number or str(document.pk)
    items = [f"{m.get('rule_id', '')}: {RuleMessage.from_dict(m).shown_text}"
             for m in (document.validation or {}).get("messages", [])
             if m.get("flag", "fatal") == "fatal"][:20]
    if empty_lines and _has_empty_line(document):
        return Result(False, _("Invoice %(number)s has an empty invoice line. Do not include "
                               "empty invoice lines: they disrupt processing.")
                      % {"number": label}, items=items, action=_document_page(document))
    if document.status == Status.REFUSED:
        return Result(False, _("Invoice %(number)s was refused: %(reason)s")
                      % {"number": label, "reason": document.reason_shown}, items=items,
                      action=_document_page(document))
    if document.status == Status.DELIVERED:
        return Result(True, _("Invoice %(number)s passed the rules and was delivered.")
                      % {"number": label}, event="document.delivered",
                      at=document.status_changed_at)
    if document.status in delivered_statuses():
        # The receiver is dealing with it: it was delivered before.
        return Result(True, _("Invoice %(number)s passed the rules and was delivered; the "
                              "receiver has it as %(status)s.")
                      % {"number": label, "status": document.get_status_display().lower()},
                      event="document.delivered", at=document.status_changed_at)
    if document.status == Status.CREATED:
        return Result(False, _("Invoice %(number)s arrived; the rules are being checked.")
                      % {"number": label}, action=_document_page(document))
    return Result(False, _("Invoice %(number)s arrived and passed the rules; it is %(status)s.")
                  % {"number": label, "status": document.get_status_display().lower()},
                  action=_document_page(document))


# The software that fetches its received invoices itself with its connection key (SOAP v3.1
# GetInboxDocuments), and what the user does for that in it, in its guide's words. Business
# Central gets them otherwise: by the Autopilot (API31) or through its extension (PSB).
FETCHES_INBOX = {
    Software.AFAS: gettext_lazy(
        "AFAS fetches received purchase invoices into your administration by itself once the "
        "App Key and Secret are saved in its e-invoicing settings, with your Bedrijfs-ID in "
        "the eVerbinding profile."),
    Software.FOURPS_CONSTRUCT: gettext_lazy(
        "In 4PS Construct, go to the eConnect purchase invoices in the purchase journal and "
        "click Importeren to retrieve incoming invoices."),
    Software.ACCEPT: gettext_lazy(
        "Accept fetches received invoices through eVerbinding (Beheer > Administratie > "
        "Instellingen, eFactuur folder) with the App Key and Secret saved there; the folder "
        "for purchase invoices is set there too."),
}


def receiving(facts: Facts) -> Result:
    """Receiving is decided, and on for a verified identifier; for software that fetches its
    received invoices itself, it holds once one of the setup's keys fetched the inbox."""
    organization = facts.organization
    if organization.receive_decision == Organization.ReceiveDecision.UNDECIDED:
        return Result(False, _("Decide whether %(name)s receives invoices, on the "
                               "organization's page.") % {"name": organization.name},
                      action=_organization_page(organization, "receiving",
                                                _("Decide about receiving"), own=True))
    if organization.receive_decision == Organization.ReceiveDecision.DECLINED:
        return Result(True, _("%(name)s does not receive invoices here.")
                      % {"name": organization.name})
    receiving_ids = [f"{i.scheme}:{i.value}" for i in organization.identifiers.all()
                     if i.can_receive and i.is_verified]
    if not receiving_ids:
        return Result(False, _("Receiving is on, but no identifier receives. Switch receiving "
                               "on for an identifier."),
                      action=_organization_page(organization, "identifiers",
                                                _("See the identifiers"), own=True))
    said = {"name": organization.name, "identifiers": ", ".join(receiving_ids),
            "software": _software_label(facts)}
    how = FETCHES_INBOX.get(facts.setup.software)
    if how is None:
        return Result(True, _("%(name)s receives on %(identifiers)s. Received invoices wait in "
                              "its inbox until your software fetches them.") % said)
    if facts.key is None:
        return Result(False, _("%(name)s receives on %(identifiers)s. Waiting for a connection "
                               "key: %(software)s fetches received invoices with it.") % said)
    fetched = [key for key in facts.keys if key.first_fetched_at]
    if not fetched:
        return Result(False, ngettext(
            "%(name)s receives on %(identifiers)s. Waiting for %(software)s to fetch the inbox "
            "with connection key %(app_keys)s. %(how)s This step turns complete at its first "
            "fetch, even of an empty inbox.",
            "%(name)s receives on %(identifiers)s. Waiting for %(software)s to fetch the inbox "
            "with one of its connection keys %(app_keys)s. %(how)s This step turns complete "
            "at its first fetch, even of an empty inbox.", len(facts.keys))
            % {**said, "app_keys": _app_keys(facts.keys), "how": how})
    latest = max(fetched, key=lambda key: key.last_fetched_at or key.first_fetched_at)
    return Result(True, _("%(name)s receives on %(identifiers)s; %(software)s fetches the "
                          "inbox with connection key %(app_key)s, last on %(when)s.")
                  % {**said, "app_key": latest.app_key,
                     "when": date_format(localtime(latest.last_fetched_at
                                                   or latest.first_fetched_at),
                                         "SHORT_DATETIME_FORMAT")},
                  event="connection_key.inbox_fetched",
                  at=min(key.first_fetched_at for key in fetched))


def broker_receiving(facts: Facts) -> Result:
    """Receiving as the service broker does it: Business Central's extension fetches the
    organization's received invoices itself, as the linked Entra ID account, which needs a
    party link with the right to receive."""
    from onboarding.models.entra import rights_said

    result = receiving(facts)
    if not result.ok or not facts.organization.receiving_enabled:
        return result
    links = list(_links(facts).select_related("identity").order_by("granted_at", "id"))
    receiving_link = next((link for link in links if link.can_receive), None)
    if receiving_link is not None:
        return Result(True, _("%(name)s receives; Business Central's extension fetches its "
                              "invoices as %(identity)s, whose party link allows: "
                              "%(rights)s.")
                      % {"name": facts.organization.name, "identity": receiving_link.identity,
                         "rights": ", ".join(rights_said(receiving_link))})
    request_link = Action(_("Request a party link"), reverse("onboarding:party_link_connect"))
    if not links:
        return Result(False, _("%(name)s receives, but no partyId is linked yet: Business "
                               "Central's extension fetches received invoices through a "
                               "party link with the right to receive.")
                      % {"name": facts.organization.name}, action=request_link)
    return Result(False, _("The party link of %(name)s does not allow receiving, so Business "
                           "Central's extension cannot fetch received invoices. Ask "
                           "TechSupport to give the link the right to receive.")
                  % {"name": facts.organization.name},
                  items=[_("%(identity)s may: %(rights)s")
                         % {"identity": link.identity, "rights": ", ".join(rights_said(link))}
                         for link in links],
                  action=request_link)


def user_statement(facts: Facts, step_key: str) -> Result:
    entry = facts.run.progress.get(step_key)
    if entry and entry.get("event") == "statement":
        return Result(True, _("Confirmed by %(who)s.") % {"who": entry.get("by", "")},
                      statement=True)
    return Result(False, _("Only you can know this; confirm it when it is true."),
                  statement=True)


def entra_linked(facts: Facts) -> Result:
    """A Microsoft account linked for this setup: the one behind the organization's party
    link (Business Central signs in with it), or else one that the run's own user (who
    started it, or to whom it was handed) linked. Either way its portal user must still be
    able to configure the organization: a colleague's account linked for other work, or an
    account of another tenant's user, says nothing about this setup."""
    from onboarding.models import EntraIdentity

    run = facts.run
    run_users = [pk for pk in (run.started_by_id, run.assigned_to_id) if pk]
    identity = (EntraIdentity.objects
                .filter(user__in=facts.organization.configurers())
                .annotate(for_organization=Exists(_links(facts).filter(identity=OuterRef("pk"))))
                .filter(Q(for_organization=True) | Q(user_id__in=run_users))
                .select_related("user").order_by("-for_organization", "pk").first())
    if identity is None:
        return Result(False, _("No Microsoft Entra ID account is linked for this setup yet. "
                               "Link the account you sign in to Business Central with under "
                               "your account's Entra ID page."),
                      action=Action(_("Open your Entra ID page"),
                                    reverse("onboarding:entra_account")))
    return Result(True, _("Entra ID account %(name)s is linked, by %(user)s.")
                  % {"name": identity.username or identity.object_id, "user": identity.user.email})


def _links(facts):
    from onboarding.models import PartyLink

    return PartyLink.objects.filter(organization=facts.organization, revoked_at__isnull=True)


def party_link(facts: Facts) -> Result:
    link = _links(facts).order_by("granted_at").first()
    if link is None:
        return Result(False, _("No partyId is linked to %(name)s yet. Send a party-link "
                               "request; TechSupport links the partyIds.")
                      % {"name": facts.organization.name},
                      action=Action(_("Request a party link"),
                                    reverse("onboarding:party_link_connect")))
    return Result(True, _("TechSupport linked %(name)s to %(identity)s.")
                  % {"name": facts.organization.name, "identity": link.identity},
                  event="party_link.approved", at=link.granted_at)


def sending_via_peppol(facts: Facts) -> Result:
    if not _links(facts).exists():
        return Result(False, _("Waiting for the party link."))
    if not _links(facts).filter(can_send=True, sending_enabled=True).exists():
        # The page where the user signed in with Microsoft picks the organization and
        # checks the box; only the link's own Entra account reaches the setting.
        return Result(False, _('"Sending via Peppol" is not checked for %(name)s yet.')
                      % {"name": facts.organization.name},
                      action=Action(_("Open the service broker connection"),
                                    reverse("onboarding:party_link_connect")))
    return Result(True, _('"Sending via Peppol" is on.'))


def sending_profile(facts: Facts) -> Result:
    from customers.models import SendingProfile

    profiles = SendingProfile.objects.filter(organization=facts.organization)
    if not profiles.exists():
        return Result(False, _("There is no sending profile yet. Add one named like the one "
                               "in Business Central."),
                      action=Action(_("Add a sending profile"),
                                    reverse("customers:profile_add",
                                            args=[facts.organization.pk])))
    profile_page = Action(_("Open the sending profiles"),
                          reverse("customers:profiles", args=[facts.organization.pk]))
    silent = list(profiles.filter(send_via_peppol=False).order_by("name", "id")
                  .values_list("name", flat=True))
    default = facts.default_profile
    if default is not None and not default.send_via_peppol:
        return Result(False, _('The default sending profile %(name)s does not send via Peppol: '
                               'check "Send via Peppol" on it, in Business Central and here.')
                      % {"name": default.name}, action=profile_page)
    if len(silent) == len(profiles):
        return Result(False, ngettext(
            'Sending profile %(names)s does not send via Peppol: check "Send via Peppol" on '
            'it, in Business Central and here.',
            'No sending profile sends via Peppol (%(names)s): check "Send via Peppol" on the '
            'one your customers use, in Business Central and here.', len(silent))
            % {"names": ", ".join(silent)}, action=profile_page)
    not_sending = ngettext("This sending profile does not send via Peppol; customers with it "
                           "get no e-invoice: %(names)s.",
                           "These sending profiles do not send via Peppol; customers with "
                           "them get no e-invoice: %(names)s.", len(silent)) % {
        "names": ", ".join(silent)} if silent else ""
    if facts.default_profile is not None:
        return Result(True, _("Sending profiles exist."), advice=" ".join(part for part in (_(
            "%(name)s is the default profile: customers without Peppol then fail too. Usually, "
            "do not set a default profile.") % {"name": facts.default_profile.name},
            not_sending) if part))
    return Result(True, _("Sending profiles exist, none is the default."), advice=not_sending)
