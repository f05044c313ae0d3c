"""Placing users in environments when allauth tells us an address is theirs, telling an
account's main address of the addresses added to it, and asking about receiving at login."""

from allauth.account.adapter import get_adapter
from allauth.account.signals import email_added, email_confirmed, user_signed_up
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

from onboarding.models import Environment, Invitation
from portal.errors import ChangeRefused


@receiver(user_signed_up)
def accept_invitation_on_signup(request, user, **kwargs):
    token = request.session.pop(Invitation.SESSION_KEY, None) if request else None
    invitation = Invitation.from_token(token) if token else None
    if invitation is None:
        return
    try:
        invitation.accept(user)
    except ChangeRefused:
        # Signed up with another address than invited: the link still works later on.
        request.session[Invitation.SESSION_KEY] = token


@receiver(email_confirmed)
def provision_environment(request, email_address, **kwargs):
    user = email_address.user
    if user.memberships.exists():
        return
    if request is not None and request.session.get(Invitation.SESSION_KEY):
        invitation = Invitation.from_token(request.session[Invitation.SESSION_KEY])
        if invitation is not None and invitation.email == email_address.email.lower():
            try:
                invitation.accept(user)
                request.session.pop(Invitation.SESSION_KEY, None)
                return
            except ChangeRefused:
                pass
    Environment.provision_for(user, email_address.email)


@receiver(email_confirmed)
def drop_unconfirmed_claims(request, email_address, **kwargs):
    """The address is now its confirmer's: other accounts that listed it without confirming
    it lose that row, so it no longer looks like theirs anywhere."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(email__iexact=email_address.email, verified=False,
                                primary=False).exclude(user=email_address.user).delete()


def _tell_the_account(request, template_prefix, email_address, context):
    """Tell the account's main address (primary and confirmed) about a change to one of its
    other addresses: whoever added an address of their own to someone else's account does
    not read that account's mail, so the owner hears of it there. An account without such
    an address (a sign-up confirming its first one) has no one else to tell."""
    from allauth.account.models import EmailAddress

    main = (EmailAddress.objects.filter(user=email_address.user, primary=True, verified=True)
            .exclude(pk=email_address.pk).exclude(email__iexact=email_address.email).first())
    if main is None:
        return
    get_adapter(request).send_notification_mail(
        template_prefix, email_address.user, context, email=main.email)


@receiver(email_added)
def tell_the_account_of_an_added_address(request, user, email_address, **kwargs):
    _tell_the_account(request, "account/email/email_added", email_address,
                      {"added_email": email_address.email})


@receiver(email_confirmed)
def tell_the_account_of_a_confirmed_address(request, email_address, **kwargs):
    _tell_the_account(request, "account/email/email_confirm", email_address,
                      {"confirmed_email": email_address.email})


# Set at login; the dashboard uses it up when it asks about receiving.
ASK_RECEIVING_SESSION_KEY = "ask_receiving"


@receiver(user_logged_in)
def ask_about_receiving(request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[ASK_RECEIVING_SESSION_KEY] = True


@receiver(user_signed_up)
@receiver(user_logged_in)
def remember_language(request, user, **kwargs):
    """The language a person signs up or first signs in with is theirs until they choose
    another, so their mail and their next sign-in elsewhere use it."""
    # The language the request was served in; a login without a request (force_login in
    # tests, a management command) says nothing about the person.
    language = getattr(request, "LANGUAGE_CODE", "")
    codes = {code for code, _name in settings.LANGUAGES}
    if not user.language and language in codes:
        user.language = language
        user.save(update_fields=["language"])
    if language in codes and user.language in codes and user.language != language:
        # allauth writes "Signed in as ..." after this signal, so in the person's own
        # language; the page the sign-in redirects to follows it (portal.language sets the
        # language cookie on this response).
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
