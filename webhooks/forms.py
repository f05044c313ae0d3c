from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.models import Topic
from webhooks.safety import UnsafeTarget, allow_local, resolve

PUBLIC_ONLY = _("Where the portal posts each event, over https, to a public address.")
LOCAL_ALLOWED = _("Where the portal posts each event, over https or http, to a public address "
                  "or to this machine (localhost, 127.0.0.1): this portal allows local "
                  "targets, for trying things out. Private network addresses stay refused.")


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Target URL"), max_length=500, assume_scheme="https", help_text=PUBLIC_ONLY)
    description = forms.CharField(label=_("Description"), max_length=200, required=False,
                                  help_text=_("Optional, to tell webhooks apart."))
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one topic to announce.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What safety.resolve accepts under the settings of the moment (WEBHOOKS_ALLOW_LOCAL).
        if allow_local():
            self.fields["url"].help_text = LOCAL_ALLOWED

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            resolve(url)
        except UnsafeTarget as refused:
            raise forms.ValidationError(refused.message) from None
        return url

    def clean_topics(self):
        # In the order of the list, whatever order the browser sent them in.
        chosen = set(self.cleaned_data["topics"])
        return [value for value, _label in Topic.choices if value in chosen]
