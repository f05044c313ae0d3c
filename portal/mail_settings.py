"""A user's mail settings: which of the portal's notifications (portal.mail_kinds) they get.
Every kind is on until they switch it off; the mails themselves link here."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal import mail_kinds


class MailSettingsForm(forms.Form):
    """One switch per kind of mail, on for the kinds the user gets."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in (kind for kind in mail_kinds.ordered() if kind.reaches(user)):
            self.fields[kind.key] = forms.BooleanField(
                label=kind.label, help_text=kind.description, required=False,
                initial=user.wants_mail(kind.key))

    def muted(self) -> list[str]:
        return [key for key, wanted in self.cleaned_data.items() if not wanted]


@login_required
def mail_settings(request):
    form = MailSettingsForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if request.user.choose_mail(form.muted()):
            messages.success(request, _("Your mail settings were saved."))
        else:
            messages.info(request, _("Your mail settings were already like this."))
        return redirect("portal:mail_settings")
    return render(request, "portal/mail_settings.html", {"form": form})
