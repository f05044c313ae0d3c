"""Writing rules that hold whatever the sentence."""

import pytest

from portal.text import one_full_stop


@pytest.mark.parametrize("sentence,written", [
    ("Linked to Acme B.V..", "Linked to Acme B.V."),
    ("Linked to Acme B.V.", "Linked to Acme B.V."),
    ("Linked to Acme BV.", "Linked to Acme BV."),
    ("Waiting...", "Waiting..."),
    ("", ""),
])
def test_it_ends_a_sentence_with_one_full_stop(sentence, written):
    assert one_full_stop(sentence) == written


def forms_of(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from forms_of(sub)


def test_every_text_field_of_every_form_refuses_control_characters():
    # The admin's and allauth's forms are made before the portal's app is ready; they too.
    import allauth.account.forms  # noqa: F401
    import django.contrib.auth.forms  # noqa: F401
    from django import forms

    from invoices.forms import UploadForm  # noqa: F401
    from portal.text import refuse_control_characters

    text_fields = [(form, name) for form in set(forms_of(forms.BaseForm))
                   for name, field in getattr(form, "base_fields", {}).items()
                   if type(field).default_validators is forms.CharField.default_validators]
    assert len(text_fields) > 20
    assert [(form.__name__, name) for form, name in text_fields
            if refuse_control_characters not in form.base_fields[name].validators] == []
    field = forms.CharField()
    with pytest.raises(forms.ValidationError, match="invisible control characters"):
        field.clean("Bakker\x1b[31m BV")
    assert field.clean("Bakker\tBV") == "Bakker\tBV"
