"""A run of a guided setup for one organization: which steps are complete, when, and by whom
or by which platform event. Facts are recorded when they happen and re-checked when shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onboarding.models.audit import acting_label, record
from onboarding.models.organizations import Organization
from portal.errors import ChangeRefused

# A run that has not moved for this long, and is not complete, counts as stuck for support.
STUCK_AFTER = timedelta(days=2)


class State:
    COMPLETE = "complete"
    BROKEN = "broken"
    WAITING = "waiting"
    SKIPPED = "skipped"


# What made a step true, as recorded in a run's progress, in the reader's words.
EVENTS = {
    "check": gettext_lazy("seen when checked"),
    "statement": gettext_lazy("confirmed"),
    "connection_key.created": gettext_lazy("connection key created"),
    "connection_key.changed": gettext_lazy("connection key changed"),
    "connection_key.tested": gettext_lazy("test connection"),
    "connection_key.used": gettext_lazy("connection key used"),
    "connection_key.inbox_fetched": gettext_lazy("inbox fetched"),
    # What a saved party link was (receivers.party_link_event): the audit's names for it.
    "party_link.approved": gettext_lazy("party link approved"),
    "party_link.changed": gettext_lazy("party link's rights changed"),
    # Step 6 turns complete only when it is switched on.
    "party_link.sending_switched": gettext_lazy('"Sending via Peppol" switched'),
    "party_link.revoked": gettext_lazy("party link withdrawn"),
}


# What a run itself records, whatever the step: not an event of the platform.
OWN_WORDS = ("check", "statement")


def recorded_as(step, result, event: str) -> str:
    """What made `step` true, to record: what its check says, else the refresh's `event`
    when it is of the step's own kind, else that it was seen when checked."""
    return result.event or (event if event and step.made_true_by(event) else "") or "check"


def first_open(states):
    """The first of a run's step states that waits or broke, or None."""
    return next((s for s in states if s.state in (State.WAITING, State.BROKEN)), None)


@dataclass
class StepState:
    step: object
    state: str
    result: object
    recorded: dict | None
    values: list

    @property
    def key(self):
        return self.step.key

    @property
    def recorded_at(self) -> datetime | None:
        """When the step was recorded as done, or None."""
        try:
            return datetime.fromisoformat((self.recorded or {}).get("at", ""))
        except ValueError:
            return None

    @property
    def recorded_event(self) -> str:
        """What made the step true, as the reader says it. An event of another kind than the
        step's own (recorded before steps kept to their own) was not what made it true: the
        step was seen when checked."""
        from invoices.models import Status

        event = (self.recorded or {}).get("event", "")
        if event not in OWN_WORDS and self.step is not None \
                and not self.step.made_true_by(event):
            event = "check"
        if event in EVENTS:
            return str(EVENTS[event])
        kind, _dot, status = event.partition(".")
        if kind == "document" and status in Status.values:
            return _("invoice %(status)s") % {
                "status": Status(status).label.lower()}
        return event


class IntegrationRunQuerySet(models.QuerySet):
    def visible_to(self, user, environment):
        """Runs of organizations the user sees, the partnered clients' included."""
        return self.filter(organization__in=Organization.objects.manageable_by(user, environment))

    def manageable_by(self, user, environment):
        return self.filter(
            organization__in=Organization.objects.configurable_by(user, environment))

    def open(self):
        return self.filter(completed_at__isnull=True)

    def stuck(self, now=None):
        return self.open().filter(updated_at__lt=(now or timezone.now()) - STUCK_AFTER)


class IntegrationRun(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="integration_runs",
                                     verbose_name=gettext_lazy("organization"))
    setup = models.CharField(gettext_lazy("integration"), max_length=40)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=gettext_lazy("started by"))
    # Who carries on with it: a colleague or the partnered accountant it was handed to.
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=gettext_lazy("handed to"))
    started_at = models.DateTimeField(gettext_lazy("started"), auto_now_add=True)
    updated_at = models.DateTimeField(gettext_lazy("last progress"), default=timezone.now)
    completed_at = models.DateTimeField(gettext_lazy("completed"), null=True, blank=True)
    # {step key: {"at": ISO time, "by": who or "", "event": what made it true}}
    progress = models.JSONField(default=dict, blank=True)
    skipped = models.JSONField(default=list, blank=True)
    # {step key: why} for completed steps that stopped being true, audited once each.
    broken = models.JSONField(default=dict, blank=True)
    # Facts the platform saw that are nowhere else, such as the last failed API31 test.
    facts = models.JSONField(default=dict, blank=True)

    objects = IntegrationRunQuerySet.as_manager()

    class Meta:
        app_label = "onboarding"
        verbose_name = gettext_lazy("integration run")
        verbose_name_plural = gettext_lazy("integration runs")
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "setup"],
                                               name="integration_run_once_per_organization")]

    def __str__(self):
        definition = self.definition
        return f"{definition.name if definition else self.setup} – {self.organization}"

    @property
    def definition(self):
        from onboarding.integrations.registry import get

        return get(self.setup)

    @property
    def done_count(self) -> int:
        """Steps recorded as done that still hold, as last seen."""
        return sum(1 for key in self.progress if key not in self.broken)

    @property
    def step_count(self) -> int:
        return len(self.definition.steps)

    @classmethod
    def start(cls, *, organization, setup, by, environment) -> tuple[IntegrationRun, bool]:
        if not organization.configurable_by(by, environment):
            raise ChangeRefused(_("Only administrators of the organization set up its "
                                  "integrations."))
        if not organization.is_active:
            raise ChangeRefused(_("Activate the organization before connecting software."))
        with transaction.atomic():
            run, created = cls.objects.get_or_create(organization=organization,
                                                     setup=setup.slug,
                                                     defaults={"started_by": by})
            if created:
                record(environment=organization.environment, actor=by,
                       actor_label=acting_label(by, organization, environment),
                       action="integration.started", target=run,
                       after={"setup": setup.slug, "organization": organization.company_id})
        return run, created

    def _audit(self, by, action, environment=None, **after):
        label = (acting_label(by, self.organization, environment or self.organization.environment)
                 if getattr(by, "pk", None) else "")
        record(environment=self.organization.environment, actor=by, actor_label=label,
               action=action, target=self, after={"setup": self.setup, **after})

    def evaluate(self, secret: str = "") -> list[StepState]:
        """Every step's state from the real state now, with what was recorded before."""
        from onboarding.integrations.checks import Facts
        from onboarding.integrations.values import values_for

        facts = Facts(self, self.definition)
        return [self._step_state(step, step.check(facts), values_for(step, facts, secret))
                for step in self.definition.steps]

    def _step_state(self, step, result, values) -> StepState:
        """A step's state from its check's `result` and what the run recorded."""
        recorded = self.progress.get(step.key)
        if result.ok:
            state = State.COMPLETE
        elif step.key in self.skipped:
            state = State.SKIPPED
        elif recorded:
            state = State.BROKEN
        else:
            state = State.WAITING
        return StepState(step, state, result, recorded, values)

    def refresh(self, by=None, event: str = "") -> list[StepState]:
        """Record what became true, mark what broke, complete the run when all holds."""
        # Another request or a receiver may have recorded progress since this row was read.
        self._copy_from(IntegrationRun.objects.get(pk=self.pk))
        states = self.evaluate()
        with transaction.atomic():
            current = IntegrationRun.objects.select_for_update().get(pk=self.pk)
            changed = False
            for s in states:
                # A step done again after it broke is recorded anew: when, and by what, it
                # holds now, not what made it true before it broke.
                if s.state == State.COMPLETE and (s.key not in current.progress
                                                  or s.key in current.broken):
                    at = s.result.at or timezone.now()
                    who = by.email if getattr(by, "pk", None) else ""
                    current.progress[s.key] = {"at": at.isoformat(), "by": who,
                                               "event": recorded_as(s.step, s.result, event)}
                    current.broken.pop(s.key, None)
                    changed = True
                elif s.state == State.BROKEN and s.key not in current.broken:
                    current.broken[s.key] = s.result.message
                    # The step names it; the run's page says why in the reader's
                    # language, which a stored sentence could not.
                    current._audit(None, "integration.step_broken", step=s.key)
                    changed = True
            done = all(s.state in (State.COMPLETE, State.SKIPPED) for s in states)
            if done and current.completed_at is None:
                current.completed_at = timezone.now()
                current._audit(by, "integration.completed")
                changed = True
            elif not done and current.completed_at is not None:
                # A finished setup whose step broke is open again: its page offers the
                # step's actions, events refresh it, support sees it stuck. The audit log
                # keeps when it was finished (integration.completed) and what broke
                # (integration.step_broken).
                current.completed_at = None
                changed = True
            if changed:
                current.updated_at = timezone.now()
                current.save(update_fields=["progress", "broken", "completed_at", "updated_at"])
        self._copy_from(current)
        if not changed:
            return states
        # The checks just ran: only what the run recorded changed.
        return [self._step_state(s.step, s.result, s.values) for s in states]

    def _copy_from(self, current):
        for name in ("progress", "broken", "skipped", "completed_at", "updated_at",
                     "assigned_to_id", "facts"):
            setattr(self, name, getattr(current, name))

    def confirm(self, step_key: str, by, environment) -> bool:
        """The user's own statement that a step only they can know is done."""
        step = self.definition.step(step_key)
        if step is None or not step.statement:
            raise ChangeRefused(_("This step is checked by the platform, not confirmed."))
        with transaction.atomic():
            current = IntegrationRun.objects.select_for_update().get(pk=self.pk)
            if step_key in current.progress:
                return False
            current.progress[step_key] = {"at": timezone.now().isoformat(), "by": by.email,
                                          "event": "statement"}
            current.updated_at = timezone.now()
            current.save(update_fields=["progress", "updated_at"])
            current._audit(by, "integration.step_confirmed", environment, step=step_key)
        self._copy_from(current)
        return True

    def skip(self, step_key: str, by, environment) -> bool:
        if self.definition.step(step_key) is None:
            raise ChangeRefused(_("There is no such step."))
        with transaction.atomic():
            current = IntegrationRun.objects.select_for_update().get(pk=self.pk)
            if step_key in current.skipped:
                return False
            current.skipped = [*current.skipped, step_key]
            current.updated_at = timezone.now()
            current.save(update_fields=["skipped", "updated_at"])
            current._audit(by, "integration.step_skipped", environment, step=step_key)
        self._copy_from(current)
        return True

    def may_carry_on(self, user) -> bool:
        """Whether `user` may configure the organization, in one of their environments: its
        own, or an accountant's with a partnership."""
        return self.organization.configurers().filter(pk=user.pk).exists()

    def hand_over(self, to, by, environment, url: str = "") -> bool:
        """Give the run to a colleague or the partnered accountant who may configure it; they
        are told by mail, with a link to `url` (the run's page) when given, unless they
        switched that mail off."""
        from portal.mail import notify

        if not self.may_carry_on(to):
            raise ChangeRefused(_("%(email)s may not set up this organization's integrations.")
                                % {"email": to.email}, field="to")
        with transaction.atomic():
            current = IntegrationRun.objects.select_for_update().get(pk=self.pk)
            if current.assigned_to_id == to.pk:
                return False
            current.assigned_to = to
            current.updated_at = timezone.now()
            current.save(update_fields=["assigned_to", "updated_at"])
            current._audit(by, "integration.handed_over", environment, to=to.email)
            notify("handed_over", [to], "integrations/email/handed_over", {
                "run": current, "setup": current.definition,
                "organization": self.organization, "by": by, "url": url})
        self._copy_from(current)
        self.assigned_to = to
        return True

    def note_fact(self, name: str, value: dict) -> bool:
        """Keep the latest fact of its kind that the platform saw, such as a failed test."""
        with transaction.atomic():
            current = IntegrationRun.objects.select_for_update().get(pk=self.pk)
            if current.facts.get(name) == value:
                return False
            current.facts[name] = value
            current.save(update_fields=["facts"])
        self.facts = current.facts
        return True

    def stuck_on(self, facts=None):
        """The first step that is not complete, for support: the steps after it are not
        checked, and no step's values are read. `facts`: read already for a page of runs
        (see Facts.of_runs)."""
        from onboarding.integrations.checks import Facts

        facts = facts or Facts(self, self.definition)
        for step in self.definition.steps:
            state = self._step_state(step, step.check(facts), [])
            if state.state in (State.WAITING, State.BROKEN):
                return state
        return None
