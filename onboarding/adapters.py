from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onboarding import encryption


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": gettext_lazy(
            "Too many failed sign-in attempts. Wait a few minutes and try again, or reset "
            "your password."),
    }

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


class MFAAdapter(DefaultMFAAdapter):
    """Second-factor secrets are stored encrypted, so a database dump does not give them away."""

    def encrypt(self, text: str) -> str:
        return encryption.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return encryption.decrypt(encrypted_text)
