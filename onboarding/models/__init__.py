from onboarding.models.audit import AuditEvent
from onboarding.models.environments import Environment, Invitation, Membership, Role, Subscription
from onboarding.models.organizations import (
    ActivationRequest,
    Country,
    Organization,
    OrganizationIdentifier,
    OrganizationMember,
)
from onboarding.models.subscriptions import Contract, change_subscription, has_api_contract
from onboarding.models.users import User

__all__ = [
    "ActivationRequest",
    "AuditEvent",
    "Contract",
    "Country",
    "Organization",
    "OrganizationIdentifier",
    "OrganizationMember",
    "Environment",
    "Invitation",
    "Membership",
    "Role",
    "Subscription",
    "change_subscription",
    "has_api_contract",
    "User",
]
