"""Form widgets that several apps use alike."""

from django import forms


class DatePicker(forms.DateInput):
    """The browser's date picker. It reads and sends ISO dates (2026-12-31) in every language,
    so its value is written that way too, not in the reader's format (31-12-2026 in Dutch),
    which the browser would leave out."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class Textarea(forms.Textarea):
    """A text box whose line breaks come as one character each, as the browser counts them
    against the box's maxlength: it posts them as two (CR LF), which a field's max_length
    would count twice and refuse text the box allowed."""

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value
