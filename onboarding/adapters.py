from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _


def staff_queue_url(user) -> str | None:
    """Where platform staff start: the queue their role works through."""
    if getattr(user, "is_techsupport", False):
        return reverse("onboarding:staff_activations")
    if getattr(user, "is_sales", False):
        return reverse("onboarding:staff_upgrades")
    return None


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        # A `next` in the sign-in link still wins: allauth only asks here without one.
        return staff_queue_url(request.user) or super().get_login_redirect_url(request)

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
