"""Organizations: the companies that send and receive on Peppol, and their identifiers."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoices.peppol import identifiers as peppol_ids
from onboarding.models.audit import record
from onboarding.models.entitlements import FREE_ORGANIZATION_LIMIT
from onboarding.models.environments import Role
from portal.errors import ChangeRefused

# The free subscription covers this many organizations of the environment's own.


class Country(models.TextChoices):
    NL = "NL", _("Netherlands")
    BE = "BE", _("Belgium")
    DE = "DE", _("Germany")
    LU = "LU", _("Luxembourg")
    FR = "FR", _("France")
    OTHER = "XX", _("Other country")


# Which registry identifier comes first per country, as the seeds and Peppol practice have it.
PRIMARY_SCHEME = {Country.NL: "0106", Country.BE: "0208"}


def _open_request(field):
    return models.Subquery(
        ActivationRequest.objects.filter(organization=models.OuterRef("pk"), decision="")
        .order_by("-requested_at").values(field)[:1]
    )


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, user, environment):
        """All of the environment's organizations for its administrators; for other users,
        those they were made members of (a new Basic user starts without any)."""
        membership = environment.membership_for(user) if environment is not None else None
        if membership is None:
            return self.none()
        scoped = self.filter(environment=environment)
        if membership.is_administrator:
            return scoped
        return scoped.filter(members__user=user)

    def manageable_by(self, user, environment):
        """What `visible_to` gives, plus the clients' organizations that the environment has a
        partnership with, for its Advanced users and administrators."""
        return self._reachable_by(user, environment, own_role=None)

    def configurable_by(self, user, environment):
        """Those of `manageable_by` whose keys and cards `user` may change: as administrator of
        the environment or of the organization, or as Advanced user of a partner environment."""
        return self._reachable_by(user, environment,
                                  own_role=OrganizationMember.OrgRole.ADMINISTRATOR)

    def _reachable_by(self, user, environment, own_role):
        membership = environment.membership_for(user) if environment is not None else None
        if membership is None:
            return self.none()
        own = models.Q(environment=environment)
        if not membership.is_administrator:
            own &= models.Q(members__user=user)
            if own_role is not None:
                own &= models.Q(members__role=own_role)
        if membership.has_role(Role.ADVANCED):
            own |= models.Q(partnerships__accountant=environment,
                            partnerships__ended_at__isnull=True)
        return self.filter(own).distinct()

    def administrable_by(self, user, environment):
        """Those of `visible_to` that `user` administers: all of them for the environment's
        administrators, those they administer as organization administrator for anyone else."""
        scoped = self.visible_to(user, environment)
        membership = environment.membership_for(user) if environment is not None else None
        if membership is None or membership.is_administrator:
            return scoped
        return scoped.filter(members__user=user,
                             members__role=OrganizationMember.OrgRole.ADMINISTRATOR)

    def active(self):
        return self.filter(status=Organization.Status.ACTIVE)

    def awaiting_activation(self):
        """TechSupport's queue, across environments: pending organizations with their open
        request's time and requester, the longest waiting first."""
        return (
            self.filter(status=Organization.Status.PENDING).select_related("environment")
            .annotate(requested_at=_open_request("requested_at"),
                      requester_name=_open_request("requester_name"))
            .order_by(models.F("requested_at").asc(nulls_first=True), "id")
        )

    def reviewable(self):
        """Any organization that ever asked for activation; staff work across environments."""
        return (self.filter(activation_requests__isnull=False).distinct()
                .select_related("environment"))

    def administered_by(self, user):
        """Organizations `user` administers, in any environment: as administrator of the
        environment or of the organization itself."""
        return self.filter(
            models.Q(environment__memberships__user=user,
                     environment__memberships__role=Role.ADMINISTRATOR)
            | models.Q(members__user=user,
                       members__role=OrganizationMember.OrgRole.ADMINISTRATOR)
        ).distinct()


class Organization(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Pending activation")
        ACTIVE = "active", _("Active")
        REJECTED = "rejected", _("Rejected")
        DEACTIVATED = "deactivated", _("Deactivated")

    class ReceiveDecision(models.TextChoices):
        UNDECIDED = "undecided", _("Not decided")
        ENABLED = "enabled", _("Receiving on")
        DECLINED = "declined", _("Receiving off")

    environment = models.ForeignKey(
        "onboarding.Environment", on_delete=models.CASCADE, related_name="organizations",
        verbose_name=_("environment"),
    )
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices,
                               default=Country.NL)
    registry_number = models.CharField(
        _("registry number"), max_length=40, blank=True,
        help_text=_("The KvK number in the Netherlands, the enterprise number in Belgium."),
    )
    registry_checked = models.BooleanField(
        _("registry number checked"), default=False,
        help_text=_("Filled in from the KvK register, or checked by TechSupport."),
    )
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    company_id = models.CharField(_("company ID"), max_length=20, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    registry_snapshot = models.JSONField(_("register data"), default=dict, blank=True)
    receive_decision = models.CharField(
        _("receiving"), max_length=20, choices=ReceiveDecision.choices,
        default=ReceiveDecision.UNDECIDED,
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["environment", "name"], name="org_env_name")]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def receiving_enabled(self) -> bool:
        return self.receive_decision == self.ReceiveDecision.ENABLED

    def administered_by(self, user) -> bool:
        """Its environment's administrators and its own organization administrators."""
        return Organization.objects.administered_by(user).filter(pk=self.pk).exists()

    def configurable_by(self, user, environment) -> bool:
        """May `user`, working in `environment`, change keys and cards of this organization?"""
        return Organization.objects.configurable_by(user, environment).filter(pk=self.pk).exists()

    @classmethod
    def create(cls, *, environment, by, **fields) -> Organization:
        """Add an organization, within the subscription's limit, with a platform company ID."""
        with transaction.atomic():
            env = environment._lock()
            if not env.entitlements.may_add_organization():
                raise ChangeRefused(
                    _("The free Invoice Portal subscription covers %(limit)d organizations. "
                      "Upgrade to Basic or Professional to add more.")
                    % {"limit": FREE_ORGANIZATION_LIMIT}
                )
            org = cls(environment=env, created_by=by, **fields)
            org.company_id = f"tmp{secrets.token_hex(8)}"
            org.save()
            # The ID follows from the row's own number, so it is unique without a retry loop.
            prefix = org.country if org.country != Country.OTHER else "XX"
            org.company_id = f"XC{prefix}{org.pk:08d}"
            org.save(update_fields=["company_id"])
            record(environment=env, actor=by, action="organization.created", target=org,
                   after={"name": org.name, "country": org.country,
                          "registry_number": org.registry_number, "company_id": org.company_id})
        return org

    @classmethod
    def create_with_identifier(cls, *, environment, by, **fields):
        """`create`, and in the same transaction the registry number as the first Peppol
        identifier where the country has a scheme for it. Returns (organization, identifier,
        problem): a number the Peppol rules refuse leaves the organization without identifier,
        and `problem` (an IdentifierError or ChangeRefused) says why."""
        with transaction.atomic():
            organization = cls.create(environment=environment, by=by, **fields)
            scheme = PRIMARY_SCHEME.get(organization.country)
            if scheme is None or not organization.registry_number:
                return organization, None, None
            try:
                identifier = OrganizationIdentifier.add(organization, by, scheme,
                                                        organization.registry_number)
            except (peppol_ids.IdentifierError, ChangeRefused) as problem:
                return organization, None, problem
        return organization, identifier, None

    def _locked(self) -> Organization:
        return Organization.objects.select_for_update().get(pk=self.pk)

    def _transition(self, by, action, to_status, allowed_from, extra_after=None, *,
                    check=None, then=None, **changes) -> bool:
        """Move to `to_status` under the row lock. `check(current)` may refuse, and
        `then(current)` writes the rows that go with the step, both inside the transaction,
        so a concurrent call sees either none of it or all of it. False when it was there
        already."""
        with transaction.atomic():
            current = self._locked()
            if current.status == to_status:
                self.refresh_from_db()
                return False
            if current.status not in allowed_from:
                raise ChangeRefused(
                    _("This organization is %(status)s; that step is not possible now.")
                    % {"status": current.get_status_display().lower()}
                )
            if check is not None:
                check(current)
            before = {"status": current.status}
            current.status = to_status
            for field, value in changes.items():
                setattr(current, field, value)
            current.save(update_fields=["status", *changes])
            if then is not None:
                then(current)
            record(environment=current.environment, actor=by, action=action, target=current,
                   before=before, after={"status": to_status, **(extra_after or {})})
        self.refresh_from_db()
        return True

    def request_activation(self, by, *, requester_name, requester_role, registry_number,
                           registry_snapshot=None):
        """Queue the organization for TechSupport with the register's data as of now
        (`registry_snapshot`), or as it was when the organization was added. Asking again
        while the request is pending changes nothing."""
        if self.country == Country.NL and registry_number.strip() != self.registry_number:
            raise ChangeRefused(_("The KvK number does not match this organization's."),
                                field="registry_number")

        def file_request(current):
            ActivationRequest.objects.create(
                organization=current, requested_by=by, requester_name=requester_name,
                requester_role=requester_role, registry_number=registry_number.strip(),
                registry_snapshot=registry_snapshot or current.registry_snapshot,
            )

        return self._transition(
            by, "organization.activation_requested", self.Status.PENDING,
            {self.Status.DRAFT, self.Status.REJECTED, self.Status.DEACTIVATED},
            extra_after={"requester_name": requester_name, "requester_role": requester_role},
            then=file_request,
        )

    def _decide_request(self, by, decision, reason=""):
        def write(current):
            ActivationRequest.objects.filter(organization=current, decision="").update(
                decision=decision, decided_by=by, decided_at=timezone.now(), reason=reason)
        return write

    def approve(self, by) -> bool:
        """Activate; True when this call decided, False when it was active already."""
        def registry_checked(current):
            if not current.registry_checked:
                raise ChangeRefused(_("Check the registry number before activating: it was "
                                      "entered by hand."))

        return self._transition(by, "organization.activated", self.Status.ACTIVE,
                                {self.Status.PENDING}, check=registry_checked,
                                then=self._decide_request(by, "approved"))

    def reject(self, by, reason: str) -> bool:
        """Reject with a reason; True when this call decided, False when it was rejected
        already."""
        if not reason.strip():
            raise ChangeRefused(_("Give the reason; the requester will read it."), field="reason")
        return self._transition(by, "organization.rejected", self.Status.REJECTED,
                                {self.Status.PENDING}, extra_after={"reason": reason},
                                then=self._decide_request(by, "rejected", reason))

    def latest_decision(self) -> ActivationRequest | None:
        return (self.activation_requests.decided().select_related("requested_by", "organization")
                .order_by("-decided_at", "-id").first())

    def record_registry_check(self, by):
        """TechSupport looked the hand-typed registry number up and vouches for it."""
        with transaction.atomic():
            current = self._locked()
            if current.registry_checked:
                return current
            current.registry_checked = True
            current.save(update_fields=["registry_checked"])
            record(environment=current.environment, actor=by,
                   action="organization.registry_checked", target=current,
                   before={"registry_checked": False},
                   after={"registry_checked": True, "registry_number": current.registry_number})
        self.registry_checked = True
        return current

    def deactivate(self, by) -> bool:
        return self._transition(by, "organization.deactivated", self.Status.DEACTIVATED,
                                {self.Status.ACTIVE})

    def decide_receiving(self, by, enabled: bool):
        decision = self.ReceiveDecision.ENABLED if enabled else self.ReceiveDecision.DECLINED
        with transaction.atomic():
            current = self._locked()
            if enabled and not current.is_active:
                raise ChangeRefused(_("Only an active organization can receive."))
            if current.receive_decision == decision:
                return current
            before = {"receive_decision": current.receive_decision}
            current.receive_decision = decision
            current.save(update_fields=["receive_decision"])
            record(environment=current.environment, actor=by, action="organization.receiving",
                   target=current, before=before, after={"receive_decision": decision})
        self.receive_decision = decision
        return current

    def delete_by(self, by, typed_name: str):
        if typed_name.strip() != self.name:
            raise ChangeRefused(_("Type the organization's name exactly to confirm."),
                                field="confirm_name")
        with transaction.atomic():
            current = Organization.objects.select_for_update().filter(pk=self.pk).first()
            if current is None:
                return
            # Under the lock: an activation approved a moment ago keeps the organization.
            if current.is_active:
                raise ChangeRefused(_("Deactivate the organization before deleting it."))
            record(environment=current.environment, actor=by, action="organization.deleted",
                   target=current, before={"name": current.name,
                                           "company_id": current.company_id})
            current.delete()


class OrganizationPartQuerySet(models.QuerySet):
    """Rows that belong to one organization, reached through the organization's own scope:
    `manageable_by` (which takes in partnerships) unless a subclass names another."""

    organization_scope = "manageable_by"

    def visible_to(self, user, environment):
        organizations = getattr(Organization.objects, self.organization_scope)(user, environment)
        return self.filter(organization__in=organizations)


class OwnOrganizationPartQuerySet(OrganizationPartQuerySet):
    """Parts only the organization's own environment sees, never a partner."""

    organization_scope = "visible_to"


class ActivationRequestQuerySet(models.QuerySet):
    def visible_to(self, user, environment):
        """All of the environment's requests to its administrators, a user's own to anyone
        else."""
        membership = environment.membership_for(user) if environment is not None else None
        if membership is None:
            return self.none()
        scoped = self.filter(organization__environment=environment)
        if membership.is_administrator:
            return scoped
        return scoped.filter(requested_by=user)

    def decided(self):
        return self.exclude(decision="")


class ActivationRequest(models.Model):
    """One "Activate now" request with the register data as it was then."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="activation_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requester_name = models.CharField(_("your name"), max_length=200)
    requester_role = models.CharField(_("your role in the company"), max_length=200)
    registry_number = models.CharField(_("registry number"), max_length=40)
    registry_snapshot = models.JSONField(default=dict, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decision = models.CharField(max_length=20, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    objects = ActivationRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.organization} ({self.requested_at:%Y-%m-%d})"


class OrganizationIdentifier(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="identifiers")
    scheme = models.CharField(_("scheme"), max_length=4)
    value = models.CharField(_("identifier"), max_length=130)
    can_send = models.BooleanField(_("send"), default=True)
    can_receive = models.BooleanField(_("receive"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # The daily registration check (onboarding.tasks): when it last got an answer, and the
    # SMP the SML names when that is not the platform's own (another access point serves it).
    registration_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    registered_elsewhere = models.CharField(_("registered at another SMP"), max_length=500,
                                            blank=True, editable=False)

    objects = OwnOrganizationPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("Peppol identifier")
        verbose_name_plural = _("Peppol identifiers")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "value"], name="identifier_once_on_the_platform",
                violation_error_message=_("This identifier is already in use by an "
                                          "organization on the platform."),
            )
        ]

    def __str__(self):
        return f"{self.scheme}:{self.value}"

    @classmethod
    def add(cls, organization, by, scheme: str, value: str) -> OrganizationIdentifier:
        """Check the identifier with the Peppol rules and attach it, once on the platform."""
        identifier = peppol_ids.check(scheme, value)  # raises IdentifierError
        if cls.objects.filter(scheme=identifier.scheme, value=identifier.value).exists():
            raise ChangeRefused(_("This identifier is already in use by an organization on the "
                                  "platform."), field="value")
        try:
            with transaction.atomic():
                created = cls.objects.create(organization=organization,
                                             scheme=identifier.scheme, value=identifier.value)
                record(environment=organization.environment, actor=by,
                       action="identifier.added", target=organization,
                       after={"identifier": str(identifier)})
        except IntegrityError as exc:
            raise ChangeRefused(_("This identifier is already in use by an organization on "
                                  "the platform."), field="value") from exc
        return created

    def switch(self, by, direction: str, enabled: bool) -> OrganizationIdentifier:
        """Turn sending ("send") or receiving ("receive") on this identifier on or off."""
        field = {"send": "can_send", "receive": "can_receive"}[direction]
        with transaction.atomic():
            current = OrganizationIdentifier.objects.select_for_update().get(pk=self.pk)
            if getattr(current, field) != enabled:
                setattr(current, field, enabled)
                current.save(update_fields=[field])
                record(environment=self.organization.environment, actor=by,
                       action="identifier.switched", target=self.organization,
                       before={"identifier": str(current), field: not enabled},
                       after={"identifier": str(current), field: enabled})
        setattr(self, field, enabled)
        return current

    def remove(self, by) -> None:
        with transaction.atomic():
            removed, _count = OrganizationIdentifier.objects.filter(pk=self.pk).delete()
            if removed:
                record(environment=self.organization.environment, actor=by,
                       action="identifier.removed", target=self.organization,
                       before={"identifier": str(self)})


class OrganizationMember(models.Model):
    class OrgRole(models.TextChoices):
        MEMBER = "member", _("Member")
        ADMINISTRATOR = "administrator", _("Administrator")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="organization_memberships")
    role = models.CharField(_("role"), max_length=20, choices=OrgRole.choices,
                            default=OrgRole.MEMBER)

    objects = OwnOrganizationPartQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"],
                                               name="org_member_once")]

    def __str__(self):
        return f"{self.user} in {self.organization} ({self.get_role_display()})"

    @classmethod
    def add(cls, organization, by, user, role) -> OrganizationMember:
        with transaction.atomic():
            member, created = cls.objects.get_or_create(
                organization=organization, user=user, defaults={"role": role})
            if created:
                record(environment=organization.environment, actor=by,
                       action="organization.member_added", target=organization,
                       after={"user": user.email, "role": role})
        return member

    def change_role(self, by, role) -> OrganizationMember:
        with transaction.atomic():
            current = OrganizationMember.objects.select_for_update().get(pk=self.pk)
            if current.role != role:
                before = current.role
                current.role = role
                current.save(update_fields=["role"])
                record(environment=self.organization.environment, actor=by,
                       action="organization.member_role_changed", target=self.organization,
                       before={"user": self.user.email, "role": before},
                       after={"user": self.user.email, "role": role})
        self.role = role
        return current

    def remove(self, by) -> None:
        with transaction.atomic():
            removed, _count = OrganizationMember.objects.filter(pk=self.pk).delete()
            if removed:
                record(environment=self.organization.environment, actor=by,
                       action="organization.member_removed", target=self.organization,
                       before={"user": self.user.email, "role": self.role})

