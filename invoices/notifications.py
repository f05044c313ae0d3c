"""Every email the invoices app sends goes through `send`: to those who did not switch its
kind off (invoices.mail_kinds), each in their language, and onto the task queue like all the
portal's mail."""

from portal.mail import notify


def send(template: str, recipients, context: dict) -> int:
    """Mail `templates/invoices/email/<template>.txt` (and `_subject.txt`), whose kind of
    mail has the template's name, to each user in `recipients`; returns how many were
    sent."""
    return notify(template, recipients, f"invoices/email/{template}", context)
