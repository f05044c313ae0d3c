from django import forms
from django.utils.translation import gettext_lazy as _

from onboarding.audit_text import action_name
from onboarding.models import AuditEvent, Role


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Role.choices, initial=Role.BASIC,
        help_text=_("Basic users work in the portal; Advanced users may also make partnerships "
                    "and authorisation requests; Administrators manage users and settings."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ActivityFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who"), required=False,
                            widget=forms.TextInput(attrs={"placeholder": _("email contains")}))
    since = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, environment=None, **kwargs):
        super().__init__(*args, **kwargs)
        actions = (
            AuditEvent.objects.filter(environment=environment)
            .order_by("action").values_list("action", flat=True).distinct()
        )
        names = sorted((action_name(a), a) for a in actions)
        self.fields["action"].choices = [("", _("All actions"))] + [(a, n) for n, a in names]

    def filter(self, events):
        if not self.is_valid():
            return events
        data = self.cleaned_data
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["actor"]:
            events = events.filter(actor_label__icontains=data["actor"])
        if data["since"]:
            events = events.filter(created_at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(created_at__date__lte=data["until"])
        return events
