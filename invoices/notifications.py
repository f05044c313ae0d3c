"""Every email the invoices app sends goes through `send`, in each recipient's language."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


def send(template: str, recipients, context: dict) -> int:
    """Mail `templates/invoices/email/<template>.txt` (and `_subject.txt`) to each user in
    `recipients`; returns how many were sent."""
    sent = 0
    for user in recipients:
        if not user.email:
            continue
        with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
            personal = {**context, "recipient": user}
            subject = render_to_string(f"invoices/email/{template}_subject.txt", personal)
            body = render_to_string(f"invoices/email/{template}.txt", personal)
        send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()), body,
                  settings.DEFAULT_FROM_EMAIL, [user.email])
        sent += 1
    return sent
