"""Emails the portal sends, each in its recipient's language.

Each is queued (portal.mail), not sent inside the request: call these inside the transaction
that records what the mail is about.
"""

from django.urls import reverse

from onboarding.adapters import recipient_language
from portal.mail import notify, portal_link, send_templated_mail


def _send(template: str, to: str, language: str, context: dict, reply_to: str = ""):
    send_templated_mail(f"onboarding/email/{template}", to=to, language=language,
                        context=context, reply_to=reply_to)


def _tell(user, template: str, context: dict, reply_to: str = ""):
    """Mail a user of the portal in their language, unless the account is gone or off."""
    if user is None or not user.is_active:
        return
    _send(template, user.email, user.language, context, reply_to)


def _address(user) -> str:
    """Where a reply to a mail sent on `user`'s behalf goes: to them, not to the portal."""
    return user.email if user is not None and user.is_active else ""


def notify_admins_of_join(membership):
    notify("member_joined",
           membership.environment.administrators().exclude(pk=membership.user_id),
           "onboarding/email/member_joined",
           {"membership": membership, "environment": membership.environment,
            "url": portal_link(reverse("onboarding:members"))})


def send_invitation(invitation):
    url = portal_link(
        reverse("onboarding:invitation_accept", args=[invitation.token])
    )
    _send("invitation", invitation.email, recipient_language(invitation.email), {
        "invitation": invitation,
        "environment": invitation.environment,
        "url": url,
        "inviter": invitation.invited_by,
    }, reply_to=_address(invitation.invited_by))


def notify_activation_decision(activation_request, url: str):
    """Tell whoever asked for the activation what TechSupport decided, and why if refused.
    When an accountant asked, the organization's own administrators hear of an approval too:
    their organization is live, and only they switch receiving on."""
    approved = activation_request.decision == "approved"
    organization = activation_request.organization
    accountant = activation_request.accountant
    _tell_decision(activation_request, "activation_decision", url, approved=approved,
                   activation=activation_request, organization=organization,
                   accountant=accountant)
    if approved and accountant is not None:
        notify("organization_activated",
               organization.administrators().exclude(pk=activation_request.requested_by_id),
               "onboarding/email/activation_decision", {
                   "approved": True, "activation": activation_request,
                   "organization": organization, "asked_by": accountant, "url": url})


def _tell_decision(request, template: str, url: str, **context):
    """Tell whoever made `request` what was decided; `context` says whether it was approved."""
    _tell(request.requested_by, template, {**context, "url": url})


def send_authorisation_request(authorisation_request, url: str):
    _send("authorisation_request", authorisation_request.client_email,
          recipient_language(authorisation_request.client_email), {
              "request": authorisation_request,
              "accountant": authorisation_request.environment,
              "sender": authorisation_request.requested_by,
              "url": url,
          }, reply_to=_address(authorisation_request.requested_by))


def notify_authorisation_answer(authorisation_request, url: str):
    """Tell the accountant who asked whether the client accepted or declined."""
    # The organization chosen and who answered, not the name the accountant typed.
    _tell(authorisation_request.requested_by, "authorisation_answer", {
        "request": authorisation_request,
        "accepted": authorisation_request.status == "accepted",
        "organization": authorisation_request.organization,
        "answered_by": authorisation_request.decided_by,
        "url": url,
    }, reply_to=_address(authorisation_request.decided_by))


def notify_partnership_ended(partnership, url: str, *, revoked_keys: int, kept_keys: int,
                             paused_hooks: int):
    """Tell the accountancy's administrators that a client ended their access to an
    organization, and what became of the connection keys they made for it."""
    notify("partnership_ended", partnership.accountant.administrators(),
           "onboarding/email/partnership_ended",
           {"partnership": partnership, "organization": partnership.organization,
            "revoked_keys": revoked_keys, "kept_keys": kept_keys,
            "paused_hooks": paused_hooks, "url": url})


def notify_partnership_stopped(partnership, url: str, *, kept_keys: int, paused_hooks: int):
    """Tell the client organization's administrators that the accountant stopped working
    for it, and what became of the keys and webhooks the accountant's users made."""
    notify("partnership_stopped", partnership.organization.administrators(),
           "onboarding/email/partnership_stopped",
           {"partnership": partnership, "organization": partnership.organization,
            "kept_keys": kept_keys, "paused_hooks": paused_hooks, "url": url})


def notify_subscription_changed(environment, before, losses: list, url: str):
    """Tell an environment's administrators that Sales changed its subscription, and what it
    can no longer do on the new one (`losses`, asked before the change) or can do again
    (asked here, after it)."""
    from onboarding.models.entitlements import gains

    notify("subscription_changed", environment.administrators(),
           "onboarding/email/subscription_changed",
           {"environment": environment, "before": before, "losses": losses,
            "gains": gains(environment, before), "url": url})


def notify_identifier_rejected(identifier, url: str):
    """Tell the organization's administrators that TechSupport did not verify an identifier
    they added, and why: it neither sends nor receives until they change it."""
    notify("identifier_decided", identifier.organization.administrators(),
           "onboarding/email/identifier_rejected",
           {"identifier": identifier, "organization": identifier.organization, "url": url})


def notify_identifier_verified(identifier, url: str):
    """Tell the organization's administrators that TechSupport verified an identifier they
    added: it sends and receives from now on, as its switches say."""
    notify("identifier_decided", identifier.organization.administrators(),
           "onboarding/email/identifier_verified",
           {"identifier": identifier, "organization": identifier.organization, "url": url})


def notify_party_link_decision(link_request, url: str):
    """Tell the requester which organizations TechSupport linked, and why not the others."""
    items = list(link_request.items.select_related("organization"))
    _tell(link_request.identity.user, "party_link_decision", {
        "link_request": link_request,
        "approved": [item for item in items if item.decision == "approved"],
        "not_approved": [item for item in items if item.decision != "approved"],
        "url": url,
    })


def notify_upgrade_decision(upgrade_request, url: str):
    """Tell the administrator who asked for an upgrade what Sales decided, and why if not."""
    _tell_decision(upgrade_request, "upgrade_decision", url,
                   approved=upgrade_request.status == "approved",
                   upgrade=upgrade_request, environment=upgrade_request.environment)


def alert_staff(kind: str, url: str, *, asked_by, **context):
    """Tell the platform staff whom mail `kind` reaches (TechSupport or Sales), unless they
    switched it off, that something waits for them on the staff page at `url`.

    `asked_by` is the user whose request it is (None when nobody asked): a reply to the
    alert goes to them, as the question is theirs, not to the staff's own support address."""
    from onboarding.models import User
    from portal.mail_kinds import KINDS

    notify(kind, User.objects.filter(**{KINDS[kind].staff_flag: True}),
           f"onboarding/email/{kind}", {**context, "url": portal_link(url)},
           reply_to=_address(asked_by))
