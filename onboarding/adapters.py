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
from portal.mail import subject_prefix


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
    }

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
        language, naming the portal rather than the host it was reached on."""
        request = allauth_context.request
        with translation.override(recipient_language(email, context.get("user"))):
            ctx = {"request": request, "email": email, **context,
                   "current_site": PortalSite(request)}
            message = self.render_mail(template_prefix, email, ctx)
        message.send()


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
        self.domain = request.get_host() if request is not None else ""

    def __str__(self):
        return self.name


def recipient_language(email, user=None) -> str:
    """The language the person behind `email` chose, else the one they are using now."""
    from onboarding.models import User

    language = getattr(user, "language", "")
    if not language:
        owner = (User.objects.filter(email__iexact=email).first()
                 or User.objects.filter(emailaddress__email__iexact=email).first())
        language = getattr(owner, "language", "")
    language = language or translation.get_language()
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE
