"""allauth's account forms (ACCOUNT_FORMS), narrowed so that an address counts as someone's
only once they confirmed it."""

from allauth.account import forms as allauth_forms
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model


def users_who_own(email: str) -> list:
    """The active users who confirmed `email`, or, for an account made without allauth (no
    address rows at all, such as `createsuperuser`), whose own email it is."""
    user_model = get_user_model()
    confirmed = list(user_model.objects.filter(
        is_active=True, emailaddress__email__iexact=email, emailaddress__verified=True,
    ).distinct())
    if confirmed:
        return confirmed
    return list(user_model.objects.filter(is_active=True, email__iexact=email,
                                          emailaddress__isnull=True))


def unconfirmed_claims(email: str):
    """Unconfirmed rows of `email` that another account added besides its own address: a
    claim nobody proved, which must not keep the address's owner from signing up."""
    user_model = get_user_model()
    if (EmailAddress.objects.filter(email__iexact=email, verified=True).exists()
            or user_model.objects.filter(email__iexact=email).exists()):
        return EmailAddress.objects.none()
    return EmailAddress.objects.filter(email__iexact=email, verified=False, primary=False)


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    """allauth's form falls back to unconfirmed addresses, which would mail a reset link for
    an account to whoever owns an address that account merely listed. An unconfirmed address
    is answered like an unknown one, and the page looks the same either way."""

    def clean_email(self):
        email = super().clean_email()
        self.users = users_who_own(email)
        return email


class SignupForm(allauth_forms.SignupForm):
    """allauth treats an address another account only listed (unconfirmed) as taken, so its
    real owner could not sign up. Such claims give way: the sign-up goes ahead and the claim
    is dropped with it; the other account may add the address again and must confirm it."""

    def validate_unique_email(self, value):
        self._claims_to_drop = []
        if unconfirmed_claims(value).exists():
            self._claims_to_drop = list(unconfirmed_claims(value).values_list("pk", flat=True))
            self.account_already_exists = False
            return value
        return super().validate_unique_email(value)

    def save(self, request):
        if getattr(self, "_claims_to_drop", None):
            # allauth gives a new account no address row that exists on another account.
            EmailAddress.objects.filter(pk__in=self._claims_to_drop, verified=False).delete()
        return super().save(request)
