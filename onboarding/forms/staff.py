"""Forms of the platform staff's pages: rejecting a request, subscriptions and contracts."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onboarding.models import Subscription
from portal.widgets import DatePicker, Textarea


class RejectForm(forms.Form):
    """A rejection always carries a reason, because the requester reads it."""

    reason_help = _("The requester reads this in the email and in the portal.")

    reason = forms.CharField(
        label=_("Reason for rejecting"), max_length=2000,
        widget=Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason; the requester will read it.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = self.reason_help


class ActivationRejectForm(RejectForm):
    reason_help = _("The requester reads this in the email and on the dashboard.")


class SubscriptionForm(forms.Form):
    subscription = forms.ChoiceField(label=_("Subscription"), choices=Subscription.choices)


class ContractForm(forms.Form):
    reference = forms.CharField(label=_("Contract reference"), max_length=100)
    api_rights = forms.BooleanField(
        label=_("API rights"), required=False, initial=True,
        help_text=_("The environment's software may use the API (with Professional)."),
    )
    starts_on = forms.DateField(label=_("Starts on"), initial=timezone.localdate,
                                widget=DatePicker())
    ends_on = forms.DateField(label=_("Last day"), required=False,
                              help_text=_("Leave empty while the contract runs on."),
                              widget=DatePicker())

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("A contract cannot end before it starts."))
        return data


class EndContractForm(forms.Form):
    ends_on = forms.DateField(label=_("Last day"), initial=timezone.localdate,
                              widget=DatePicker())


class ActivationApproveForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I compared the details with the KvK register and the Peppol identifiers "
                "listed on this page belong to this organization."),
        error_messages={"required": _("Confirm that you checked the details "
                                                 "before activating.")},
    )
    # The identifiers the page listed, by id: the approval makes those live, and no other.
    identifiers = forms.CharField(widget=forms.HiddenInput, required=False)

    @classmethod
    def listing(cls, identifiers) -> ActivationApproveForm:
        return cls(initial={"identifiers": ",".join(str(i.pk) for i in identifiers)})

    def clean_identifiers(self) -> frozenset[int] | None:
        """None when the request names none: an approval without identifiers is refused
        anyway."""
        listed = frozenset(int(pk) for pk in self.cleaned_data["identifiers"].split(",")
                           if pk.isascii() and pk.isdigit())
        return listed or None
