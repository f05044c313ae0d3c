from django import forms
from django.utils.translation import gettext_lazy as _

from invoices.test_invoice import card_refusal

SELF = "self"


class UploadForm(forms.Form):
    file = forms.FileField(label=_("UBL file"),
                           help_text=_("An invoice or credit note in UBL 2.1 (Peppol BIS "
                                       "Billing 3.0 or SI-UBL 2.0), as your software exports "
                                       "it."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xml,text/xml"}))


class ReceiverField(forms.ChoiceField):
    """The receivers on offer; `held_back` are known but not offered, so that posting one
    (from an old page, say) is answered with why, rather than "not one of the choices"."""

    held_back: frozenset = frozenset()

    def valid_value(self, value):
        return str(value) in self.held_back or super().valid_value(value)


class TestInvoiceForm(forms.Form):
    receiver = ReceiverField(
        label=_("Send to"), widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("A customer receives it as a real invoice of one cent, in its inbox or "
                    "software: tell them first. Sent to this organization itself, nobody else "
                    "sees it."))
    street = forms.CharField(label=_("Street and number"), required=False, max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), required=False, max_length=20)
    city = forms.CharField(label=_("City"), required=False, max_length=100)

    def __init__(self, data=None, *, organization, cards, receives_itself, **kwargs):
        super().__init__(data, **kwargs)
        choices = []
        if receives_itself:
            choices.append((SELF, _("%(name)s itself (its own inbox)")
                            % {"name": organization.name}))
        self.held_back = [card for card in cards if card_refusal(card)]
        choices += [(str(card.pk), f"{card.name} ({card.endpoint_id})") for card in cards
                    if card not in self.held_back]
        self.fields["receiver"].choices = choices
        self.fields["receiver"].held_back = frozenset(str(card.pk) for card in self.held_back)
        self.cards = {str(card.pk): card for card in cards}
