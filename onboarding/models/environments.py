from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from onboarding.models.audit import record
from portal import digests
from portal.errors import ChangeRefused
from portal.fields import acting_user
from portal.queries import count_of


class Role(models.TextChoices):
    BASIC = "basic", _("Basic")
    ADVANCED = "advanced", _("Advanced")
    ADMINISTRATOR = "administrator", _("Administrator")


ROLE_RANK = {Role.BASIC: 0, Role.ADVANCED: 1, Role.ADMINISTRATOR: 2}


class Subscription(models.TextChoices):
    INVOICE_PORTAL = "invoice_portal", _("Invoice Portal")
    BASIC = "basic", _("Basic")
    PROFESSIONAL = "professional", _("Professional")


PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.nl", "live.com",
    "live.nl", "msn.com", "yahoo.com", "yahoo.nl", "icloud.com", "me.com", "mac.com",
    "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.net", "gmx.de", "web.de",
    "ziggo.nl", "kpnmail.nl", "kpnplanet.nl", "planet.nl", "home.nl", "xs4all.nl",
    "hetnet.nl", "casema.nl", "upcmail.nl", "chello.nl", "telenet.be", "skynet.be",
    "mail.com", "zoho.com", "yandex.com", "fastmail.com", "hey.com", "tutanota.com",
})


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def is_public_domain(domain: str) -> bool:
    extra = {d.lower() for d in getattr(settings, "PUBLIC_MAIL_DOMAINS_EXTRA", [])}
    return domain in PUBLIC_MAIL_DOMAINS or domain in extra


class EnvironmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

    def with_member_count(self):
        # A search through the memberships joins them already.
        return self.annotate(member_count=count_of(
            Membership.objects.filter(environment=models.OuterRef("pk")), "environment"))

    def with_current_contracts(self):
        """Annotated with how many of its contracts run today."""
        from onboarding.models.subscriptions import Contract

        return self.annotate(current_contracts=count_of(
            Contract.objects.filter(environment=models.OuterRef("pk"))
            .current(timezone.localdate()), "environment"))


class Environment(models.Model):
    """A company's space on the portal: its users, organizations and subscription."""

    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("email domain"), max_length=253, db_index=True)
    joins_by_domain = models.BooleanField(
        _("new sign-ups from the domain join"), default=True,
        help_text=_("Off for public mail domains: every sign-up there gets its own environment."),
    )
    is_shared = models.BooleanField(
        _("shared environment"), default=False,
        help_text=_("Users may add email addresses on other domains. Set by platform staff."),
    )
    subscription = models.CharField(
        _("subscription"), max_length=20, choices=Subscription.choices,
        default=Subscription.INVOICE_PORTAL,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = EnvironmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("environment")
        verbose_name_plural = _("environments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=models.Q(joins_by_domain=True),
                name="environment_one_per_company_domain",
                violation_error_message=_("An environment for this domain already exists."),
            )
        ]

    def __str__(self):
        return self.name

    def membership_for(self, user):
        """The user's membership here; remembered on this instance, since every scoped
        query of a request asks again (the current-environment middleware fills it in)."""
        if not user.is_authenticated:
            return None
        known = self.__dict__.setdefault("_memberships_by_user", {})
        if user.pk not in known:
            known[user.pk] = self.memberships.filter(user=user).first()
        return known[user.pk]

    def remember_membership(self, membership) -> None:
        self.__dict__.setdefault("_memberships_by_user", {})[membership.user_id] = membership

    @property
    def entitlements(self):
        """What the subscription and contracts allow; every subscription rule asks here."""
        from onboarding.models.entitlements import Entitlements

        return Entitlements(self)

    def has_role(self, user, role) -> bool:
        membership = self.membership_for(user)
        return membership is not None and membership.has_role(role)

    def administrators(self):
        from onboarding.models.users import User

        return User.objects.filter(
            memberships__environment=self, memberships__role=Role.ADMINISTRATOR, is_active=True
        )

    def allows_email(self, email: str) -> bool:
        return self.is_shared or email_domain(email) == self.domain

    @classmethod
    def provision_for(cls, user, email: str) -> Membership:
        """Put a newly verified user in the environment their email domain calls for.

        A company domain has one environment: the first verified user founds it as
        administrator, named after the company they gave at sign-up; later ones join as
        Basic, whatever company they typed. A public mail domain never groups strangers.
        """
        domain = email_domain(email)
        company_name = " ".join((getattr(user, "company_name", "") or "").split())
        if is_public_domain(domain):
            with transaction.atomic():
                env = cls.objects.create(name=company_name or email.lower(), domain=domain,
                                         joins_by_domain=False)
                return env._add_founder(user)
        for _attempt in range(2):
            existing = cls.objects.filter(domain=domain, joins_by_domain=True).first()
            if existing is not None:
                return existing._join_by_domain(user)
            try:
                with transaction.atomic():
                    env = cls.objects.create(name=company_name or domain, domain=domain,
                                             joins_by_domain=True)
                    return env._add_founder(user)
            except IntegrityError:
                continue  # someone from the same domain founded it a moment ago: join it
        raise ChangeRefused(_("Could not set up your environment; please try again."))

    def _add_founder(self, user) -> Membership:
        membership = Membership.objects.create(environment=self, user=user, role=Role.ADMINISTRATOR)
        record(environment=self, actor=user, action="environment.created", target=self,
               after={"name": self.name, "domain": self.domain})
        record(environment=self, actor=user, action="member.joined", target=membership,
               after={"email": user.email, "role": membership.role, "via": "founder"})
        return membership

    def _join_by_domain(self, user) -> Membership:
        from onboarding.notifications import notify_admins_of_join

        with transaction.atomic():
            membership, created = Membership.objects.get_or_create(
                environment=self, user=user, defaults={"role": Role.BASIC}
            )
            if created:
                record(environment=self, actor=user, action="member.joined", target=membership,
                       after={"email": user.email, "role": membership.role, "via": "domain"})
                notify_admins_of_join(membership)
        return membership

    def _lock(self):
        return Environment.objects.select_for_update().get(pk=self.pk)

    def api_access_refusal(self, software, on=None) -> str | None:
        """Why connection keys for `software` may not be made or used here now; None if they may.

        The one place of the plan rule for keys: creating a key and authenticating an API
        call both ask it, so no software package, "other software" included, gets past it.
        The free plan has no API access at all; the 4PS setups need a contract with API
        rights on top of Professional, as their guides say."""
        from onboarding.models.partnerships import Software
        from onboarding.models.subscriptions import has_api_contract

        software = Software(software)
        if software in (Software.FOURPS_CONSTRUCT, Software.FOURPS_BUSINESS_CENTRAL):
            if not has_api_contract(self, on):
                return _("%(software)s needs a Professional subscription and a contract with "
                         "API rights.") % {"software": software.label}
            return None
        if self.subscription == Subscription.INVOICE_PORTAL:
            return _("%(software)s needs at least a Basic subscription: the free Invoice "
                     "Portal subscription has no API access.") % {"software": software.label}
        return None

    @staticmethod
    def api_access_upgrade(software) -> dict:
        """What to ask Sales for when api_access_refusal refuses `software`: plan_refusal's
        `subscription` and `api_contract`."""
        from onboarding.models.partnerships import Software

        if Software(software) in (Software.FOURPS_CONSTRUCT, Software.FOURPS_BUSINESS_CENTRAL):
            return {"subscription": Subscription.PROFESSIONAL.value, "api_contract": True}
        return {"subscription": Subscription.BASIC.value}

    def admin_count(self) -> int:
        return self.memberships.filter(role=Role.ADMINISTRATOR, user__is_active=True).count()


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user, environment):
        if environment is None or not environment.has_role(user, Role.BASIC):
            return self.none()
        return self.filter(environment=environment)


class Membership(models.Model):
    environment = models.ForeignKey(
        Environment, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("environment"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.BASIC)
    created_at = models.DateTimeField(_("member since"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "user"], name="membership_once_per_environment",
                violation_error_message=_("This user is already a member of the environment."),
            )
        ]

    def __str__(self):
        return f"{self.user.email} ({self.get_role_display()})"

    def has_role(self, role) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @classmethod
    def add(cls, *, environment, user, role, by) -> Membership:
        """Make `user` a member (platform staff in the admin); a member already keeps theirs."""
        with transaction.atomic():
            env = environment._lock()
            membership, created = cls.objects.get_or_create(
                environment=env, user=user, defaults={"role": Role(role)})
            if created:
                record(environment=env, actor=by, action="member.joined", target=membership,
                       after={"email": user.email, "role": membership.role, "via": "staff"})
        return membership

    def change_role(self, by, role) -> Membership:
        role = Role(role)
        with transaction.atomic():
            env = self.environment._lock()
            current = Membership.objects.select_for_update().get(pk=self.pk)
            if current.role == role:
                return current
            if current.role == Role.ADMINISTRATOR and env.admin_count() <= 1:
                raise ChangeRefused(
                    _("This is the last administrator. Make someone else administrator first."),
                    field="role",
                )
            before = {"role": current.role}
            current.role = role
            current.save(update_fields=["role"])
            record(environment=env, actor=by, action="member.role_changed", target=current,
                   before=before, after={"role": role})
        self.role = role
        return current

    @property
    def is_last_administrator(self) -> bool:
        """Whether removing this member, as things stand, is refused (see `remove`)."""
        return self.role == Role.ADMINISTRATOR and self.environment.admin_count() <= 1

    def remove(self, by) -> None:
        with transaction.atomic():
            env = self.environment._lock()
            current = Membership.objects.select_for_update().filter(pk=self.pk).first()
            if current is None:
                return
            if current.role == Role.ADMINISTRATOR and env.admin_count() <= 1:
                raise ChangeRefused(
                    _("This is the last administrator and cannot be removed.")
                )
            record(environment=env, actor=by, action="member.removed", target=current,
                   before={"email": current.user.email, "role": current.role})
            current.delete()


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user, environment):
        if environment is None or not environment.has_role(user, Role.ADMINISTRATOR):
            return self.none()
        return self.filter(environment=environment)

    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        # Revoked because a newer invitation went to the same address.
        REPLACED = "replaced", _("Replaced")
        EXPIRED = "expired", _("Expired")

    SIGNING_SALT = "onboarding.invitation"
    # Where the link's token waits while the invitee signs up or signs in.
    SESSION_KEY = "pending_invitation_token"

    environment = models.ForeignKey(
        Environment, on_delete=models.CASCADE, related_name="invitations",
        verbose_name=_("environment"),
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.BASIC)
    invited_by = acting_user(_("invited by"))
    # SHA-256 of the link's secret part (a signed token alone could not be revoked); the
    # secret itself is only in the email.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = acting_user(_("accepted by"), blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # The newest invitation sent to the address after this one, so that this one's link
    # can point the invitee to the mail that holds the working link.
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False, verbose_name=_("replaced by"),
    )

    # The invitation that `send` replaced, when it did; not stored (see replaced_by).
    replaces = None

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.environment}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            newer = self.replaced_by if self.replaced_by_id else None
            # Its link tells what became of the newer one when pointing to it leads nowhere:
            # revoked by an administrator too, or expired.
            if newer is None or newer.status == self.Status.REVOKED:
                return self.Status.REVOKED
            if newer.status == self.Status.EXPIRED:
                return self.Status.EXPIRED
            return self.Status.REPLACED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self):
        return self.Status(self.status).label

    @property
    def token(self) -> str:
        """The link's token; known only on the invitation `send` returned."""
        key = getattr(self, "_key", None)
        if not key:
            raise ValueError("An invitation's link exists only when it is sent.")
        return signing.dumps({"i": self.pk, "k": key}, salt=self.SIGNING_SALT)

    @classmethod
    def from_token(cls, token: str):
        """The invitation a link points to, or None when the link was altered."""
        try:
            data = signing.loads(token, salt=cls.SIGNING_SALT)
        except signing.BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("i"), int):
            return None
        invitation = cls.objects.select_related("environment").filter(pk=data["i"]).first()
        if invitation is None or not digests.matches(invitation.key_hash, data.get("k")):
            return None
        return invitation

    @property
    def replaced_message(self) -> str:
        """What the link of a replaced invitation says instead of "revoked": the invitee
        holds a newer mail, whose link works."""
        return _("A newer invitation was sent to this address on %(date)s; use the link in "
                 "that mail.") % {"date": date_format(timezone.localtime(
                     self.replaced_by.created_at), "DATETIME_FORMAT")}

    @property
    def may_be_sent_again(self) -> bool:
        """Still open, or expired unanswered; not once accepted, revoked or replaced."""
        return self.status in (self.Status.PENDING, self.Status.EXPIRED)

    @classmethod
    def send(cls, *, environment, email: str, role, by) -> Invitation:
        """Create an invitation, replacing a pending one to the same address: its link stops
        working and points to this one. The one replaced is then in `replaces` (else None),
        so that the inviter can be told."""
        email = email.strip().lower()
        with transaction.atomic():
            env = environment._lock()
            if env.memberships.filter(
                # An address counts as a member's once confirmed: anyone may list any
                # address on their account unconfirmed.
                models.Q(user__email__iexact=email, user__emailaddress__isnull=True)
                | models.Q(user__emailaddress__email__iexact=email,
                           user__emailaddress__verified=True)
            ).exists():
                raise ChangeRefused(_("This person is already a member of the environment."),
                                    field="email")
            replaced = list(cls.objects.select_for_update().pending().filter(
                environment=env, email__iexact=email
            ).order_by("-created_at", "-pk"))
            key = secrets.token_urlsafe(32)
            invitation = cls.objects.create(
                environment=env, email=email, role=Role(role), invited_by=by,
                key_hash=digests.digest(key),
                expires_at=timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
            )
            invitation._key = key
            invitation.replaces = replaced[0] if replaced else None
            if replaced:
                # Links replaced earlier point to the newest mail too, not along a chain.
                cls.objects.filter(replaced_by__in=replaced).update(replaced_by=invitation)
                cls.objects.filter(pk__in=[old.pk for old in replaced]).update(
                    revoked_at=timezone.now(), replaced_by=invitation)
            record(environment=env, actor=by, action="invitation.sent", target=invitation,
                   after={"email": email, "role": invitation.role})
        return invitation

    def send_again(self, by) -> Invitation:
        """Send the same invitation (address and role) with a fresh link, valid for the full
        period from now; the earlier link stops working and points to the new mail. A fresh
        link, because the first one's secret is kept only as a digest and cannot be mailed
        twice; a fresh period, because an invitation is sent again when the first mail got
        lost or is about to expire. Replies to the new mail go to `by`."""
        with transaction.atomic():
            # The environment first, in the order `send` locks: no deadlock with a send.
            self.environment._lock()
            current = Invitation.objects.select_for_update().get(pk=self.pk)
            if not current.may_be_sent_again:
                raise ChangeRefused(
                    _("This invitation is %(status)s; it cannot be sent again.")
                    % {"status": current.get_status_display().lower()})
            return Invitation.send(environment=current.environment, email=current.email,
                                   role=current.role, by=by)

    def revoke(self, by) -> Invitation:
        with transaction.atomic():
            current = Invitation.objects.select_for_update().get(pk=self.pk)
            if current.status != self.Status.PENDING:
                return current
            current.revoked_at = timezone.now()
            current.save(update_fields=["revoked_at"])
            record(environment=current.environment, actor=by, action="invitation.revoked",
                   target=current, before={"status": "pending"}, after={"status": "revoked"})
        self.revoked_at = current.revoked_at
        return current

    def accept(self, user) -> Membership:
        """Join the environment; the link must reach the invited address."""
        from allauth.account.models import EmailAddress

        with transaction.atomic():
            current = Invitation.objects.select_for_update().get(pk=self.pk)
            if current.status == self.Status.ACCEPTED and current.accepted_by_id == user.pk:
                return current.environment.memberships.get(user=user)
            if current.status == self.Status.EXPIRED:
                raise ChangeRefused(
                    _("This invitation has expired. Ask the administrator to send a new one.")
                )
            if current.status == self.Status.REPLACED:
                raise ChangeRefused(current.replaced_message)
            if current.status != self.Status.PENDING:
                raise ChangeRefused(_("This invitation is no longer valid."))
            verified = EmailAddress.objects.filter(
                user=user, email__iexact=current.email, verified=True
            ).exists()
            if not verified:
                raise ChangeRefused(
                    _("This invitation was sent to %(email)s. Sign in with that address to "
                      "accept it.") % {"email": current.email}
                )
            membership, created = Membership.objects.get_or_create(
                environment=current.environment, user=user, defaults={"role": current.role}
            )
            current.accepted_at = timezone.now()
            current.accepted_by = user
            current.save(update_fields=["accepted_at", "accepted_by"])
            record(environment=current.environment, actor=user, action="invitation.accepted",
                   target=current, after={"email": current.email, "role": membership.role})
            if created:
                record(environment=current.environment, actor=user, action="member.joined",
                       target=membership,
                       after={"email": user.email, "role": membership.role, "via": "invitation"})
        return membership
