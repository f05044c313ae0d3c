from django import forms
from django.utils.translation import gettext_lazy as _

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
        self.fields["action"].choices = [("", _("All actions"))] + [(a, a) for a in actions]

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
