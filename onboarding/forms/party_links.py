"""Forms of the Entra ID sign-in, the party-link requests and TechSupport's queue."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext_lazy as _

from onboarding.clients import entra
from onboarding.models import Organization, PreparationChecklist
from portal.widgets import Textarea

REGISTRY_NUMBER = re.compile(r"^[A-Za-z0-9 .\-]{4,40}$")


class BrokerForm(forms.Form):
    """Step 2 of the guide: acceptance for testing, production for live use."""

    broker = forms.ChoiceField(
        label=_("Service broker environment"), widget=forms.RadioSelect,
        error_messages={"required": _("Choose an environment.")},
        help_text=_("Choose acceptance to test, production for live use, the same as the PSB "
                    "Omgeving you chose in the eConnect extension."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        configured = entra.brokers()
        self.fields["broker"].choices = [(b.key, b.label) for b in configured]
        if len(configured) == 1:
            self.fields["broker"].initial = configured[0].key

    def chosen(self) -> entra.Broker:
        return entra.broker(self.cleaned_data["broker"])


class PreparationForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in PreparationChecklist.ITEMS:
            self.fields[name] = forms.BooleanField(label=label, required=False)


class TypedOrganizationsField(forms.CharField):
    """Organizations not in the list, one per line: name, KvK number."""

    widget = Textarea(attrs={"rows": 3, "placeholder": _("Bakery Ltd, 12345678")})

    def clean(self, value):
        value = super().clean(value)
        pairs, problems = [], []
        for number, line in enumerate(value.splitlines(), start=1):
            if not line.strip():
                continue
            name, _comma, registry = line.rpartition(",")
            name, registry = name.strip(), registry.strip()
            if not name or not REGISTRY_NUMBER.match(registry):
                problems.append(number)
            else:
                pairs.append((name[:200], registry))
        if problems:
            raise forms.ValidationError(
                _("Line %(lines)s: give the name and the KvK number, separated by a comma.")
                % {"lines": ", ".join(str(n) for n in problems)})
        return pairs


class PartyLinkRequestForm(forms.Form):
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations in your environment"), queryset=Organization.objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Active organizations of your environment, with their KvK number."))
    typed = TypedOrganizationsField(
        label=_("Other organizations"), required=False,
        help_text=_("One per line: the name, a comma, and the KvK number (or other business "
                    "registration number)."))
    entra_username = forms.CharField(
        label=_("Entra user name"), max_length=254,
        help_text=_("The Microsoft account that connects Business Central to the service "
                    "broker."))
    note = forms.CharField(label=_("Note for TechSupport"), required=False, max_length=2000,
                           widget=Textarea(attrs={"rows": 2}))

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = self.fields["organizations"]
        if organizations is not None:
            chosen.queryset = organizations
        chosen.label_from_instance = (
            lambda org: f"{org.name} (KvK {org.registry_number})" if org.registry_number
            else org.name)
        if not chosen.queryset.exists():
            chosen.widget = forms.MultipleHiddenInput()

    def clean(self):
        cleaned = super().clean()
        if (not self.errors and not cleaned.get("organizations")
                and not cleaned.get("typed")):
            # Next to the list, or next to the typed field when there is no list to show.
            shown = "organizations" if self.fields["organizations"].queryset.exists() else "typed"
            self.add_error(shown, _("Choose or type at least one organization."))
        return cleaned


# The rights TechSupport may give beyond sending and receiving: form key, the link's field
# and the label.
MORE_RIGHTS = {
    "remove": ("can_remove", _("Remove documents")),
    "status": ("can_change_status", _("Change document status")),
    "hooks": ("can_manage_hooks", _("Manage webhooks")),
}


@dataclass
class ApprovalRow:
    item: object
    # (organization, warnings about it) for each platform organization the item may mean.
    matches: list = field(default_factory=list)
    approve: forms.BoundField | None = None
    organization: forms.BoundField | None = None
    send: forms.BoundField | None = None
    receive: forms.BoundField | None = None
    # The rights beyond sending and receiving: their bound fields.
    more: list = field(default_factory=list)


class ApproveForm(forms.Form):
    """Per organization asked for: approve it or not, which platform organization it is (matched
    by KvK number), and whether the identity may send, receive or both."""

    reason = forms.CharField(
        label=_("Note to the requester"), required=False, max_length=2000,
        widget=Textarea(attrs={"rows": 2}),
        help_text=_("Say why organizations you do not approve were left out."))

    def __init__(self, *args, link_request, **kwargs):
        super().__init__(*args, **kwargs)
        self.link_request = link_request
        self.rows: list[ApprovalRow] = []
        self._candidates = {}
        for item in link_request.items.all():
            candidates = list(item.candidates())
            self._candidates[item.pk] = {str(org.pk): org for org in candidates}
            names = self._names(item)
            default = item.organization_id or (candidates[0].pk if len(candidates) == 1 else "")
            self.fields[names["approve"]] = forms.BooleanField(
                label=_("Approve"), required=False)
            self.fields[names["organization"]] = forms.ChoiceField(
                label=_("Platform organization"), required=False, initial=default,
                choices=[("", _("— choose —"))] + [
                    (str(org.pk), f"{org.name} · {org.company_id} · {org.environment.name}")
                    for org in candidates])
            self.fields[names["send"]] = forms.BooleanField(
                label=_("Send"), required=False, initial=True)
            # Business Central's extension fetches the organization's received invoices
            # with this link: an organization that receives needs the right.
            chosen = next((org for org in candidates if org.pk == default), None)
            self.fields[names["receive"]] = forms.BooleanField(
                label=_("Receive"), required=False,
                initial=chosen is not None and chosen.receiving_enabled)
            for key, (_right, label) in MORE_RIGHTS.items():
                self.fields[names[key]] = forms.BooleanField(label=label, required=False)
            bound = {key: self[name] for key, name in names.items()}
            self.rows.append(ApprovalRow(
                item=item, matches=[(org, self._warnings(org)) for org in candidates],
                more=[bound.pop(key) for key in MORE_RIGHTS], **bound))

    @staticmethod
    def _names(item) -> dict:
        return {key: f"item-{item.pk}-{key}"
                for key in ("approve", "organization", "send", "receive", *MORE_RIGHTS)}

    def _warnings(self, org) -> list[str]:
        warnings = []
        own = self.link_request.environment
        if own is None or org.environment_id != own.pk:
            warnings.append(_("In environment %(environment)s, not the requester's.")
                            % {"environment": org.environment.name})
        if not org.is_active:
            warnings.append(_("Not active: %(status)s.")
                            % {"status": org.get_status_display().lower()})
        return warnings

    def clean(self):
        cleaned = super().clean()
        grants = {}
        for row in self.rows:
            names = self._names(row.item)
            if not cleaned.get(names["approve"]):
                continue
            organization = self._candidates[row.item.pk].get(cleaned.get(names["organization"]))
            if organization is None:
                self.add_error(names["organization"],
                               _("Choose the platform organization to link."))
                continue
            send, receive = bool(cleaned.get(names["send"])), bool(cleaned.get(names["receive"]))
            if not (send or receive):
                self.add_error(names["send"], _("Allow sending, receiving or both."))
                continue
            grants[row.item.pk] = (organization, {
                "can_send": send, "can_receive": receive,
                **{right: bool(cleaned.get(names[key]))
                   for key, (right, _label) in MORE_RIGHTS.items()}})
        if not grants and not self.errors:
            raise forms.ValidationError(
                _("Tick at least one organization to approve, or reject the request."))
        self.grants = grants
        return cleaned


class SendingForm(forms.Form):
    sending_enabled = forms.BooleanField(
        label=_("Sending via Peppol"), required=False,
        help_text=_("The connection is active only while this is checked."))
