"""Account pages the portal answers itself, placed before allauth's own under accounts/."""

from django.urls import path

from onboarding.views import accounts

urlpatterns = [
    # A sign-in blocked by the failed-attempts limit answers 429.
    path("login/", accounts.login, name="account_login"),
]
