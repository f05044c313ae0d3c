"""Sending profiles: how an organization's posted invoices go out through the platform."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from onboarding.models import Organization, record_on_organization
from onboarding.models.organizations import OrganizationPartQuerySet
from portal.errors import ChangeRefused
from portal.versions import Gone, Stale, version_of

NAME_TAKEN = _("This organization already has a sending profile with this name.")
CHANGED_MEANWHILE = _(
    "Someone changed this sending profile while you were editing it; its current values are "
    "shown below — make your change again.")
DELETED_MEANWHILE = _("This sending profile was deleted meanwhile.")


class ProcessingMode(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic")
    MANUAL = "manual", _("Manual")


PROCESSING_MODE_HELP = {
    ProcessingMode.AUTOMATIC: _("The invoice is submitted and validated as soon as it is "
                                "posted; errors can still be corrected."),
    ProcessingMode.MANUAL: _("The invoice is locked once it is posted; correcting an error "
                             "needs a credit note."),
}

# The UBL elements of Peppol BIS Billing 3.0 that bookkeeping packages most often fill from
# a field of their own, by business term. A mapping may name them by business term.
UBL_TARGETS = {
    "BT-10": "cbc:BuyerReference",
    "BT-11": "cac:ProjectReference/cbc:ID",
    "BT-12": "cac:ContractDocumentReference/cbc:ID",
    "BT-13": "cac:OrderReference/cbc:ID",
    "BT-15": "cac:ReceiptDocumentReference/cbc:ID",
    "BT-16": "cac:DespatchDocumentReference/cbc:ID",
    "BT-19": "cbc:AccountingCost",
    "BT-22": "cbc:Note",
    "BT-47": "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
    "BT-48": "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
    "BT-49": "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
    "BT-58": "cac:AccountingCustomerParty/cac:Party/cac:Contact/cbc:ElectronicMail",
    "BT-83": "cac:PaymentMeans/cbc:PaymentID",
    "BT-127": "cac:InvoiceLine/cbc:Note",
    "BT-132": "cac:InvoiceLine/cac:OrderLineReference/cbc:LineID",
    "BT-153": "cac:InvoiceLine/cac:Item/cbc:Name",
    "BT-155": "cac:InvoiceLine/cac:Item/cac:SellersItemIdentification/cbc:ID",
}
UBL_PATH = re.compile(r"(cac:[A-Za-z]+/)*cbc:[A-Za-z]+")


def parse_field_mapping(text: str) -> dict[str, str]:
    """Read "ERP field = UBL element" lines; ValueError with the line's problem otherwise."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        erp_field, equals, target = (part.strip() for part in line.partition("="))
        if not equals or not erp_field or not target:
            raise ValueError(_("Line %(number)d: write the ERP field, “=” and the UBL element, "
                               "for example “YourReference = cbc:BuyerReference”.")
                             % {"number": number})
        target = UBL_TARGETS.get(target.upper(), target)
        if not UBL_PATH.fullmatch(target):
            raise ValueError(_("Line %(number)d: “%(target)s” is not a UBL element; write it "
                               "like cbc:BuyerReference or cac:OrderReference/cbc:ID, or as a "
                               "business term such as BT-10.")
                             % {"number": number, "target": target})
        if erp_field in mapping:
            raise ValueError(_("Line %(number)d: %(field)s is mapped twice.")
                             % {"number": number, "field": erp_field})
        mapping[erp_field] = target
    return mapping


def format_field_mapping(mapping: dict[str, str]) -> str:
    return "\n".join(f"{erp} = {ubl}" for erp, ubl in mapping.items())


@dataclass(frozen=True)
class DefaultImpact:
    """What making a profile the default changes: the cards without a profile of their own."""

    without_profile: int
    not_reachable: int
    not_checked: int


@dataclass(frozen=True)
class CardsUsing:
    """The cards that send with a profile: by naming it, and by getting it as the default."""

    named: int
    via_default: int


class SendingProfile(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="sending_profiles",
                                     verbose_name=_("organization"))
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(
        _("default"), default=False,
        help_text=_("Used for customers whose card names no sending profile."))
    processing_mode = models.CharField(_("processing mode"), max_length=20,
                                       choices=ProcessingMode.choices,
                                       default=ProcessingMode.AUTOMATIC)
    send_via_peppol = models.BooleanField(_("send via Peppol"), default=True)
    field_mapping = models.JSONField(
        _("field mapping"), default=dict, blank=True,
        help_text=_("Which ERP field fills which UBL element; empty means the platform's "
                    "standard mapping."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = OrganizationPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("sending profile")
        verbose_name_plural = _("sending profiles")
        ordering = ["-is_default", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(is_default=True),
                name="one_default_sending_profile",
                violation_error_message=_("An organization has at most one default sending "
                                          "profile."),
            ),
            # Regardless of case: the importer finds a profile by its name in any case.
            models.UniqueConstraint(
                "organization", Lower("name"), name="sending_profile_name_once_any_case",
                violation_error_message=NAME_TAKEN,
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def processing_mode_help(self):
        return PROCESSING_MODE_HELP[ProcessingMode(self.processing_mode)]

    @property
    def version(self) -> str:
        """What an edit form carries, so a save over someone else's change is refused."""
        return version_of(self.updated_at)

    def name_taken(self, name, organization=None) -> bool:
        """Whether another profile of the organization has `name`, in any case."""
        others = SendingProfile.objects.filter(
            organization=organization or self.organization_id, name__iexact=name)
        return others.exclude(pk=self.pk).exists() if self.pk else others.exists()

    def snapshot(self) -> dict:
        return {"name": self.name, "processing_mode": self.processing_mode,
                "send_via_peppol": self.send_via_peppol, "field_mapping": self.field_mapping,
                "default": self.is_default}

    @classmethod
    def create(cls, organization, *, by, environment, name,
               processing_mode=ProcessingMode.AUTOMATIC, send_via_peppol=True,
               field_mapping=None) -> SendingProfile:
        """A new profile is never the default at once: that goes through `make_default`."""
        try:
            with transaction.atomic():
                profile = cls.objects.create(
                    organization=organization, name=name, processing_mode=processing_mode,
                    send_via_peppol=send_via_peppol, field_mapping=field_mapping or {})
                record_on_organization(organization, by=by, environment=environment,
                                       action="sending_profile.created", target=profile,
                                       after=profile.snapshot())
        except IntegrityError as exc:
            raise _name_taken() from exc
        return profile

    def change(self, *, by, environment, version=None, **fields) -> SendingProfile:
        """Change the profile. With `version` (what the edit form was opened at), refuse
        with Stale when someone changed it since."""
        allowed = {"name", "processing_mode", "send_via_peppol", "field_mapping"}
        if set(fields) - allowed:
            raise TypeError(f"cannot change {sorted(set(fields) - allowed)} here")
        try:
            with transaction.atomic():
                current = SendingProfile.objects.select_for_update().filter(pk=self.pk).first()
                if current is None:
                    raise Gone(DELETED_MEANWHILE)
                if version and version != current.version:
                    raise Stale(CHANGED_MEANWHILE)
                before = current.snapshot()
                for field, value in fields.items():
                    setattr(current, field, value)
                if current.snapshot() != before:
                    current.save(update_fields=[*fields, "updated_at"])
                    record_on_organization(self.organization, by=by, environment=environment,
                                           action="sending_profile.changed", target=current,
                                           before=before, after=current.snapshot())
        except IntegrityError as exc:
            raise _name_taken() from exc
        self.refresh_from_db()
        return current

    def default_impact(self) -> DefaultImpact:
        """The organization's cards without a profile: they get this one as the default."""
        from customers.models.cards import CustomerCard

        cards = CustomerCard.objects.filter(organization=self.organization_id,
                                            sending_profile__isnull=True)
        counts = cards.aggregate(
            without_profile=models.Count("pk"),
            not_reachable=models.Count("pk", filter=CustomerCard.UNREACHABLE),
            not_checked=models.Count("pk", filter=CustomerCard.NOT_CHECKED),
        )
        return DefaultImpact(**counts)

    def cards_using(self) -> CardsUsing:
        """How many cards name this profile, and how many have none and get it as the
        default (none unless it is the default)."""
        from customers.models.cards import CustomerCard

        counts = CustomerCard.objects.filter(organization=self.organization_id).aggregate(
            named=models.Count("pk", filter=models.Q(sending_profile=self.pk)),
            without=models.Count("pk", filter=models.Q(sending_profile__isnull=True)))
        return CardsUsing(named=counts["named"],
                          via_default=counts["without"] if self.is_default else 0)

    def make_default(self, *, by, environment) -> SendingProfile:
        with transaction.atomic():
            # Lock every profile of the organization, so two "make default" at once queue up
            # instead of tripping over the one-default constraint.
            profiles = list(SendingProfile.objects.select_for_update()
                            .filter(organization=self.organization_id).order_by("pk"))
            current = next(p for p in profiles if p.pk == self.pk)
            if current.is_default:
                return current
            previous = [p for p in profiles if p.is_default]
            impact = current.default_impact()
            try:
                SendingProfile.objects.filter(pk__in=[p.pk for p in previous]).update(
                    is_default=False)
                current.is_default = True
                current.save(update_fields=["is_default", "updated_at"])
            except IntegrityError as exc:
                raise ChangeRefused(_("Another profile was made the default at the same "
                                      "moment. Look at the profiles again and retry.")) from exc
            record_on_organization(
                self.organization, by=by, environment=environment,
                action="sending_profile.made_default", target=current,
                before={"default": previous[0].name if previous else None},
                after={"default": current.name,
                       "customers_without_profile": impact.without_profile,
                       "of_which_not_reachable": impact.not_reachable})
        self.is_default = True
        return current

    def stop_being_default(self, *, by, environment) -> SendingProfile:
        with transaction.atomic():
            current = SendingProfile.objects.select_for_update().get(pk=self.pk)
            if not current.is_default:
                return current
            current.is_default = False
            current.save(update_fields=["is_default", "updated_at"])
            record_on_organization(self.organization, by=by, environment=environment,
                                   action="sending_profile.default_removed", target=current,
                                   before={"default": current.name}, after={"default": None})
        self.is_default = False
        return current

    def delete_by(self, *, by, environment) -> int:
        """Delete the profile; its customers fall back to the default. Returns how many."""
        with transaction.atomic():
            current = SendingProfile.objects.select_for_update().filter(pk=self.pk).first()
            if current is None:
                return 0
            cards = current.customer_cards.count()
            record_on_organization(self.organization, by=by, environment=environment,
                                   action="sending_profile.deleted", target=current,
                                   before={**current.snapshot(), "customer_cards": cards})
            current.delete()
        return cards


def _name_taken() -> ChangeRefused:
    return ChangeRefused(NAME_TAKEN, field="name")
