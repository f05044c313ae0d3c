from django import forms
from django.utils.translation import gettext_lazy as _

from onboarding.models import Role


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Role.choices, initial=Role.BASIC,
        help_text=_("Basic users work in the portal; Advanced users may also make partnerships "
                    "and authorisation requests; Administrators manage users and settings."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
