"""The portal's own widgets."""

from django import forms

from onboarding.forms.staff import RejectForm
from portal.widgets import Textarea


def test_a_text_box_counts_a_line_break_once_as_the_browser_does():
    class Note(forms.Form):
        text = forms.CharField(max_length=5, widget=Textarea)

    # What a browser posts for "ab", a new line and "cd": five characters in the box.
    form = Note({"text": "ab\r\ncd"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["text"] == "ab\ncd"


def test_a_reason_that_fills_the_box_with_line_breaks_is_taken():
    limit = RejectForm.base_fields["reason"].max_length
    lines = ["x" * 9] * (limit // 10)

    form = RejectForm({"reason": "\r\n".join(lines)})

    assert form.is_valid(), form.errors
