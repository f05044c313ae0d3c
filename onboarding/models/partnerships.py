"""Authorisation requests and the partnerships they make between an accountant and a client."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from onboarding.models.audit import record
from onboarding.models.environments import Role, email_domain
from onboarding.models.organizations import Organization, OwnOrganizationPartQuerySet
from onboarding.models.subscriptions import plan_refusal
from portal import digests
from portal.errors import ChangeRefused
from portal.fields import acting_user
from portal.text import one_full_stop

REQUEST_VALID_FOR = timedelta(days=14)

# Sent with `partnership` and `by` inside the transaction that ends it: what the accountant
# set up for the organization and must stop with it ends in that same transaction.
partnership_ended = Signal()


class Software(models.TextChoices):
    AFAS = "afas", "AFAS"
    FOURPS_CONSTRUCT = "4ps_construct", "4PS Construct"
    FOURPS_BUSINESS_CENTRAL = "4ps_business_central", "4PS Business Central"
    ACCEPT = "accept", "Accept"
    OTHER = "other", _("Other software")


def new_request_key() -> str:
    return secrets.token_urlsafe(32)


def _key_hash_placeholder() -> str:
    # Replaced by `send`; a random value keeps rows made elsewhere unique and unusable.
    return digests.digest(new_request_key())


def day_limit_reached() -> str:
    return ngettext(
        "Your accountancy sent %(most)d authorisation request in the last 24 hours, the most "
        "a day allows. Send the next one tomorrow, or ask support for a higher limit.",
        "Your accountancy sent %(most)d authorisation requests in the last 24 hours, the most "
        "a day allows. Send the next ones tomorrow, or ask support for a higher limit.",
        settings.AUTHORISATION_REQUESTS_PER_DAY) % {"most": settings.AUTHORISATION_REQUESTS_PER_DAY}


class AuthorisationRequestQuerySet(models.QuerySet):
    def visible_to(self, user, environment):
        """The requests an accountant's environment sent, for its Advanced users and up."""
        if environment is None or not environment.has_role(user, Role.ADVANCED):
            return self.none()
        return self.filter(environment=environment)

    def pending(self):
        return self.filter(status=AuthorisationRequest.Status.PENDING,
                           expires_at__gt=timezone.now())

    def addressed_to(self, user):
        """The requests sent to one of `user`'s verified addresses: theirs to answer (see
        AuthorisationRequest.is_addressed_to)."""
        from allauth.account.models import EmailAddress
        from django.db.models.functions import Lower

        # Requests keep the address in lower case; a user's may be written otherwise.
        addresses = (EmailAddress.objects.filter(user=user, verified=True)
                     .values(address=Lower("email")))
        return self.filter(client_email__in=addresses)


class AuthorisationRequest(models.Model):
    """An accountant's request for access to a client's organization, decided by the client."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    environment = models.ForeignKey(
        "onboarding.Environment", on_delete=models.CASCADE, related_name="authorisation_requests",
        verbose_name=_("accountant's environment"),
    )
    client_name = models.CharField(_("client's name"), max_length=200)
    client_email = models.EmailField(_("client's email"))
    software = models.CharField(_("software package"), max_length=30, choices=Software.choices)
    registry_number = models.CharField(_("KvK number"), max_length=8)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.PENDING)
    # SHA-256 of the key in the emailed link; the key itself is only in the email.
    key_hash = models.CharField(max_length=64, unique=True, default=_key_hash_placeholder,
                                editable=False)
    message = models.TextField(_("message to the client"), blank=True)
    requested_by = acting_user(_("requested by"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = acting_user(_("decided by"), blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="authorisation_requests", verbose_name=_("organization"),
    )

    objects = AuthorisationRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("authorisation request")
        verbose_name_plural = _("authorisation requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "client_email", "registry_number"],
                condition=models.Q(status="pending"),
                name="one_pending_authorisation_request",
                violation_error_message=_("A request to this client for this organization "
                                          "is already pending."),
            )
        ]

    def __str__(self):
        return f"{self.client_name} ({self.registry_number})"

    @property
    def current_status(self) -> str:
        if self.status == self.Status.PENDING and self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.status

    def get_current_status_display(self) -> str:
        return self.Status(self.current_status).label

    @property
    def is_open(self) -> bool:
        return self.current_status == self.Status.PENDING

    @property
    def may_be_sent_again(self) -> bool:
        """Still open, expired or declined; or accepted into a partnership that has ended,
        for asking the client again."""
        if self.current_status in (self.Status.PENDING, self.Status.EXPIRED,
                                   self.Status.DECLINED):
            return True
        partnership = getattr(self, "partnership", None)
        return partnership is not None and not partnership.is_active

    @staticmethod
    def clients_among(environment, registry_numbers) -> dict[str, str]:
        """{registry number: organization name} of the numbers whose organization works
        with the accountant `environment` already."""
        return dict(Partnership.objects.active().filter(
            accountant=environment, organization__registry_number__in=registry_numbers)
            .values_list("organization__registry_number", "organization__name"))

    @staticmethod
    def already_client(name: str) -> str:
        return one_full_stop(gettext("Already your client: %(name)s.") % {"name": name})

    @classmethod
    def send(cls, *, environment, by, client_name, client_email, software, registry_number,
             message="") -> AuthorisationRequest:
        """Send a request; a pending one to the same client for the same number is replaced.
        A client the accountant works with already is not asked again."""
        if not environment.entitlements.may_send_authorisation_requests:
            raise plan_refusal(_("Authorisation requests need at least a Basic subscription."))
        if not environment.has_role(by, Role.ADVANCED):
            raise ChangeRefused(_("Only Advanced users and administrators send authorisation "
                                  "requests."))
        client_email = client_email.strip().lower()
        if problem := cls.address_problem(environment, client_email):
            raise ChangeRefused(problem, field="client_email")
        with transaction.atomic():
            environment._lock()
            if name := cls.clients_among(environment, [registry_number]).get(registry_number):
                raise ChangeRefused(cls.already_client(name), field="registry_number")
            if cls.left_today(environment) < 1:
                raise ChangeRefused(day_limit_reached())
            replaced = list(
                cls.objects.select_for_update().filter(
                    environment=environment, client_email=client_email,
                    registry_number=registry_number, status=cls.Status.PENDING)
            )
            for old in replaced:
                old.status = cls.Status.WITHDRAWN
                old.decided_at = timezone.now()
                old.decided_by = by
                old.save(update_fields=["status", "decided_at", "decided_by"])
            link_key = new_request_key()
            request = cls.objects.create(
                environment=environment, requested_by=by, client_name=client_name,
                client_email=client_email, software=software, registry_number=registry_number,
                message=message, expires_at=timezone.now() + REQUEST_VALID_FOR,
                key_hash=digests.digest(link_key),
            )
            request.link_key = link_key
            # Whether it took the place of an open one, whose link no longer works.
            request.replaced_earlier = bool(replaced)
            record(environment=environment, actor=by,
                   action="authorisation_request.resent" if replaced
                   else "authorisation_request.sent",
                   target=request, after={"client_email": client_email,
                                          "registry_number": registry_number,
                                          "software": software})
        return request

    @staticmethod
    def address_problem(environment, client_email: str) -> str:
        """Why a request from `environment` may not go to `client_email`; empty when it may."""
        if environment.joins_by_domain and email_domain(client_email) == environment.domain:
            return _("This address is on your own company's domain, %(domain)s: whoever signs "
                     "up with it joins your environment, not the client's. Send the request to "
                     "the client's own address.") % {"domain": environment.domain}
        return ""

    @classmethod
    def left_today(cls, environment) -> int:
        """How many more requests `environment` may send now: each one mails an address the
        accountant typed, so at most AUTHORISATION_REQUESTS_PER_DAY go out in any 24 hours,
        requests sent again included."""
        sent = cls.objects.filter(environment=environment,
                                  created_at__gt=timezone.now() - timedelta(days=1)).count()
        return max(0, settings.AUTHORISATION_REQUESTS_PER_DAY - sent)

    @classmethod
    def by_link_key(cls, key: str):
        """The request an emailed link's key opens, or None."""
        found = cls.objects.filter(key_hash=digests.digest(key)).first()
        return found if found is not None and digests.matches(found.key_hash, key) else None

    def _locked(self) -> AuthorisationRequest:
        return AuthorisationRequest.objects.select_for_update().get(pk=self.pk)

    def _refuse_unless_open(self, current):
        if current.current_status != self.Status.PENDING:
            raise ChangeRefused(_("This request is %(status)s and can no longer be answered.")
                                % {"status": current.get_current_status_display().lower()})

    def answerable_organizations(self, user):
        """The client's organizations with the requested registry number that `user`
        administers: those the request may be accepted for."""
        return (Organization.objects.administered_by(user)
                .filter(registry_number=self.registry_number).exclude(environment=self.environment)
                .select_related("environment").order_by("name"))

    def is_addressed_to(self, user) -> bool:
        """Whether `user` has the address the request was sent to, verified: only that
        person answers it, wherever the link travelled."""
        from allauth.account.models import EmailAddress

        return EmailAddress.objects.filter(user=user, email__iexact=self.client_email,
                                           verified=True).exists()

    def _refuse_unless_addressed_to(self, by) -> None:
        if not self.is_addressed_to(by):
            raise ChangeRefused(_("This request was sent to %(email)s. Sign in with that "
                                  "address to answer it.") % {"email": self.client_email})

    def accept(self, by, organization: Organization) -> Partnership:
        """The client grants access to `organization`, one they administer."""
        self._refuse_unless_addressed_to(by)
        if organization.registry_number != self.registry_number:
            raise ChangeRefused(
                _("The request is for KvK number %(number)s; choose that organization.")
                % {"number": self.registry_number}, field="organization")
        if not organization.administered_by(by):
            raise ChangeRefused(_("Only an administrator of the organization can accept."),
                                field="organization")
        if organization.environment_id == self.environment_id:
            raise ChangeRefused(_("This organization already belongs to the accountant's "
                                  "environment."), field="organization")
        with transaction.atomic():
            current = self._locked()
            if current.status == self.Status.ACCEPTED:
                return Partnership.objects.get(request=current)
            self._refuse_unless_open(current)
            current.status = self.Status.ACCEPTED
            current.decided_at = timezone.now()
            current.decided_by = by
            current.organization = organization
            current.save(update_fields=["status", "decided_at", "decided_by", "organization"])
            partnership = Partnership.start(accountant=current.environment,
                                            organization=organization, by=by, request=current)
            record(environment=organization.environment, actor=by,
                   action="authorisation_request.accepted", target=current,
                   after={"accountant": current.environment.name,
                          "organization": organization.company_id})
            record(environment=current.environment, actor=by,
                   action="authorisation_request.accepted", target=current,
                   after={"organization": organization.company_id})
        self.refresh_from_db()
        return partnership

    def decline(self, by) -> AuthorisationRequest:
        self._refuse_unless_addressed_to(by)
        return self._close(by, self.Status.DECLINED, "authorisation_request.declined")

    def withdraw(self, by) -> AuthorisationRequest:
        return self._close(by, self.Status.WITHDRAWN, "authorisation_request.withdrawn")

    def _close(self, by, status, action):
        with transaction.atomic():
            current = self._locked()
            if current.status == status:
                return current
            self._refuse_unless_open(current)
            current.status = status
            current.decided_at = timezone.now()
            current.decided_by = by
            current.save(update_fields=["status", "decided_at", "decided_by"])
            record(environment=current.environment, actor=by, action=action, target=current,
                   after={"status": status})
        self.refresh_from_db()
        return current


class PartnershipQuerySet(OwnOrganizationPartQuerySet):
    """`visible_to`: the partnerships on the organizations the environment's user sees."""

    def active(self):
        return self.filter(ended_at__isnull=True)

    def serving(self, environment):
        """The partnerships on the organizations of `environment`: its accountants."""
        return self.filter(organization__environment=environment)

    def ended_for(self, accountant, organization_id):
        """The latest partnership by which `accountant` worked on the organization, when it
        has ended and no other took its place; None otherwise."""
        theirs = self.filter(accountant=accountant, organization_id=organization_id)
        if theirs.active().exists():
            return None
        return (theirs.exclude(ended_at=None).select_related("organization", "accountant")
                .order_by("-ended_at", "-id").first())


class Partnership(models.Model):
    """An accountant's environment may configure a client's organization until either ends it."""

    accountant = models.ForeignKey(
        "onboarding.Environment", on_delete=models.CASCADE, related_name="partnerships",
        verbose_name=_("accountant's environment"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="partnerships",
        verbose_name=_("organization"),
    )
    request = models.OneToOneField(
        AuthorisationRequest, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="partnership",
    )
    started_at = models.DateTimeField(_("since"), auto_now_add=True)
    started_by = acting_user()
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = acting_user(blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["accountant", "organization"], condition=models.Q(ended_at__isnull=True),
                name="one_active_partnership",
                violation_error_message=_("This accountant already has a partnership with the "
                                          "organization."),
            )
        ]

    def __str__(self):
        return f"{self.accountant} – {self.organization}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    @property
    def ended_by_side(self) -> str:
        """Which side ended it, "accountant" or "client", by where whoever ended it works;
        empty when that is not known (no one recorded, or someone who works on both sides)."""
        if self.ended_by_id is None:
            return ""
        accountant = self.accountant.memberships.filter(user_id=self.ended_by_id).exists()
        client = self.organization.administered_by(self.ended_by)
        if accountant == client:
            return ""
        return "accountant" if accountant else "client"

    @classmethod
    def start(cls, *, accountant, organization, by, request=None) -> Partnership:
        existing = cls.objects.active().filter(accountant=accountant,
                                               organization=organization).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                partnership = cls.objects.create(accountant=accountant,
                                                 organization=organization, started_by=by,
                                                 request=request)
        except IntegrityError:
            # Started a moment ago by another accepted request: that one stands.
            return cls.objects.active().get(accountant=accountant, organization=organization)
        record(environment=organization.environment, actor=by, action="partnership.started",
               target=organization, after={"accountant": accountant.name})
        return partnership

    @classmethod
    def through(cls, organization, environment) -> Partnership | None:
        """The active partnership by which `environment` works on `organization`; None when
        the organization is the environment's own."""
        if environment is None or environment.pk == organization.environment_id:
            return None
        return cls.objects.active().filter(accountant=environment,
                                           organization=organization).first()

    def end(self, by, *, revoke_keys: bool = False) -> bool:
        """End at once: the accountant's next request no longer reaches the organization.
        With `revoke_keys` the connection keys the accountant made through it are revoked in
        the same step; the webhooks they made are paused (partnership_ended). False when the
        other side, or another window, ended it first: nothing changes then."""
        with transaction.atomic():
            current = Partnership.objects.select_for_update().get(pk=self.pk)
            if current.ended_at is not None:
                self.refresh_from_db()
                return False
            current.ended_at = timezone.now()
            current.ended_by = by
            current.save(update_fields=["ended_at", "ended_by"])
            record(environment=current.organization.environment, actor=by,
                   action="partnership.ended", target=current.organization,
                   before={"accountant": current.accountant.name})
            record(environment=current.accountant, actor=by, action="partnership.ended",
                   target=current.organization)
            if revoke_keys:
                for key in current.connection_keys.filter(revoked_at__isnull=True):
                    key.revoke(by, environment=current.organization.environment)
            partnership_ended.send(sender=Partnership, partnership=current, by=by)
        self.refresh_from_db()
        return True
