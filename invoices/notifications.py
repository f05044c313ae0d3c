"""Every email the invoices app sends goes through `send`, in each recipient's language, and
onto the task queue like all the portal's mail."""

from portal.mail import send_templated_mail


def send(template: str, recipients, context: dict) -> int:
    """Mail `templates/invoices/email/<template>.txt` (and `_subject.txt`) to each user in
    `recipients`; returns how many were sent."""
    sent = 0
    for user in recipients:
        if not user.email:
            continue
        send_templated_mail(f"invoices/email/{template}", to=user.email,
                            language=getattr(user, "language", ""),
                            context={**context, "recipient": user})
        sent += 1
    return sent
