"""What sign-up asks besides allauth's own fields."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    """Added to allauth's sign-up form: the company's name, which names the environment a
    first sign-up from a company domain founds. Someone who signs up through an invitation
    joins the inviting environment, so is not asked."""

    company_name = forms.CharField(
        label=_("Company name"), max_length=200,
        help_text=_("Your environment on the portal is named after it. If your company is on "
                    "the portal already, you join it as a colleague instead: that goes by "
                    "your email address's domain."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from allauth.core import context

        from onboarding.models import Invitation

        request = context.request
        if request is not None and request.session.get(Invitation.SESSION_KEY):
            del self.fields["company_name"]

    def signup(self, request, user):
        company_name = " ".join(self.cleaned_data.get("company_name", "").split())
        if company_name:
            user.company_name = company_name
            user.save(update_fields=["company_name"])
