"""Organizations: the companies that send and receive on Peppol, and their identifiers."""

from __future__ import annotations

import functools
import operator
import secrets

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoices.peppol import identifiers as peppol_ids
from onboarding.clients import kvk
from onboarding.models.audit import record, record_on_organization
from onboarding.models.entitlements import FREE_ORGANIZATION_LIMIT
from onboarding.models.environments import Role
from onboarding.models.subscriptions import plan_refusal
from portal.errors import ChangeRefused
from portal.fields import acting_user

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
        # Subqueries rather than joins: no duplicate rows to take out with DISTINCT, and the
        # database looks up the user's own few instead of joining every organization.
        own = models.Q(environment=environment)
        if not membership.is_administrator:
            memberships = OrganizationMember.objects.filter(user=user)
            if own_role is not None:
                memberships = memberships.filter(role=own_role)
            own &= models.Q(pk__in=memberships.values("organization_id"))
        if membership.has_role(Role.ADVANCED):
            own |= models.Q(pk__in=_clients_of(environment))
        return self.filter(own)

    def looked_after_by(self, user, environment):
        """The organizations whose activation and Peppol identifiers `user` looks after: the
        environment's own for its administrators, and the clients' that the environment has
        an active partnership with for its Advanced users and administrators."""
        membership = environment.membership_for(user) if environment is not None else None
        if membership is None:
            return self.none()
        reach = []
        if membership.is_administrator:
            reach.append(models.Q(environment=environment))
        if membership.has_role(Role.ADVANCED):
            reach.append(models.Q(pk__in=_clients_of(environment)))
        if not reach:
            return self.none()
        return self.filter(functools.reduce(operator.or_, reach))

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

    def for_staff(self):
        """Every organization, for platform staff, who work across environments."""
        return self.select_related("environment").order_by("name", "id")

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


def _clients_of(environment):
    """The ids of the organizations `environment` has an active partnership with."""
    from onboarding.models.partnerships import Partnership

    return Partnership.objects.filter(accountant=environment,
                                      ended_at__isnull=True).values("organization_id")


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

    class ReceivingHold(models.TextChoices):
        """Why invoices do not reach the organization yet although its receiving is on;
        each label says what it waits for, or what to do."""
        INACTIVE = "inactive", _("It starts when the organization is active.")
        NO_IDENTIFIER = "no_identifier", _("Add a Peppol identifier below to receive on.")
        SWITCHED_OFF = "switched_off", _(
            "Receiving is switched off on every verified identifier below. Switch it on for "
            "one of them to receive.")
        UNVERIFIED = "unverified", _("It starts when TechSupport has verified an identifier "
                                     "below.")

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
    created_by = acting_user(_("created by"))
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
        """The organization's choice; its identifiers follow it (see `decide_receiving`)."""
        return self.receive_decision == self.ReceiveDecision.ENABLED

    @property
    def receives(self) -> bool:
        """Whether invoices reach it now: some identifier of it actually receives. Reads
        prefetched identifiers when there are any, so a list costs no query per row."""
        return self.is_active and any(i.receives for i in self.identifiers.all())

    @property
    def receiving_hold(self) -> Organization.ReceivingHold | None:
        """What keeps invoices from reaching the organization while receiving is on; None
        when it receives, or when receiving is off. Reads prefetched identifiers too."""
        if not self.receiving_enabled or self.receives:
            return None
        if not self.is_active:
            return self.ReceivingHold.INACTIVE
        # A rejected identifier never receives: it counts as none.
        usable = [i for i in self.identifiers.all()
                  if i.verification != OrganizationIdentifier.Verification.REJECTED]
        if not usable:
            return self.ReceivingHold.NO_IDENTIFIER
        # Active and not receiving, so every verified one has its own switch off.
        if any(i.is_verified for i in usable):
            return self.ReceivingHold.SWITCHED_OFF
        return self.ReceivingHold.UNVERIFIED

    def administrators(self):
        """Who hears about the organization and answers for it: its own administrators and
        its environment's, active users only."""
        from onboarding.models.users import User

        return User.objects.filter(
            models.Q(memberships__environment=self.environment_id,
                     memberships__role=Role.ADMINISTRATOR)
            | models.Q(organization_memberships__organization=self,
                       organization_memberships__role=OrganizationMember.OrgRole.ADMINISTRATOR),
            is_active=True,
        ).distinct()

    def administered_by(self, user) -> bool:
        """Its environment's administrators and its own organization administrators."""
        return Organization.objects.administered_by(user).filter(pk=self.pk).exists()

    def configurable_by(self, user, environment) -> bool:
        """May `user`, working in `environment`, change keys and cards of this organization?"""
        return Organization.objects.configurable_by(user, environment).filter(pk=self.pk).exists()

    def configurers(self):
        """The users who may change this organization's keys and cards in one of their
        environments (OrganizationQuerySet.configurable_by, turned round): the
        environment's administrators, the organization's own administrators, and the Advanced
        users and administrators of an accountancy with an active partnership; of those,
        whoever can still sign in."""
        from onboarding.models import User

        own = models.Q(memberships__environment_id=self.environment_id)
        return User.objects.filter(is_active=True).filter(
            (own & models.Q(memberships__role=Role.ADMINISTRATOR))
            | (own & models.Q(organization_memberships__organization=self,
                              organization_memberships__role=OrganizationMember.OrgRole.ADMINISTRATOR))
            | models.Q(memberships__role__in=[Role.ADVANCED, Role.ADMINISTRATOR],
                       memberships__environment__partnerships__organization=self,
                       memberships__environment__partnerships__ended_at__isnull=True),
        ).distinct()

    @classmethod
    def create(cls, *, environment, by, **fields) -> Organization:
        """Add an organization, within the subscription's limit, with a platform company ID."""
        with transaction.atomic():
            env = environment._lock()
            if not env.entitlements.may_add_organization():
                raise plan_refusal(
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
                    check=None, then=None, acting_in=None, **changes) -> bool:
        """Move to `to_status` under the row lock. `check(current)` may refuse, and
        `then(current)` writes the rows that go with the step, both inside the transaction,
        so a concurrent call sees either none of it or all of it. False when it was there
        already. `acting_in` is the environment `by` works in, when not the organization's."""
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
            record_on_organization(current, by=by, environment=acting_in, action=action,
                                   before=before,
                                   after={"status": to_status, **(extra_after or {})})
        self.refresh_from_db()
        return True

    def request_activation(self, by, *, requester_name, requester_role, registry_number,
                           registry_snapshot=None, environment=None):
        """Queue the organization for TechSupport with the register's data as of now
        (`registry_snapshot`), or as it was when the organization was added. Asking again
        while the request is pending changes nothing. `environment` is where `by` works:
        an accountant asks from their own, through a partnership."""
        if self.country == Country.NL and registry_number.strip() != self.registry_number:
            raise ChangeRefused(_("The KvK number does not match this organization's."),
                                field="registry_number")

        def file_request(current):
            from onboarding.notifications import alert_staff

            filed = ActivationRequest.objects.create(
                organization=current, requested_by=by, requester_name=requester_name,
                requester_role=requester_role, registry_number=registry_number.strip(),
                accountant=environment if environment is not None
                and environment.pk != current.environment_id else None,
                registry_snapshot=registry_snapshot or current.registry_snapshot,
            )
            alert_staff("activation_requested",
                        reverse("onboarding:staff_activation", args=[current.pk]),
                        organization=current, requester_name=requester_name,
                        accountant=filed.accountant, asked_by=by)

        def check(current):
            if not current.identifiers.exists():
                raise ChangeRefused(_("Add a Peppol identifier first: the activation registers "
                                      "the organization's identifiers on Peppol, and it has "
                                      "none."))

        return self._transition(
            by, "organization.activation_requested", self.Status.PENDING,
            {self.Status.DRAFT, self.Status.REJECTED, self.Status.DEACTIVATED},
            extra_after={"requester_name": requester_name, "requester_role": requester_role},
            check=check, then=file_request, acting_in=environment,
        )

    def _decide_request(self, by, decision, reason=""):
        def write(current):
            ActivationRequest.objects.filter(organization=current, decision="").update(
                decision=decision, decided_by=by, decided_at=timezone.now(), reason=reason)
        return write

    def _approve_rows(self, by):
        decide = self._decide_request(by, "approved")

        def write(current):
            decide(current)
            # TechSupport saw these identifiers listed on the activation page it approved.
            waiting = current.identifiers.filter(
                verification=OrganizationIdentifier.Verification.PENDING)
            activated = [str(identifier) for identifier in waiting]
            if activated:
                waiting.update(verification=OrganizationIdentifier.Verification.VERIFIED,
                               verified_via=OrganizationIdentifier.VerifiedVia.ACTIVATION,
                               verified_by=by, verified_at=timezone.now())
                record(environment=current.environment, actor=by,
                       action="identifier.verified", target=current,
                       after={"identifiers": activated, "via": "activation"})
        return write

    def approve(self, by, *, listed=None) -> bool:
        """Activate; True when this call decided, False when it was active already.
        `listed` are the ids of the identifiers TechSupport was shown: the approval makes
        those live, so it is refused when the organization's are others by now."""
        def ready(current):
            if listed is not None and \
                    set(current.identifiers.values_list("pk", flat=True)) != set(listed):
                raise ChangeRefused(_("Its Peppol identifiers changed since this page was "
                                      "opened. Look at them again, then approve."))
            if not current.registry_checked:
                raise ChangeRefused(_("Check the registry number before activating: it was "
                                      "entered by hand."))
            if not current.identifiers.exists():
                raise ChangeRefused(_("It has no Peppol identifier left to register: reject "
                                      "the request and ask them to add one."))

        return self._transition(by, "organization.activated", self.Status.ACTIVE,
                                {self.Status.PENDING}, check=ready,
                                then=self._approve_rows(by))

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
            # The choice takes effect on the identifiers, which are what receives: one state.
            following = current.identifiers.exclude(
                verification=OrganizationIdentifier.Verification.REJECTED
            ).exclude(can_receive=enabled)
            switched = [str(identifier) for identifier in following]
            if current.receive_decision == decision and not switched:
                return current
            following.update(can_receive=enabled)
            before = {"receive_decision": current.receive_decision}
            current.receive_decision = decision
            current.save(update_fields=["receive_decision"])
            after = {"receive_decision": decision}
            if switched:
                after["identifiers"] = switched
            record(environment=current.environment, actor=by, action="organization.receiving",
                   target=current, before=before, after=after)
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
    requested_by = acting_user()
    requester_name = models.CharField(_("your name"), max_length=200)
    requester_role = models.CharField(_("your role in the company"), max_length=200)
    # The accountancy whose partnership the requester asked through; empty when they asked
    # from the organization's own environment.
    accountant = models.ForeignKey("onboarding.Environment", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("accountant"))
    registry_number = models.CharField(_("registry number"), max_length=40)
    registry_snapshot = models.JSONField(default=dict, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decision = models.CharField(max_length=20, blank=True)
    decided_by = acting_user(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    objects = ActivationRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.organization} ({self.requested_at:%Y-%m-%d})"


def _same_name(left: str, right: str) -> bool:
    return " ".join((left or "").split()).casefold() == " ".join((right or "").split()).casefold()


class OrganizationIdentifierQuerySet(OwnOrganizationPartQuerySet):
    def configurable_by(self, user, environment):
        """The identifiers of the organizations whose keys and cards `user` may change,
        partners' included: they look after the identifiers of their clients."""
        return self.filter(
            organization__in=Organization.objects.configurable_by(user, environment))

    def looked_after_by(self, user, environment):
        """The identifiers `user` may add, switch and remove: see
        OrganizationQuerySet.looked_after_by."""
        return self.filter(
            organization__in=Organization.objects.looked_after_by(user, environment))

    def live(self):
        """Identifiers that may be used on Peppol: verified, of an active organization."""
        return self.filter(verification=OrganizationIdentifier.Verification.VERIFIED,
                           organization__status=Organization.Status.ACTIVE)

    def sending(self):
        return self.live().filter(can_send=True)

    def receiving(self):
        return self.live().filter(can_receive=True)

    def awaiting_techsupport(self):
        """Added to an active organization and not confirmed by the register: TechSupport
        decides. Those of a not yet active organization are decided with its activation."""
        return self.filter(verification=OrganizationIdentifier.Verification.PENDING,
                           organization__status=Organization.Status.ACTIVE)


class OrganizationIdentifier(models.Model):
    class Verification(models.TextChoices):
        PENDING = "pending", _("Waiting for verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Not verified")

    class VerifiedVia(models.TextChoices):
        REGISTER = "register", _("KvK register")
        ACTIVATION = "activation", _("TechSupport, with the activation")
        TECHSUPPORT = "techsupport", _("TechSupport")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="identifiers")
    scheme = models.CharField(_("scheme"), max_length=4)
    value = models.CharField(_("identifier"), max_length=130)
    can_send = models.BooleanField(_("send"), default=True)
    can_receive = models.BooleanField(_("receive"), default=False)
    verification = models.CharField(_("verification"), max_length=20,
                                    choices=Verification.choices, default=Verification.PENDING,
                                    db_index=True)
    verified_via = models.CharField(_("verified by"), max_length=20, blank=True,
                                    choices=VerifiedVia.choices)
    verified_by = acting_user(blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason"), blank=True)
    # What the KvK register said about this number when it was added, for TechSupport.
    register_snapshot = models.JSONField(_("register data"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The daily registration check (onboarding.tasks): when it last got an answer, and the
    # SMP the SML names when that is not the platform's own (another access point serves it).
    registration_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    registered_elsewhere = models.CharField(_("registered at another SMP"), max_length=500,
                                            blank=True, editable=False)

    objects = OrganizationIdentifierQuerySet.as_manager()

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

    @property
    def is_verified(self) -> bool:
        return self.verification == self.Verification.VERIFIED

    @property
    def awaits_techsupport(self) -> bool:
        """In TechSupport's queue (OrganizationIdentifierQuerySet.awaiting_techsupport)."""
        return (self.verification == self.Verification.PENDING
                and self.organization.status == Organization.Status.ACTIVE)

    @property
    def register_url(self) -> str:
        """The KvK register's page of a KvK-number identifier, for TechSupport to check."""
        return kvk.register_url(self.value) if self.scheme == "0106" else ""

    @property
    def is_registry_number(self) -> bool:
        """Is this the organization's own registry number in its country's scheme?"""
        organization = self.organization
        return (PRIMARY_SCHEME.get(organization.country) == self.scheme
                and _digits(self.value) == _digits(organization.registry_number))

    @property
    def sends(self) -> bool:
        return self.organization.is_active and self.is_verified and self.can_send

    @property
    def receives(self) -> bool:
        return self.organization.is_active and self.is_verified and self.can_receive

    @staticmethod
    def ownership(organization, scheme: str, value: str, register_profile=None):
        """(verification, via) for a new identifier. Its own checked registry number is the
        organization's by the register; another KvK number is when the register gives it the
        organization's name; anything else waits for TechSupport (or for the activation)."""
        verified = OrganizationIdentifier.Verification.VERIFIED
        register = OrganizationIdentifier.VerifiedVia.REGISTER
        if (organization.registry_checked
                and PRIMARY_SCHEME.get(organization.country) == scheme
                and _digits(value) == _digits(organization.registry_number)):
            return verified, register
        if scheme == "0106" and register_profile is not None \
                and register_profile.kvk_number == value:
            known_names = {organization.name,
                           (organization.registry_snapshot or {}).get("naam", "")}
            if any(_same_name(register_profile.name, name) for name in known_names if name):
                return verified, register
        return OrganizationIdentifier.Verification.PENDING, ""

    @classmethod
    def add(cls, organization, by, scheme: str, value: str,
            register_profile=None, *, environment=None) -> OrganizationIdentifier:
        """Check the identifier with the Peppol rules and attach it, once on the platform.

        `register_profile` is what the KvK register answered for a KvK number, if asked;
        `environment` is where `by` works, when an accountant adds it for a client."""
        identifier = peppol_ids.check(scheme, value)  # raises IdentifierError
        holder = (cls.objects.filter(scheme=identifier.scheme, value=identifier.value)
                  .values_list("organization_id", flat=True).first())
        if holder is not None:
            raise cls._taken(organization, holder)
        verification, via = cls.ownership(organization, identifier.scheme, identifier.value,
                                          register_profile)
        try:
            with transaction.atomic():
                current = organization._locked()
                created = cls.objects.create(
                    organization=current, scheme=identifier.scheme, value=identifier.value,
                    # A new identifier follows the organization's choice about receiving.
                    can_receive=current.receiving_enabled,
                    verification=verification, verified_via=via,
                    verified_at=timezone.now() if via else None,
                    register_snapshot=register_profile.raw if register_profile else {},
                )
                record_on_organization(organization, by=by, environment=environment,
                                       action="identifier.added",
                                       after={"identifier": str(identifier),
                                              "verification": verification})
                if created.awaits_techsupport:
                    from onboarding.notifications import alert_staff

                    alert_staff("identifier_to_verify", reverse("onboarding:staff_identifiers"),
                                identifier=created, organization=current, added_by=by,
                                asked_by=by,
                                accountant=environment if environment is not None
                                and environment.pk != current.environment_id else None)
        except IntegrityError as exc:
            holder = (cls.objects.filter(scheme=identifier.scheme, value=identifier.value)
                      .values_list("organization_id", flat=True).first())
            raise cls._taken(organization, holder) from exc
        return created

    @staticmethod
    def _taken(organization, holder_id) -> ChangeRefused:
        if holder_id == organization.pk:
            return ChangeRefused(_("This identifier is already one of this organization's "
                                   "identifiers."), field="value")
        return ChangeRefused(_("This identifier is already in use by an organization on the "
                               "platform."), field="value")

    def switch(self, by, direction: str, enabled: bool, *,
               environment=None) -> OrganizationIdentifier:
        """Turn sending ("send") or receiving ("receive") on this identifier on or off.

        The organization's receiving follows its identifiers: on when one receives, off
        when the last one stops, so the two never say different things."""
        field = {"send": "can_send", "receive": "can_receive"}[direction]
        with transaction.atomic():
            organization = self.organization._locked()
            current = OrganizationIdentifier.objects.select_for_update().get(pk=self.pk)
            if enabled and current.verification == self.Verification.REJECTED:
                raise ChangeRefused(_("TechSupport did not verify this identifier, so it "
                                      "cannot send or receive. Remove it, or ask TechSupport."))
            if enabled and direction == "receive" and not organization.is_active:
                raise ChangeRefused(_("Only an active organization can receive."))
            if getattr(current, field) != enabled:
                setattr(current, field, enabled)
                current.save(update_fields=[field])
                record_on_organization(organization, by=by, environment=environment,
                                       action="identifier.switched",
                                       before={"identifier": str(current), field: not enabled},
                                       after={"identifier": str(current), field: enabled})
            if direction == "receive":
                self._follow_receiving(organization, by, environment)
        setattr(self, field, enabled)
        self.organization.receive_decision = organization.receive_decision
        return current

    @staticmethod
    def _follow_receiving(organization, by, environment=None) -> None:
        receiving = organization.identifiers.filter(can_receive=True).exists()
        if receiving:
            decision = Organization.ReceiveDecision.ENABLED
        elif organization.receive_decision == Organization.ReceiveDecision.ENABLED:
            decision = Organization.ReceiveDecision.DECLINED
        else:
            return  # still undecided: the prompt keeps asking
        if organization.receive_decision == decision:
            return
        before = {"receive_decision": organization.receive_decision}
        organization.receive_decision = decision
        organization.save(update_fields=["receive_decision"])
        record_on_organization(organization, by=by, environment=environment,
                               action="organization.receiving", before=before,
                               after={"receive_decision": decision})

    def _undecided(self, outcome) -> OrganizationIdentifier | None:
        """This identifier locked, while TechSupport may still decide on it; None when it
        was decided `outcome` already. Another decision stands: a reviewer on an older page
        is told, and changes nothing."""
        current = OrganizationIdentifier.objects.select_for_update().get(pk=self.pk)
        if current.verification == outcome:
            return None
        if current.verification != self.Verification.PENDING:
            raise ChangeRefused(
                _("%(identifier)s was decided already: %(decision)s.")
                % {"identifier": current, "decision": current.get_verification_display()})
        return current

    def verify(self, by) -> bool:
        """TechSupport confirms the identifier is the organization's; True when it changed."""
        with transaction.atomic():
            current = self._undecided(self.Verification.VERIFIED)
            if current is None:
                return False
            before = {"identifier": str(current), "verification": current.verification}
            current.verification = self.Verification.VERIFIED
            current.verified_via = self.VerifiedVia.TECHSUPPORT
            current.verified_by, current.verified_at = by, timezone.now()
            current.rejection_reason = ""
            current.save(update_fields=["verification", "verified_via", "verified_by",
                                        "verified_at", "rejection_reason"])
            record(environment=self.organization.environment, actor=by,
                   action="identifier.verified", target=self.organization, before=before,
                   after={"identifier": str(current), "verification": current.verification,
                          "via": "techsupport"})
        self.refresh_from_db()
        return True

    def reject(self, by, reason: str) -> bool:
        """TechSupport finds the identifier is not the organization's; True when it changed."""
        if not reason.strip():
            raise ChangeRefused(_("Give the reason; the administrator will read it."),
                                field="reason")
        with transaction.atomic():
            current = self._undecided(self.Verification.REJECTED)
            if current is None:
                return False
            before = {"identifier": str(current), "verification": current.verification}
            current.verification = self.Verification.REJECTED
            current.verified_via = ""
            current.verified_by, current.verified_at = by, timezone.now()
            current.rejection_reason = reason.strip()
            current.can_send = current.can_receive = False
            current.save(update_fields=["verification", "verified_via", "verified_by",
                                        "verified_at", "rejection_reason", "can_send",
                                        "can_receive"])
            record(environment=self.organization.environment, actor=by,
                   action="identifier.rejected", target=self.organization, before=before,
                   after={"identifier": str(current), "verification": current.verification,
                          "reason": current.rejection_reason})
            self._follow_receiving(self.organization._locked(), by)
        self.refresh_from_db()
        return True

    def ends_receiving(self) -> bool:
        """Whether removing this identifier switches its organization's receiving off: it is
        the last one that receives."""
        return set(self.organization.identifiers.filter(can_receive=True)
                   .values_list("pk", flat=True)) == {self.pk}

    def remove(self, by, *, environment=None) -> None:
        """Remove it; `environment` is where `by` works. Receiving is charged, so an
        accountant (working from another environment) may not remove the last identifier
        that receives: that would switch the client's receiving off."""
        with transaction.atomic():
            organization = self.organization._locked()
            if environment is not None and environment.pk != organization.environment_id \
                    and self.ends_receiving():
                raise ChangeRefused(
                    _("%(identifier)s is the last identifier %(name)s receives with. Removing "
                      "it would switch receiving off, and receiving is charged, so %(name)s's "
                      "own administrators decide that.")
                    % {"identifier": self, "name": organization.name})
            removed, _count = OrganizationIdentifier.objects.filter(pk=self.pk).delete()
            if removed:
                record_on_organization(organization, by=by, environment=environment,
                                       action="identifier.removed",
                                       before={"identifier": str(self)})
                self._follow_receiving(organization, by, environment)


def _digits(value: str) -> str:
    return "".join(ch for ch in (value or "") if ch.isalnum()).upper()


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

