"""Form widgets that several apps use alike."""

from django import forms


class DatePicker(forms.DateInput):
    """The browser's date picker. It reads and sends ISO dates (2026-12-31) in every language,
    so its value is written that way too, not in the reader's format (31-12-2026 in Dutch),
    which the browser would leave out."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
