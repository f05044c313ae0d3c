from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.models import Topic
from webhooks.safety import UnsafeTarget, resolve


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Target URL"), max_length=500, assume_scheme="https",
        help_text=_("Where the portal posts each event, over https, to a public address."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False,
                                  help_text=_("Optional, to tell webhooks apart."))
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one topic to announce.")})

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
