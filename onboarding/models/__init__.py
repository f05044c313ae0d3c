from onboarding.models.audit import AuditEvent, record_on_organization
from onboarding.models.connection_keys import ConnectionKey, IssuedKey
from onboarding.models.entra import (
    BrokerEnvironment,
    EntraIdentity,
    PartyLink,
    PartyLinkRequest,
    PartyLinkRequestItem,
    PreparationChecklist,
)
from onboarding.models.environments import Environment, Invitation, Membership, Role, Subscription
from onboarding.models.organizations import (
    ActivationRequest,
    Country,
    Organization,
    OrganizationIdentifier,
    OrganizationMember,
)
from onboarding.models.partnerships import (
    AuthorisationRequest,
    Partnership,
    Software,
)
from onboarding.models.subscriptions import (
    Contract,
    UpgradeRequest,
    change_subscription,
    has_api_contract,
)
from onboarding.models.users import User

__all__ = [
    "ActivationRequest",
    "AuditEvent",
    "AuthorisationRequest",
    "ConnectionKey",
    "IssuedKey",
    "IntegrationRun",
    "Partnership",
    "Software",
    "record_on_organization",
    "BrokerEnvironment",
    "Contract",
    "Country",
    "EntraIdentity",
    "Organization",
    "OrganizationIdentifier",
    "OrganizationMember",
    "PartyLink",
    "PartyLinkRequest",
    "PartyLinkRequestItem",
    "PreparationChecklist",
    "Environment",
    "Invitation",
    "Membership",
    "Role",
    "Subscription",
    "change_subscription",
    "has_api_contract",
    "UpgradeRequest",
    "User",
]
from onboarding.integrations.runs import IntegrationRun  # noqa: E402
