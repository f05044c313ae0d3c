"""Entra ID identities, the party-link requests TechSupport decides, and the party links that
let an identity send and receive for an organization through the service broker."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from onboarding.models.audit import record
from onboarding.models.environments import Role
from onboarding.models.organizations import Organization, OrganizationMember
from portal.errors import ChangeRefused
from portal.fields import acting_user
from portal.said import Said


class BrokerEnvironment(models.TextChoices):
    """The service broker's environments; a link in one does not reach the other."""

    ACCEPTANCE = "acceptance", _("Acceptance")
    PRODUCTION = "production", _("Production")


class EntraIdentityQuerySet(models.QuerySet):
    def visible_to(self, user, environment):
        """A user's own Microsoft accounts, whichever environment they work in."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class EntraIdentity(models.Model):
    """A Microsoft Entra ID user, known by tenant id and object id (never by email, which a
    tenant administrator can give to anyone), linked to one portal user."""

    tenant_id = models.CharField(_("tenant ID"), max_length=64)
    object_id = models.CharField(_("object ID"), max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="entra_identities", verbose_name=_("user"))
    # As Entra last reported them; shown to people, never used to match.
    username = models.CharField(_("Entra user name"), max_length=254, blank=True)
    display_name = models.CharField(_("name"), max_length=200, blank=True)
    linked_at = models.DateTimeField(_("linked"), auto_now_add=True)
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    objects = EntraIdentityQuerySet.as_manager()

    class Meta:
        verbose_name = _("Entra ID identity")
        verbose_name_plural = _("Entra ID identities")
        ordering = ["username", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "object_id"], name="entra_identity_once",
                violation_error_message=_("This Microsoft account is already linked to a "
                                          "portal user."),
            )
        ]

    def __str__(self):
        return self.username or f"{self.object_id}@{self.tenant_id}"

    @classmethod
    def find(cls, tenant_id: str, object_id: str) -> EntraIdentity | None:
        return (cls.objects.select_related("user")
                .filter(tenant_id=tenant_id, object_id=object_id, user__is_active=True).first())

    @classmethod
    def link(cls, *, user, environment, tenant_id, object_id, username="",
             display_name="") -> EntraIdentity:
        """Link a Microsoft account the user just signed in with to their portal account."""
        refused = ChangeRefused(_("This Microsoft account is already linked to another portal "
                                  "user. Ask them to unlink it first."))
        try:
            with transaction.atomic():
                existing = (cls.objects.select_for_update()
                            .filter(tenant_id=tenant_id, object_id=object_id).first())
                if existing is not None:
                    if existing.user_id != user.pk:
                        raise refused
                    existing.username, existing.display_name = username, display_name
                    existing.save(update_fields=["username", "display_name"])
                    return existing
                identity = cls.objects.create(
                    tenant_id=tenant_id, object_id=object_id, user=user, username=username,
                    display_name=display_name)
                record(environment=environment, actor=user, action="entra.identity_linked",
                       target=identity, after={"tenant_id": tenant_id, "object_id": object_id,
                                               "username": username})
        except IntegrityError as exc:
            raise refused from exc
        return identity

    def signed_in(self, *, username: str, display_name: str) -> None:
        EntraIdentity.objects.filter(pk=self.pk).update(
            username=username or self.username, display_name=display_name or self.display_name,
            last_sign_in_at=timezone.now())

    def unlink(self, by, environment) -> None:
        """Forget the identity; its party links end first, each in the audit log."""
        with transaction.atomic():
            for link in PartyLink.objects.active().filter(identity=self):
                link.revoke(by)
            record(environment=environment, actor=by, action="entra.identity_unlinked",
                   target=self, before={"tenant_id": self.tenant_id,
                                        "object_id": self.object_id, "username": self.username})
            EntraIdentity.objects.filter(pk=self.pk).delete()


class PartyLinkRequestQuerySet(models.QuerySet):
    def visible_to(self, user, environment):
        """A requester sees their own requests, whichever environment they work in;
        TechSupport reaches them by the staff pages."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(identity__user=user)

    def pending(self):
        """TechSupport's queue: waiting for a decision."""
        return self.filter(status=PartyLinkRequest.Status.PENDING)


class PartyLinkRequest(models.Model):
    """"No partyIds linked yet": an identity asks TechSupport to link organizations."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        PARTLY_APPROVED = "partly_approved", _("Partly approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    identity = models.ForeignKey(EntraIdentity, on_delete=models.CASCADE,
                                 related_name="link_requests", verbose_name=_("identity"))
    # The requester's environment when asking: organizations elsewhere get a warning.
    environment = models.ForeignKey("onboarding.Environment", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("environment"))
    broker = models.CharField(_("broker environment"), max_length=20,
                              choices=BrokerEnvironment.choices)
    entra_username = models.CharField(_("Entra user name"), max_length=254)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True, db_index=True)
    decided_by = acting_user(_("decided by"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = PartyLinkRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("party-link request")
        verbose_name_plural = _("party-link requests")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.entra_username} ({self.requested_at:%Y-%m-%d})"

    @property
    def audit_label(self) -> Said:
        """As __str__, with the day asked written as each reader of the activity log writes
        days."""
        # Translators: a party-link request in the activity log: who asked (day asked).
        return Said(gettext_noop("%(username)s (%(day)s)"), username=self.entra_username,
                    day=timezone.localdate(self.requested_at))

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def requester(self):
        return self.identity.user

    @classmethod
    def submit(cls, *, identity, by, environment, broker, entra_username, note="",
               organizations=(), typed=()) -> PartyLinkRequest:
        """`organizations` are chosen from the environment; `typed` are (name, number) pairs."""
        from onboarding.notifications import alert_staff

        if not organizations and not typed:
            raise ChangeRefused(_("Choose or type at least one organization."),
                                field="organizations")
        with transaction.atomic():
            # One open request per identity and broker: TechSupport decides it as a whole.
            locked = EntraIdentity.objects.select_for_update().get(pk=identity.pk)
            if cls.objects.filter(identity=locked, broker=broker,
                                  status=cls.Status.PENDING).exists():
                raise ChangeRefused(_("A request of yours is already waiting for TechSupport. "
                                      "Withdraw it first to ask for other organizations."))
            link_request = cls.objects.create(
                identity=locked, environment=environment, broker=broker,
                entra_username=entra_username.strip(), note=note.strip())
            items = [PartyLinkRequestItem(request=link_request, organization=org, name=org.name,
                                          registry_number=org.registry_number)
                     for org in organizations]
            items += [PartyLinkRequestItem(request=link_request, name=name.strip(),
                                           registry_number=number.strip())
                      for name, number in typed]
            PartyLinkRequestItem.objects.bulk_create(items)
            record(environment=environment, actor=by, action="party_link.requested",
                   target=link_request, after={
                       "broker": broker, "tenant_id": locked.tenant_id,
                       "entra_username": link_request.entra_username,
                       "organizations": [f"{i.name} ({i.registry_number})" for i in items]})
            alert_staff("party_link_requested",
                        reverse("onboarding:staff_party_link", args=[link_request.pk]),
                        link_request=link_request, items=items, asked_by=by)
        return link_request

    def _locked(self) -> PartyLinkRequest:
        return PartyLinkRequest.objects.select_for_update().get(pk=self.pk)

    def withdraw(self, by) -> PartyLinkRequest:
        with transaction.atomic():
            current = self._locked()
            if current.status == self.Status.WITHDRAWN:
                return current
            if current.status != self.Status.PENDING:
                raise ChangeRefused(_("TechSupport has decided this request already."))
            current.status = self.Status.WITHDRAWN
            current.save(update_fields=["status"])
            record(environment=current.environment, actor=by, action="party_link.withdrawn",
                   target=current, before={"status": self.Status.PENDING},
                   after={"status": current.status})
        self.status = current.status
        return current

    def decide(self, by, grants: dict, reason: str = "") -> bool:
        """Approve the items in `grants` ({item id: (organization, {right: bool})}, see
        RIGHTS) and turn the rest down; True when this call decided. Locked and idempotent: of two
        reviewers at once, the second finds the request decided and changes nothing."""
        reason = reason.strip()
        if not grants and not reason:
            raise ChangeRefused(_("Give the reason; the requester will read it."),
                                field="reason")
        with transaction.atomic():
            current = self._locked()
            if current.status != self.Status.PENDING:
                return False
            items = list(current.items.select_related("organization").order_by("id"))
            unknown = set(grants) - {item.pk for item in items}
            if unknown:
                raise ChangeRefused(_("The request changed; reload the page."))
            for item in items:
                if item.pk in grants:
                    organization, rights = grants[item.pk]
                    if not (rights.get("can_send") or rights.get("can_receive")):
                        raise ChangeRefused(
                            _("Allow sending, receiving or both for %(name)s.")
                            % {"name": organization.name})
                    PartyLink.grant(identity=current.identity, organization=organization,
                                    broker=current.broker, by=by, link_request=current,
                                    **rights)
                    item.organization = organization
                    item.decision = PartyLinkRequestItem.Decision.APPROVED
                else:
                    item.decision = PartyLinkRequestItem.Decision.REJECTED
                    rights = {}
                for name in RIGHT_NAMES:
                    setattr(item, name, bool(rights.get(name)))
                item.save(update_fields=["organization", "decision", *RIGHT_NAMES])
            if not grants:
                current.status = self.Status.REJECTED
            elif len(grants) == len(items):
                current.status = self.Status.APPROVED
            else:
                current.status = self.Status.PARTLY_APPROVED
            current.decided_by = by
            current.decided_at = timezone.now()
            current.reason = reason
            current.save(update_fields=["status", "decided_by", "decided_at", "reason"])
            action = ("party_link.rejected" if current.status == self.Status.REJECTED
                      else "party_link.approved")
            record(environment=current.environment, actor=by, action=action, target=current,
                   before={"status": self.Status.PENDING},
                   after={"status": current.status, "reason": reason, "approved": [
                       f"{item.organization.company_id} send={item.can_send} "
                       f"receive={item.can_receive} remove={item.can_remove} "
                       f"status={item.can_change_status} hooks={item.can_manage_hooks}"
                       for item in items if item.decision == PartyLinkRequestItem.Decision.APPROVED
                   ]})
        self.refresh_from_db()
        return True

    def reject(self, by, reason: str) -> bool:
        return self.decide(by, {}, reason)


# What a party link allows, each a right of its own (the service broker's permissions per
# user and party): the field, and how a list names it.
RIGHTS = (
    ("can_send", _("send")),
    ("can_receive", _("receive")),
    ("can_remove", _("remove documents")),
    ("can_change_status", _("change document status")),
    ("can_manage_hooks", _("manage webhooks")),
)
RIGHT_NAMES = tuple(name for name, _label in RIGHTS)


def rights_of(row) -> dict[str, bool]:
    return {name: getattr(row, name) for name in RIGHT_NAMES}


def rights_said(row) -> list[str]:
    """The rights `row` (a link or a request's item) has, as a list names them."""
    return [str(label) for name, label in RIGHTS if getattr(row, name)]


class PartyLinkRequestItem(models.Model):
    """One organization asked for: chosen from the environment, or typed by name and number."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not approved")

    request = models.ForeignKey(PartyLinkRequest, on_delete=models.CASCADE,
                                related_name="items")
    # Chosen by the requester, or matched by TechSupport on approval.
    organization = models.ForeignKey(Organization, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("organization"))
    name = models.CharField(_("organization name"), max_length=200)
    registry_number = models.CharField(_("KvK number"), max_length=40, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices,
                                blank=True)
    can_send = models.BooleanField(_("send"), default=False)
    can_receive = models.BooleanField(_("receive"), default=False)
    can_remove = models.BooleanField(_("remove documents"), default=False)
    can_change_status = models.BooleanField(_("change document status"), default=False)
    can_manage_hooks = models.BooleanField(_("manage webhooks"), default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.name} ({self.registry_number})" if self.registry_number else self.name

    @property
    def rights_said(self) -> list[str]:
        return rights_said(self)

    def candidates(self):
        """The platform's organizations this item may mean: the one chosen, and every one
        registered under the KvK number given."""
        match = Q(pk=self.organization_id) if self.organization_id else Q(pk__in=[])
        if self.registry_number:
            match |= Q(registry_number=self.registry_number)
        return Organization.objects.filter(match).select_related("environment").order_by(
            "name", "id")


class PartyLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def visible_to(self, user, environment):
        """Links of the user's own Entra identities, whichever environment they work in."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(identity__user=user)

    def manageable_by(self, user, environment):
        """Links to organizations the user administers: all of the environment's for its
        administrators, otherwise those where they are an organization administrator."""
        membership = environment.membership_for(user) if environment is not None else None
        if membership is None:
            return self.none()
        scoped = self.filter(organization__environment=environment)
        if membership.role == Role.ADMINISTRATOR:
            return scoped
        return scoped.filter(
            organization__members__user=user,
            organization__members__role=OrganizationMember.OrgRole.ADMINISTRATOR)


class PartyLink(models.Model):
    """An identity may send and/or receive for an organization through the service broker;
    the connection carries invoices once the user checked "Sending via Peppol"."""

    identity = models.ForeignKey(EntraIdentity, on_delete=models.CASCADE,
                                 related_name="party_links", verbose_name=_("identity"))
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="party_links",
                                     verbose_name=_("organization"))
    broker = models.CharField(_("broker environment"), max_length=20,
                              choices=BrokerEnvironment.choices)
    can_send = models.BooleanField(_("may send"), default=True)
    can_receive = models.BooleanField(_("may receive"), default=False)
    can_remove = models.BooleanField(_("may remove documents"), default=False)
    can_change_status = models.BooleanField(_("may change document status"), default=False)
    can_manage_hooks = models.BooleanField(_("may manage webhooks"), default=False)
    sending_enabled = models.BooleanField(_("sending via Peppol"), default=False)
    link_request = models.ForeignKey(PartyLinkRequest, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="links")
    granted_by = acting_user(blank=True)
    granted_at = models.DateTimeField(_("linked"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = acting_user(blank=True)

    objects = PartyLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("party link")
        verbose_name_plural = _("party links")
        ordering = ["organization__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity", "organization", "broker"],
                condition=Q(revoked_at__isnull=True), name="party_link_once_active",
                violation_error_message=_("This identity is already linked to the "
                                          "organization."),
            )
        ]

    def __str__(self):
        return f"{self.identity} → {self.organization} ({self.broker})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def rights_said(self) -> list[str]:
        return rights_said(self)

    @property
    def is_connected(self) -> bool:
        """Invoices flow: linked, allowed to send, switched on, and the organization active."""
        return (self.is_active and self.can_send and self.sending_enabled
                and self.organization.is_active)

    def _audit(self, by, action, before=None, after=None):
        record(environment=self.organization.environment, actor=by, action=action,
               target=self.organization, before=before,
               after={"identity": str(self.identity), "tenant_id": self.identity.tenant_id,
                      "broker": self.broker, **(after or {})})

    @classmethod
    def grant(cls, *, identity, organization, broker, by, link_request=None,
              **rights) -> PartyLink:
        """The identity's active link to the organization, made or given these rights (see
        RIGHTS; those not named are not given)."""
        unknown = set(rights) - set(RIGHT_NAMES)
        if unknown:
            raise TypeError(f"unknown rights {sorted(unknown)}")
        rights = {name: bool(rights.get(name)) for name in RIGHT_NAMES}
        with transaction.atomic():
            link = (cls.objects.select_for_update().active()
                    .filter(identity=identity, organization=organization, broker=broker).first())
            if link is None:
                link = cls.objects.create(
                    identity=identity, organization=organization, broker=broker,
                    granted_by=by, link_request=link_request, **rights)
                link._audit(by, "party_link.granted", after=rights)
            elif rights_of(link) != rights:
                before = rights_of(link)
                for name, value in rights.items():
                    setattr(link, name, value)
                link.sending_enabled = link.sending_enabled and link.can_send
                link.save(update_fields=[*RIGHT_NAMES, "sending_enabled"])
                link._audit(by, "party_link.changed", before=before, after=rights)
        return link

    def _locked(self) -> PartyLink:
        # Only the link's own row: the organization and environment stay free for others.
        return (PartyLink.objects.select_for_update(of=("self",)).select_related(
            "organization__environment", "identity").get(pk=self.pk))

    def switch_sending(self, by, enabled: bool) -> PartyLink:
        """The "Sending via Peppol" checkbox: only then is the connection active."""
        with transaction.atomic():
            current = self._locked()
            if not current.is_active:
                raise ChangeRefused(_("This link was revoked."))
            if enabled and not current.can_send:
                raise ChangeRefused(_("TechSupport linked this organization for receiving "
                                      "only."), field="sending_enabled")
            if enabled and not current.organization.is_active:
                raise ChangeRefused(_("%(name)s is not active yet; it can send once "
                                      "TechSupport has activated it.")
                                    % {"name": current.organization.name},
                                    field="sending_enabled")
            if current.sending_enabled != enabled:
                current.sending_enabled = enabled
                current.save(update_fields=["sending_enabled"])
                current._audit(by, "party_link.sending_switched",
                               before={"sending_enabled": not enabled},
                               after={"sending_enabled": enabled})
        self.sending_enabled = current.sending_enabled
        return current

    def revoke(self, by) -> PartyLink:
        """End the link; the identity loses access to the organization at once."""
        with transaction.atomic():
            current = self._locked()
            if current.revoked_at is not None:
                return current
            current.revoked_at = timezone.now()
            current.revoked_by = by
            current.sending_enabled = False
            current.save(update_fields=["revoked_at", "revoked_by", "sending_enabled"])
            current._audit(by, "party_link.revoked", before={"revoked": False},
                           after={"revoked": True})
        self.revoked_at = current.revoked_at
        self.sending_enabled = False
        return current


class PreparationChecklist(models.Model):
    """What the service-broker guide says to have ready before connecting, ticked off."""

    ITEMS = (
        ("setup_user_known",
         _("I know the user name of the person who sets up the integration.")),
        ("organizations_known",
         _("I have the organization names and their KvK numbers (or other business "
           "registration numbers).")),
        ("admin_available",
         _("Someone with global admin or super admin rights in Microsoft Entra ID is "
           "available.")),
        ("extension_allowed",
         _("I checked whether the eConnect extension may be installed now (some "
           "organizations only allow it outside business hours).")),
    )

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="entra_preparation")
    setup_user_known = models.BooleanField(default=False)
    organizations_known = models.BooleanField(default=False)
    admin_available = models.BooleanField(default=False)
    extension_allowed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.user} ({self.done_count}/{len(self.ITEMS)})"

    @property
    def done_count(self) -> int:
        return sum(1 for name, _label in self.ITEMS if getattr(self, name))

    @property
    def is_complete(self) -> bool:
        return self.done_count == len(self.ITEMS)

    @classmethod
    def for_user(cls, user) -> PreparationChecklist:
        return cls.objects.filter(user=user).first() or cls(user=user)

    @classmethod
    def tick(cls, user, values: dict) -> PreparationChecklist:
        names = {name for name, _label in cls.ITEMS}
        with transaction.atomic():
            checklist, _created = cls.objects.select_for_update().get_or_create(user=user)
            for name in names:
                setattr(checklist, name, bool(values.get(name)))
            checklist.save()
        return checklist
