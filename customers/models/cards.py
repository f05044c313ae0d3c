"""Customer cards: an organization's debtors, each ready (or not yet) to receive on Peppol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from invoices.peppol import identifiers as peppol_ids
from invoices.peppol import schemes
from invoices.peppol.identifier_errors import _TRANSLATED_PARAMS as TRANSLATED_PARAMS
from invoices.peppol.smp import Reachability
from onboarding.models import Country, Organization, record_on_organization
from onboarding.models.organizations import OrganizationPartQuerySet
from portal.errors import ChangeRefused
from portal.said import Said
from portal.versions import Gone, Stale, version_of

DUMMY_KVK = peppol_ids.DUMMY_KVK
OIN_SCHEME = "0190"

DUPLICATE_CUSTOMER_NUMBER = _("This organization already has a customer with this customer "
                              "number.")
# The text ids of messages that are also stored (an import's rejections, portal.said).
LEGAL_SCHEME_STARTS_WITH_9_ID = gettext_noop(
    "A Legal ID takes an ISO 6523 scheme. Schemes starting with 9 are Peppol's own additions "
    "for addressing (mostly VAT numbers) and are refused in a Legal ID; use for example "
    "0106 (KvK), 0088 (GLN) or 0190 (OIN).")
LEGAL_SCHEME_STARTS_WITH_9 = _(LEGAL_SCHEME_STARTS_WITH_9_ID)
CHANGED_MEANWHILE = _(
    "Someone changed this customer card while you were editing it; its current values are "
    "shown below — make your change again.")
DELETED_MEANWHILE = _("This customer card was deleted meanwhile.")
GOVERNMENT_NEEDS_OIN_ID = gettext_noop(
    "A government customer is addressed by its OIN: choose scheme 0190 and enter the 20-digit "
    "OIN.")
GOVERNMENT_NEEDS_OIN = _(GOVERNMENT_NEEDS_OIN_ID)


class CardFieldError(ValueError):
    """A card value that cannot be stored, with the field to show the message at.

    `said`: the message to store and say again in a later reader's language (portal.said),
    as an import's report does; `message` itself when it is one."""

    def __init__(self, field: str, message: str, *, said: Said | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.said = said if said is not None else (message if isinstance(message, Said)
                                                   else None)


def identifier_said(err: peppol_ids.IdentifierError) -> Said:
    """An identifier's refusal as a stored message (portal.said). Its first letter is not
    capitalised, as `err.render` does: whoever shows it does (see ImportJob.rejections_shown)."""
    params = {name: Said(value) if name in TRANSLATED_PARAMS else value
              for name, value in err.params.items()}
    return Said(err.template, braces=True, **params)


def _identifier(prefix: str, scheme: str, value: str) -> peppol_ids.Identifier | None:
    if not scheme.strip() and not value.strip():
        return None
    try:
        return peppol_ids.check(scheme, value)
    except peppol_ids.IdentifierError as err:
        raise CardFieldError(f"{prefix}_{err.field}", err.render(gettext),
                             said=identifier_said(err)) from err


def endpoint_identifier(scheme: str, value: str) -> peppol_ids.Identifier | None:
    """The Endpoint-ID in canonical form, checked by its scheme's rules; None when empty."""
    identifier = _identifier("endpoint", scheme, value)
    if identifier is not None and not schemes.is_eas_code(identifier.scheme):
        raise CardFieldError("endpoint_scheme", Said(gettext_noop(
            "Scheme %(scheme)s cannot address an invoice on Peppol; an Endpoint-ID needs a "
            "scheme from the EAS list, such as 0106, 0190, 0088 or 9944."),
            scheme=identifier.scheme))
    return identifier


def legal_identifier(scheme: str, value: str) -> peppol_ids.Identifier | None:
    """The Legal ID in canonical form; its scheme may not start with 9."""
    if scheme.strip().startswith("9"):
        raise CardFieldError("legal_scheme", Said(LEGAL_SCHEME_STARTS_WITH_9_ID))
    return _identifier("legal", scheme, value)


def split_identifier(text: str) -> tuple[str, str]:
    """("0106", "12345678") from "0106:12345678"; ("", "") from an empty text.

    The plain "dddd:value" form is split here; anything else goes through the identifier
    module's parser, whose messages explain scheme names and missing colons.
    """
    text = text.strip()
    if not text:
        return "", ""
    if len(text) > 5 and text[4] == ":" and text[:4].isdigit():
        return text[:4], text[5:]
    identifier = peppol_ids.parse(text)
    return identifier.scheme, identifier.value


class BuyerReferenceSource(models.TextChoices):
    YOUR_REFERENCE = "your_reference", _("Your reference")
    EXTERNAL_DOCUMENT_NUMBER = "external_document_number", _("External document number")


class EInvoicingMethod(models.TextChoices):
    SENDING_PROFILE = "sending_profile", _("Sending profile of documents")
    LEGACY_CONNECTION = "e_connection", _("eVerbinding (legacy connection)")


class Reach(models.TextChoices):
    """What the last Peppol lookup said, as the list filters it."""

    REACHABLE = "reachable", _("Receives Peppol invoices")
    NOT_REACHABLE = "not_reachable", _("Cannot receive Peppol invoices")
    NOT_CHECKED = "not_checked", _("No answer yet: never checked, or every check failed")
    # Whatever the last answer before it: the cards a list-wide check could not check.
    CHECK_FAILED = "check_failed", _("Last check failed")
    STALE = "stale", _("Checked too long ago")


@dataclass(frozen=True)
class CardRules:
    """What a card needs before an invoice to its customer can go out, by how it is sent.

    Every card needs an Endpoint-ID that receives over Peppol. Business Central's service
    broker also reads the card's sending profile (or the default one), its e-invoicing method
    and the field that holds the BuyerReference (`profiles`). Software that fills in only some
    identifiers names their schemes (Accept: a KvK number or an OIN)."""

    profiles: bool = False
    default_profile: bool = False
    schemes: tuple[str, ...] = ()

    @classmethod
    def of_profiles(cls, profiles) -> CardRules:
        """The card pages' rules: the service broker's once the organization has sending
        profiles, the Endpoint-ID alone before."""
        profiles = list(profiles)
        return cls(profiles=bool(profiles), default_profile=any(p.is_default for p in profiles))

    @classmethod
    def of_setup(cls, setup, *, default_profile: bool) -> CardRules:
        """The rules of a guided setup (see onboarding.integrations.base.Setup)."""
        return cls(profiles=setup.cards_need_profiles, default_profile=default_profile,
                   schemes=setup.card_schemes)


def _schemes_said(codes) -> str:
    """The schemes a rule allows, as a message names them: the codes, with the VAT number
    schemes (one a country) said together."""
    vat = set(schemes.vat_codes())
    named = [code for code in codes if code not in vat]
    if vat & set(codes):
        named.append(gettext("VAT numbers"))
    return ", ".join(named)


def stale_before():
    return timezone.now() - timedelta(days=settings.PEPPOL_REACHABILITY_MAX_AGE_DAYS)


class CustomerCardQuerySet(OrganizationPartQuerySet):

    def reach(self, reach: str):
        if reach == Reach.REACHABLE:
            return self.filter(CustomerCard.REACHABLE)
        if reach == Reach.NOT_REACHABLE:
            return self.filter(CustomerCard.UNREACHABLE)
        if reach == Reach.NOT_CHECKED:
            return self.filter(CustomerCard.NOT_CHECKED)
        if reach == Reach.CHECK_FAILED:
            return self.filter(CustomerCard.CHECK_FAILED)
        if reach == Reach.STALE:
            return self.filter(peppol_checked_at__lt=stale_before())
        return self

    def with_problems(self, rules: CardRules):
        """Cards whose invoices would fail when sent today, by `rules`."""
        return self.filter(_problems(rules))

    def readiness(self, rules: CardRules) -> dict[str, int]:
        """How many cards there are (`total`), how many have problems by `rules`
        (`not_ready`) and how many use the dummy KvK number (`dummy`), in one query: an
        organization may have tens of thousands of cards."""
        return self.aggregate(
            total=models.Count("pk"),
            not_ready=models.Count("pk", filter=_problems(rules)),
            dummy=models.Count("pk", filter=CustomerCard.DUMMY))


def _problems(rules: CardRules) -> models.Q:
    """CustomerCard.problems(rules) as a condition: a card meets it when it has any."""
    problems = (CustomerCard.NO_ENDPOINT | (CustomerCard.UNREACHABLE & ~CustomerCard.DUMMY)
                | (CustomerCard.DUMMY & models.Q(invoice_email="")))
    if rules.schemes:
        problems |= ~models.Q(endpoint_scheme__in=rules.schemes)
    if rules.profiles:
        problems |= (CustomerCard.NO_BUYER_REFERENCE | CustomerCard.BY_OLD_CONNECTION
                     | CustomerCard.PROFILE_NOT_PEPPOL)
        if not rules.default_profile:
            problems |= models.Q(sending_profile__isnull=True)
        else:
            problems |= _default_not_peppol()
    return problems


def _default_not_peppol() -> models.Q:
    """A card without a profile of its own gets the default one, which may not send via
    Peppol."""
    from customers.models.profiles import SendingProfile

    return models.Q(sending_profile__isnull=True) & models.Exists(SendingProfile.objects.filter(
        organization=models.OuterRef("organization"), is_default=True, send_via_peppol=False))


class CustomerCard(models.Model):
    # The last lookup answered: registered, and whether BIS Billing 3.0 invoices go through.
    REACHABLE = models.Q(peppol_registered=True, peppol_accepts_invoice=True)
    UNREACHABLE = (models.Q(peppol_registered=False)
                   | models.Q(peppol_registered=True, peppol_accepts_invoice=False))
    # Never looked up, or the lookup could not get an answer.
    NOT_CHECKED = models.Q(peppol_registered__isnull=True)
    # The last lookup got no answer (whatever answer came before it).
    CHECK_FAILED = ~models.Q(peppol_error="")
    NO_ENDPOINT = models.Q(endpoint_scheme="")
    # Nobody receives under the dummy number: its invoices go to the invoice email address.
    DUMMY = models.Q(endpoint_scheme=DUMMY_KVK.scheme, endpoint_value=DUMMY_KVK.value)
    NO_BUYER_REFERENCE = models.Q(buyer_reference_source="")
    BY_OLD_CONNECTION = models.Q(einvoicing_method=EInvoicingMethod.LEGACY_CONNECTION)
    # Its sending profile, or without one the default, does not send via Peppol.
    PROFILE_NOT_PEPPOL = models.Q(sending_profile__send_via_peppol=False)

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="customer_cards",
                                     verbose_name=_("organization"))
    name = models.CharField(_("name"), max_length=200)
    customer_number = models.CharField(_("customer number"), max_length=50)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices,
                               default=Country.NL)
    invoice_email = models.EmailField(_("invoice email"), blank=True)
    endpoint_scheme = models.CharField(_("Endpoint-ID scheme"), max_length=4, blank=True)
    endpoint_value = models.CharField(_("Endpoint-ID"), max_length=130, blank=True)
    legal_scheme = models.CharField(_("Legal ID scheme"), max_length=4, blank=True)
    legal_value = models.CharField(_("Legal ID"), max_length=130, blank=True)
    is_government = models.BooleanField(
        _("government customer"), default=False,
        help_text=_("Dutch government bodies receive invoices on their OIN (scheme 0190)."))
    buyer_reference_source = models.CharField(
        _("BuyerReference comes from"), max_length=30, choices=BuyerReferenceSource.choices,
        blank=True)
    einvoicing_method = models.CharField(
        _("e-invoicing method"), max_length=20, choices=EInvoicingMethod.choices,
        default=EInvoicingMethod.SENDING_PROFILE)
    sending_profile = models.ForeignKey(
        "customers.SendingProfile", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="customer_cards", verbose_name=_("sending profile"))

    # When the last real answer came; a failed lookup keeps it (and the answer itself).
    peppol_checked_at = models.DateTimeField(_("Peppol checked"), null=True, blank=True)
    # None: never answered; a lookup that got no answer since is in peppol_error.
    peppol_registered = models.BooleanField(_("on Peppol"), null=True, blank=True)
    peppol_accepts_invoice = models.BooleanField(_("accepts invoices"), default=False)
    peppol_accepts_credit_note = models.BooleanField(_("accepts credit notes"), default=False)
    peppol_smp_url = models.CharField(_("SMP"), max_length=500, blank=True)
    peppol_error = models.CharField(_("Peppol check problem"), max_length=500, blank=True)
    # When the last lookup failed; cleared by the next answer. Meaningful with peppol_error.
    peppol_failed_at = models.DateTimeField(_("Peppol check failed"), null=True, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = CustomerCardQuerySet.as_manager()

    EDITABLE = ("name", "customer_number", "country", "invoice_email", "endpoint_scheme",
                "endpoint_value", "legal_scheme", "legal_value", "is_government",
                "buyer_reference_source", "einvoicing_method", "sending_profile")
    PEPPOL_FIELDS = ("peppol_checked_at", "peppol_registered", "peppol_accepts_invoice",
                     "peppol_accepts_credit_note", "peppol_smp_url", "peppol_error")

    class Meta:
        verbose_name = _("customer card")
        verbose_name_plural = _("customer cards")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["organization", "name", "id"], name="card_org_name"),
            models.Index(fields=["organization", "peppol_checked_at"], name="card_org_checked"),
            # The list's "last checked, newest first" (never-checked cards last) has an index of
            # its own on PostgreSQL, made by migration customers 0007: SQLite cannot declare
            # where an index puts NULLs, and sorts one organization's cards quickly enough.
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "customer_number"],
                name="customer_number_once_per_organization",
                violation_error_message=DUPLICATE_CUSTOMER_NUMBER,
            ),
            models.CheckConstraint(
                condition=~models.Q(customer_number=""), name="customer_number_required",
                violation_error_message=_("Enter the customer number."),
            ),
            models.CheckConstraint(
                condition=models.Q(endpoint_scheme="", endpoint_value="")
                | (~models.Q(endpoint_scheme="") & ~models.Q(endpoint_value="")),
                name="endpoint_scheme_with_value",
                violation_error_message=_("An Endpoint-ID needs both a scheme and a value."),
            ),
            models.CheckConstraint(
                condition=models.Q(legal_scheme="", legal_value="")
                | (~models.Q(legal_scheme="") & ~models.Q(legal_value="")),
                name="legal_id_scheme_with_value",
                violation_error_message=_("A Legal ID needs both a scheme and a value."),
            ),
            models.CheckConstraint(
                condition=~models.Q(legal_scheme__startswith="9"),
                name="legal_id_scheme_not_9",
                violation_error_message=LEGAL_SCHEME_STARTS_WITH_9,
            ),
            models.CheckConstraint(
                condition=models.Q(is_government=False) | models.Q(endpoint_scheme=OIN_SCHEME),
                name="government_customer_by_oin",
                violation_error_message=GOVERNMENT_NEEDS_OIN,
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.customer_number})"

    # -- reading -----------------------------------------------------------------------

    @property
    def endpoint_id(self) -> str:
        return f"{self.endpoint_scheme}:{self.endpoint_value}" if self.endpoint_scheme else ""

    @property
    def legal_id(self) -> str:
        return f"{self.legal_scheme}:{self.legal_value}" if self.legal_scheme else ""

    @property
    def uses_dummy_kvk(self) -> bool:
        return (self.endpoint_scheme, self.endpoint_value) == (DUMMY_KVK.scheme, DUMMY_KVK.value)

    @property
    def peppol_reachable(self) -> bool:
        return bool(self.peppol_registered and self.peppol_accepts_invoice)

    @property
    def version(self) -> str:
        """What an edit form carries, so a save over someone else's change is refused."""
        return version_of(self.updated_at)

    @property
    def peppol_failed(self) -> bool:
        """The last lookup got no answer (the last real answer, if any, is still shown)."""
        return bool(self.peppol_error)

    @property
    def peppol_failure_said(self) -> str:
        """For a card whose last lookup failed: when, and the last real answer it keeps, in
        the user's words; empty otherwise."""
        if not self.peppol_failed:
            return ""

        def moment(value):
            return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")

        failed = moment(self.peppol_failed_at) if self.peppol_failed_at else "?"
        if self.peppol_registered is None:
            return gettext("Last check failed at %(failed)s; no answer is known yet.") % {
                "failed": failed}
        if self.peppol_reachable:
            verdict = gettext("receives Peppol invoices")
        elif self.peppol_registered:
            verdict = gettext("on Peppol, but does not accept BIS Billing 3.0 invoices")
        else:
            verdict = gettext("not on Peppol")
        return gettext("Last check failed at %(failed)s; last known answer from %(checked)s: "
                       "%(verdict)s.") % {"failed": failed,
                                          "checked": moment(self.peppol_checked_at),
                                          "verdict": verdict}

    @property
    def peppol_checked_just_now(self) -> bool:
        """Answered less than a minute ago, which "0 minutes ago" would say badly."""
        return (self.peppol_checked_at is not None
                and timezone.now() - self.peppol_checked_at < timedelta(minutes=1))

    @property
    def peppol_stale(self) -> bool:
        return self.peppol_checked_at is not None and self.peppol_checked_at < stale_before()

    def problems(self, rules: CardRules) -> list[str]:
        """Why an invoice to this customer would fail today, by `rules`, in the user's
        words."""
        found = []
        if not self.endpoint_scheme:
            found.append(gettext("No Endpoint-ID"))
        elif rules.schemes and self.endpoint_scheme not in rules.schemes:
            found.append(gettext("Endpoint-ID in scheme %(scheme)s; the software fills in "
                                 "only %(schemes)s") % {"scheme": self.endpoint_scheme,
                                                        "schemes": _schemes_said(rules.schemes)})
        if rules.profiles and not self.buyer_reference_source:
            found.append(gettext("No source for the BuyerReference"))
        if self.uses_dummy_kvk:
            if not self.invoice_email:
                found.append(gettext("The dummy KvK number and no invoice email address: its "
                                     "invoices cannot be delivered"))
        elif self.peppol_registered is False:
            found.append(gettext("Not on Peppol"))
        elif self.peppol_registered and not self.peppol_accepts_invoice:
            found.append(gettext("Does not accept BIS Billing 3.0 invoices"))
        if rules.profiles and self.einvoicing_method == EInvoicingMethod.LEGACY_CONNECTION:
            found.append(gettext("E-invoicing by eVerbinding, not by sending profile"))
        if rules.profiles and self.sending_profile_id is None and not rules.default_profile:
            found.append(gettext("No sending profile, and no default"))
        if rules.profiles and self.sending_profile_id is not None \
                and not self.sending_profile.send_via_peppol:
            found.append(gettext("Sending profile %(name)s does not send via Peppol")
                         % {"name": self.sending_profile.name})
        if rules.profiles and self.sending_profile_id is None and rules.default_profile:
            default = self.organization.sending_profiles.filter(
                is_default=True, send_via_peppol=False).first()
            if default is not None:
                found.append(gettext("No sending profile, and the default %(name)s does not "
                                     "send via Peppol") % {"name": default.name})
        return found

    def snapshot(self) -> dict:
        values = {field: getattr(self, field) for field in self.EDITABLE
                  if field != "sending_profile"}
        values["sending_profile"] = self.sending_profile.name if self.sending_profile else None
        return values

    # -- changing ----------------------------------------------------------------------

    @classmethod
    def create(cls, organization, *, by, environment, **fields) -> CustomerCard:
        _check_profile(organization, fields.get("sending_profile"))
        try:
            with transaction.atomic():
                card = cls(organization=organization, **fields)
                card.save()
                record_on_organization(organization, by=by, environment=environment,
                                       action="customer_card.created", target=card,
                                       after=card.snapshot())
        except IntegrityError as exc:
            raise _refusal(organization, fields.get("customer_number", "")) from exc
        return card

    def change(self, *, by, environment, version=None, **fields) -> CustomerCard:
        """Change the card's fields. With `version` (what the edit form was opened at), refuse
        with Stale when someone changed the card since; callers without one (scripts) write
        over whatever is there."""
        unknown = set(fields) - set(self.EDITABLE)
        if unknown:
            raise TypeError(f"cannot change {sorted(unknown)} here")
        _check_profile(self.organization, fields.get("sending_profile"))
        try:
            with transaction.atomic():
                current = (CustomerCard.objects.select_for_update(of=("self",))
                           .select_related("sending_profile").filter(pk=self.pk).first())
                if current is None:
                    raise Gone(DELETED_MEANWHILE)
                if version and version != current.version:
                    raise Stale(CHANGED_MEANWHILE)
                before = current.snapshot()
                old_endpoint = current.endpoint_id
                for field, value in fields.items():
                    setattr(current, field, value)
                after = current.snapshot()
                if after != before:
                    changed = [f for f in fields if before.get(f) != after.get(f)]
                    if current.endpoint_id != old_endpoint:
                        # The last lookup was about another identifier.
                        current.forget_reachability()
                        changed += [*self.PEPPOL_FIELDS, "peppol_failed_at"]
                    current.save(update_fields=[*changed, "updated_at"])
                    record_on_organization(
                        self.organization, by=by, environment=environment,
                        action="customer_card.changed", target=current,
                        before={k: v for k, v in before.items() if after.get(k) != v},
                        after={k: v for k, v in after.items() if before.get(k) != v})
        except IntegrityError as exc:
            raise _refusal(self.organization, fields.get("customer_number", "")) from exc
        self.refresh_from_db()
        return current

    def delete_by(self, *, by, environment) -> None:
        with transaction.atomic():
            removed, _count = CustomerCard.objects.filter(pk=self.pk).delete()
            if removed:
                record_on_organization(self.organization, by=by, environment=environment,
                                       action="customer_card.deleted", target=self,
                                       before=self.snapshot())

    def forget_reachability(self) -> None:
        self.peppol_checked_at = None
        self.peppol_registered = None
        self.peppol_accepts_invoice = self.peppol_accepts_credit_note = False
        self.peppol_smp_url = self.peppol_error = ""
        self.peppol_failed_at = None

    def apply_reachability(self, result: Reachability) -> list[str]:
        """Take over a lookup's answer (not saved); the fields it set. A failed lookup keeps
        the last real answer and its moment, so one outage of the directory does not wipe
        every verdict: it records only the failure, which the next answer clears."""
        if result.error:
            self.peppol_error = result.error[:500]
            self.peppol_failed_at = result.checked_at
            return ["peppol_error", "peppol_failed_at"]
        self.peppol_checked_at = result.checked_at
        self.peppol_registered = result.registered
        self.peppol_accepts_invoice = result.accepts_invoice
        self.peppol_accepts_credit_note = result.accepts_credit_note
        self.peppol_smp_url = result.smp_url[:500]
        self.peppol_error = ""
        self.peppol_failed_at = None
        return [*self.PEPPOL_FIELDS, "peppol_failed_at"]

    def record_reachability(self, result: Reachability) -> bool:
        """Store the answer about this card's Endpoint-ID, unless someone changed the
        Endpoint-ID while the lookup ran; False then.

        Not audited: it is an observation of the Peppol network, not a change anyone made.
        A card that could receive and no longer can is reported to the organization's
        administrators (ReachabilityLoss); a lookup that got no answer never is, and leaves
        the last answer to compare the next one with.
        """
        from customers.models.monitoring import ReachabilityLoss

        was_reachable = self.peppol_reachable
        fields = self.apply_reachability(result)
        with transaction.atomic():
            updated = CustomerCard.objects.filter(
                pk=self.pk, endpoint_scheme=self.endpoint_scheme,
                endpoint_value=self.endpoint_value,
            ).update(**{field: getattr(self, field) for field in fields})
            if updated:
                ReachabilityLoss.notice(self, was_reachable=was_reachable, result=result)
        return bool(updated)


def _check_profile(organization, profile) -> None:
    if profile is not None and profile.organization_id != organization.pk:
        raise ChangeRefused(_("Choose one of this organization's sending profiles."),
                            field="sending_profile")


def _refusal(organization, customer_number) -> ChangeRefused:
    if CustomerCard.objects.filter(organization=organization,
                                   customer_number=customer_number).exists():
        return ChangeRefused(DUPLICATE_CUSTOMER_NUMBER, field="customer_number")
    return ChangeRefused(_("The card could not be saved; check the values and try again."))


def was_deleted(model, pk, organization) -> bool:
    """Whether row `pk` of `model` is gone and its deletion is in the audit log of
    `organization`'s environment. Only then may a page say "deleted meanwhile" instead of a
    404: an id of another organization's row, or one that never existed, says nothing."""
    from onboarding.models import AuditEvent

    if model.objects.filter(pk=pk).exists():
        return False
    return AuditEvent.objects.filter(
        environment=organization.environment_id, target_type=model._meta.model_name,
        target_id=str(pk), action__endswith=".deleted").exists()
