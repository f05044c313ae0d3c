from onboarding.models.audit import AuditEvent
from onboarding.models.environments import Environment, Invitation, Membership, Role, Subscription
from onboarding.models.users import User

__all__ = [
    "AuditEvent",
    "Environment",
    "Invitation",
    "Membership",
    "Role",
    "Subscription",
    "User",
]
