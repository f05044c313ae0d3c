from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onboarding import encryption
from portal.language import speak_as
from portal.mail import queue_mail, subject_prefix


def staff_start_url(user) -> str | None:
    """Where platform staff start: the staff home, which shows each of their queues with
    how many items wait in it."""
    if getattr(user, "is_platform_staff", False):
        return reverse("onboarding:staff_home")
    return None


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": gettext_lazy(
            "Too many failed sign-in attempts. Wait a few minutes and try again, or reset "
            "your password."),
        # A second factor's codes: a new password would not help there.
        "too_many_code_attempts": gettext_lazy(
            "Too many wrong codes. Wait a few minutes and try again, or enter one of your "
            "recovery codes."),
    }

    def validation_error(self, code, *args):
        # allauth's second-factor forms share the password's lockout message; the page the
        # code is typed on says which one the person ran into.
        if code == "too_many_login_attempts" and _on_second_factor_page(allauth_context.request):
            code = "too_many_code_attempts"
        return super().validation_error(code, *args)

    def pre_login(self, request, user, **kwargs):
        refused = super().pre_login(request, user, **kwargs)
        if refused is None:
            # The password is accepted: what follows (the second-factor page, the sign-in
            # message) speaks the person's own language, whichever the sign-in page spoke.
            speak_as(request, user)
        return refused

    def get_login_redirect_url(self, request):
        # A `next` in the sign-in link still wins: allauth only asks here without one.
        return staff_start_url(request.user) or super().get_login_redirect_url(request)

    def clean_email(self, email):
        email = super().clean_email(email)
        request = getattr(self, "request", None)
        user = getattr(request, "user", None)
        environment = getattr(request, "environment", None)
        # Only when a signed-in user adds an address: sign-up decides the environment instead.
        adding = user is not None and user.is_authenticated and environment is not None
        if adding and not environment.allows_email(email):
            raise forms.ValidationError(
                _("Addresses in this environment must end in @%(domain)s. Platform "
                  "support can mark the environment as shared to allow other domains.")
                % {"domain": environment.domain}
            )
        return email

    def format_email_subject(self, subject) -> str:
        return subject_prefix() + force_str(subject)

    def send_mail(self, template_prefix, email, context):
        """allauth's mail (address confirmation, password reset, ...) in the recipient's own
        language, naming the portal rather than the host it was reached on, with every link
        on PORTAL_URL, handed to the task queue like every other mail of the portal."""
        request = allauth_context.request
        context = {key: portal_address(value) if key.endswith("_url") else value
                   for key, value in context.items()}
        with translation.override(recipient_language(email, context.get("user"))):
            ctx = {"request": request, "email": email, **context,
                   "current_site": PortalSite(request)}
            message = self.render_mail(template_prefix, email, ctx)
        # The portal's mail templates are plain text only (no *_message.html), so the
        # plain body is the whole message.
        queue_mail(subject=message.subject, body=message.body, to=list(message.to),
                   kind=template_prefix.rsplit("/", 1)[-1])

    def get_email_confirmation_url(self, request, emailconfirmation):
        return portal_address(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key):
        return portal_address(super().get_reset_password_from_key_url(key))


def portal_address(url):
    """`url` on the portal's public address (PORTAL_URL), whatever host the request that
    made it came in on: behind a proxy that host is an internal name."""
    if not isinstance(url, str) or not url:
        return url
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "") + (
        f"#{parts.fragment}" if parts.fragment else "")
    return settings.PORTAL_URL.rstrip("/") + path


def _on_second_factor_page(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and (match.url_name or "").startswith("mfa_"))


class MFAAdapter(DefaultMFAAdapter):
    """Second-factor secrets are stored encrypted, so a database dump does not give them away."""

    def encrypt(self, text: str) -> str:
        return encryption.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return encryption.decrypt(encrypted_text)


class PortalSite:
    """What allauth's mail templates call the site: its name, and the host for links."""

    def __init__(self, request):
        self.name = _("Peppol onboarding portal")
        self.domain = urlsplit(settings.PORTAL_URL).netloc

    def __str__(self):
        return self.name


def recipient_language(email, user=None) -> str:
    """The language the person behind `email` chose, else the one they are using now.

    The person behind an address is the user who confirmed it, when there is one: a mail to
    an address someone else added to their account is read by its owner."""
    from allauth.account.models import EmailAddress

    from onboarding.models import User

    confirmed = (EmailAddress.objects.filter(email__iexact=email, verified=True)
                 .select_related("user").first())
    owner = confirmed.user if confirmed is not None else None
    language = getattr(owner, "language", "") or getattr(user, "language", "")
    if not language:
        owner = (User.objects.filter(email__iexact=email).first()
                 or User.objects.filter(emailaddress__email__iexact=email).first())
        language = getattr(owner, "language", "")
    language = language or translation.get_language()
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE
