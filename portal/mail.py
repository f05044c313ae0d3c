"""Every email the portal sends goes through the task queue, so a slow or failing mail
server delays mail (retried with backoff, visible to staff on the task queue page) and never
fails the action that sent it."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_tasks import task

from portal import mail_kinds
from portal.encryption import decrypt, encrypt
from portal.tasks import enqueue
from portal.text import one_full_stop


def portal_link(path: str) -> str:
    """The portal's full address of `path`: a mail is read outside the portal, where a path
    alone leads nowhere."""
    return settings.PORTAL_URL.rstrip("/") + path


def notify(kind: str, users, template: str, context: dict, reply_to: str = "") -> int:
    """Mail `template` (see send_templated_mail) to each of `users` with an address who did
    not switch `kind` (portal.mail_kinds) off, each in their own language, with `recipient`
    and the link to their mail settings in the context; returns how many were mailed.
    Replies go to `reply_to` when given (whoever asked for what the mail is
    about), else as send_templated_mail says."""
    if kind not in mail_kinds.KINDS:
        raise ValueError(f"{kind} is not a registered kind of mail")
    settings_url = portal_link(reverse("portal:mail_settings"))
    sent = 0
    for user in users:
        if user.email and user.is_active and user.wants_mail(kind):
            send_templated_mail(template, to=user.email, language=user.language, context={
                **context, "recipient": user, "mail_settings_url": settings_url},
                reply_to=reply_to)
            sent += 1
    return sent


def send_templated_mail(template: str, *, to: str, language: str, context: dict,
                        reply_to: str = "") -> None:
    """Send `template` (``<template>_subject.txt`` and ``<template>.txt``) to `to`, written
    in `language` (the site's default when empty). Replies go to `reply_to` when given (the
    person who invited or asked), else to SUPPORT_EMAIL (see queue_mail).

    The text is written now, from the state the caller sees, and sent by a worker: call it
    inside the transaction that records what the mail is about, so that a rolled-back
    change sends nothing.
    """
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context, using="text")
        body = render_to_string(f"{template}.txt", context, using="text")
        # A name that ends a sentence, such as "Acme B.V.", gets no second full stop.
        subject = subject_prefix() + one_full_stop(" ".join(subject.split()))
        body = one_full_stop(body)
    queue_mail(subject=subject, body=body, to=[to], reply_to=reply_to,
               kind=template.rsplit("/", 1)[-1])


def queue_mail(*, subject: str, body: str, to: list[str], reply_to: str = "",
               kind: str = "") -> None:
    """Hand a written message to a worker, which sends it (deliver_mail).

    Subject and body travel encrypted: the task's arguments stay in the queue's table for
    days, and a mail may hold a link that is stored nowhere else in the clear (an
    invitation, an authorisation request, a password reset). The recipient and `kind` (the
    template's name, never the text) stay readable, so staff can tell whom a failed mail
    concerned. Replies go to `reply_to`, else to SUPPORT_EMAIL when it is set."""
    reply_to = reply_to or settings.SUPPORT_EMAIL
    enqueue(deliver_mail, subject=encrypt(subject), body=encrypt(body), to=to,
            message_id=make_msgid(domain="portal"), reply_to=[reply_to] if reply_to else [],
            kind=kind, encrypted=True)


def subject_prefix() -> str:
    """What every mail's subject starts with, in the language being written."""
    return gettext("[Peppol portal] ")


@task()
def deliver_mail(*, subject: str, body: str, to: list[str], message_id: str,
                 reply_to: list[str] | None = None, kind: str = "",
                 encrypted: bool = False) -> None:
    """Hand one message to the mail server. The Message-ID is fixed when the mail is queued,
    so the rare second delivery after a worker died is recognisably the same message.

    Tasks queued before subject and body were encrypted, and before Reply-To, carry neither
    `encrypted` nor `reply_to`: they are sent as they are, with replies to SUPPORT_EMAIL."""
    if encrypted:
        subject, body = decrypt(subject), decrypt(body)
    if reply_to is None:
        reply_to = [settings.SUPPORT_EMAIL] if settings.SUPPORT_EMAIL else []
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to, reply_to=reply_to or None,
                 headers={"Message-ID": message_id}).send()


def queued_mail_summary(kwargs: dict) -> str:
    """What the staff task page shows of a queued mail: whom it is for and which kind it is,
    never its text."""
    summary = ", ".join(kwargs.get("to") or [])
    if kwargs.get("kind"):
        summary += f" ({kwargs['kind']})"
    return summary
