"""The form that starts a guided setup for one of the user's organizations."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onboarding.models import Organization

CHOOSE = _("Choose one of your active organizations.")


class StartForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("Organization"),
        error_messages={"required": CHOOSE, "invalid_choice": CHOOSE})

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
