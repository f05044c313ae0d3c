from __future__ import annotations

from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.fields import acting_user
from portal.said import Said, as_data, said_field


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user, environment):
        """Events of the current environment, for its administrators only."""
        from onboarding.models.environments import Role

        if environment is None or not environment.has_role(user, Role.ADMINISTRATOR):
            return self.none()
        return self.filter(environment=environment)

    def concerning(self, organization):
        """What happened to `organization` itself, its identifiers, connection keys, guided
        setups and own webhooks: its environment's events whose target is one of them."""
        parts = models.Q(target_type="organization", target_id=str(organization.pk))
        for target_type, related in (("organizationidentifier", organization.identifiers),
                                     ("connectionkey", organization.connection_keys),
                                     ("integrationrun", organization.integration_runs),
                                     ("webhook", organization.webhooks)):
            # Targets are kept by their id as text.
            parts |= models.Q(target_type=target_type, target_id__in=related.annotate(
                as_text=Cast("pk", models.CharField())).values("as_text"))
        return self.filter(parts, environment=organization.environment_id)

    def beside_documents(self, environment):
        """What happened in `environment` apart from its documents' comings and goings, which
        would bury the rest: its users, invitations, organizations, partnerships and
        subscription."""
        return self.filter(environment=environment).exclude(target_type="document")


class AuditEvent(models.Model):
    """Who did what, when, with the values before and after."""

    environment = models.ForeignKey(
        "onboarding.Environment", null=True, blank=True, on_delete=models.CASCADE,
        related_name="audit_events", verbose_name=_("environment"),
    )
    actor = acting_user(_("actor"), blank=True)
    # Kept as text so the log still says who acted after the user is gone.
    actor_label = models.CharField(_("actor"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("object type"), max_length=64, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=254, blank=True)
    # The label as a message said again in the reader's language, where it holds more than
    # names (a day); null for a plain label, and for events recorded before there was one.
    target_said = said_field()
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["environment", "-created_at"], name="audit_env_recent"),
                   # The history of one object, such as a staff page shows.
                   models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    @property
    def sentence(self) -> str:
        """What happened, as a sentence in the reader's language."""
        from onboarding.audit_text import sentence

        return sentence(self)

    @property
    def readable_changes(self):
        """The changes with translated labels and values written out."""
        from onboarding.audit_text import changes

        return changes(self)

    @property
    def changes(self):
        """(field, before, after) for each value that differs."""
        keys = sorted(set(self.before) | set(self.after))
        return [
            (key, self.before.get(key), self.after.get(key))
            for key in keys
            if self.before.get(key) != self.after.get(key)
        ]


def _label(obj) -> str | Said:
    """The target's name: its `audit_label` where it has one (a message with a day that each
    reader reads in their own language), else its str."""
    if obj is None:
        return ""
    label = getattr(obj, "audit_label", None)
    return label if isinstance(label, Said) else str(obj)


def record(*, environment, actor, action: str, target: models.Model | None = None,
           before: dict | None = None, after: dict | None = None, actor_label: str = ""):
    """Record one audit event; called once per change, inside the change's transaction."""
    label = _label(target)
    return AuditEvent.objects.create(
        environment=environment,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label or (actor.email if getattr(actor, "pk", None) else "system"),
        action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(label)[:254],
        target_said=as_data(label),
        before=before or {},
        after=after or {},
    )


def acting_label(user, organization, environment) -> str:
    """Who did it, as the client's audit log shows it: an accountant under their firm's name."""
    if environment is not None and environment.pk != organization.environment_id:
        return f"{user.email} ({environment.name})"
    return user.email


def note_partner_activity(organization, environment) -> None:
    if environment is not None and environment.pk != organization.environment_id:
        organization.partnerships.filter(accountant=environment, ended_at__isnull=True).update(
            last_activity_at=timezone.now())


def record_on_organization(organization, *, by, environment, action, target=None, before=None,
                           after=None):
    """Record a change to `organization` in its own environment's audit log, also when an
    accountant working in `environment` made it through a partnership."""
    note_partner_activity(organization, environment)
    return record(environment=organization.environment, actor=by,
                  actor_label=acting_label(by, organization, environment), action=action,
                  target=target if target is not None else organization, before=before,
                  after=after)

