"""Emails the portal sends, each in its recipient's language."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def _send(template: str, to: str, language: str, context: dict):
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"onboarding/email/{template}_subject.txt", context)
        body = render_to_string(f"onboarding/email/{template}.txt", context)
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
        body, settings.DEFAULT_FROM_EMAIL, [to],
    )


def notify_admins_of_join(membership):
    for admin in membership.environment.administrators().exclude(pk=membership.user_id):
        _send("member_joined", admin.email, admin.language, {
            "membership": membership,
            "environment": membership.environment,
            "admin": admin,
        })


def send_invitation(invitation, request):
    url = request.build_absolute_uri(
        reverse("onboarding:invitation_accept", args=[invitation.token])
    )
    _send("invitation", invitation.email, translation.get_language(), {
        "invitation": invitation,
        "environment": invitation.environment,
        "url": url,
        "inviter": invitation.invited_by,
    })


def notify_activation_decision(activation_request, url: str):
    """Tell whoever asked for the activation what TechSupport decided, and why if refused."""
    requester = activation_request.requested_by
    if requester is None or not requester.is_active:
        return
    _send("activation_decision", requester.email, requester.language, {
        "activation": activation_request,
        "organization": activation_request.organization,
        "approved": activation_request.decision == "approved",
        "url": url,
    })


def send_authorisation_request(authorisation_request, url: str):
    _send("authorisation_request", authorisation_request.client_email,
          translation.get_language(), {
              "request": authorisation_request,
              "accountant": authorisation_request.environment,
              "sender": authorisation_request.requested_by,
              "url": url,
          })


def notify_authorisation_answer(authorisation_request, url: str):
    """Tell the accountant who asked whether the client accepted or declined."""
    sender = authorisation_request.requested_by
    if sender is None or not sender.is_active:
        return
    _send("authorisation_answer", sender.email, sender.language, {
        "request": authorisation_request,
        "accepted": authorisation_request.status == "accepted",
        "url": url,
    })


def notify_party_link_decision(link_request, url: str):
    """Tell the requester which organizations TechSupport linked, and why not the others."""
    requester = link_request.identity.user
    if not requester.is_active:
        return
    items = list(link_request.items.select_related("organization"))
    _send("party_link_decision", requester.email, requester.language, {
        "link_request": link_request,
        "approved": [item for item in items if item.decision == "approved"],
        "not_approved": [item for item in items if item.decision != "approved"],
        "url": url,
    })


def notify_upgrade_decision(upgrade_request, url: str):
    """Tell the administrator who asked for an upgrade what Sales decided, and why if not."""
    requester = upgrade_request.requested_by
    if requester is None or not requester.is_active:
        return
    _send("upgrade_decision", requester.email, requester.language, {
        "upgrade": upgrade_request,
        "environment": upgrade_request.environment,
        "approved": upgrade_request.status == "approved",
        "url": url,
    })
