"""Recording audit events: one call per change, inside the change's transaction."""

from __future__ import annotations

from django.db import models


def _label(obj) -> str:
    return str(obj)[:254] if obj is not None else ""


def record(*, environment, actor, action: str, target: models.Model | None = None,
           before: dict | None = None, after: dict | None = None, actor_label: str = ""):
    from onboarding.models import AuditEvent

    return AuditEvent.objects.create(
        environment=environment,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label or (actor.email if getattr(actor, "pk", None) else "system"),
        action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=_label(target),
        before=before or {},
        after=after or {},
    )
