"""The mails a user may switch off in their mail settings: what the portal tells
administrators about their documents, webhooks, customers and users, and platform staff
about what enters their queues. Each app registers its own as it starts; `portal` names no
app. Mail that answers what a person asked for (invitations, decisions on requests, account
mail) always goes out and is not listed."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class MailKind:
    # Kept in User.muted_mail when switched off; a form field's name too.
    key: str
    label: str | Promise
    # When it comes and to whom, as the mail settings page says under the switch.
    description: str | Promise
    # Where it stands on the page, the lowest first.
    position: int
    # The staff flag (User.is_techsupport, is_sales) a user needs to get this mail at all;
    # empty for mail to the people an environment's events concern.
    staff_flag: str = ""

    def reaches(self, user) -> bool:
        return not self.staff_flag or bool(getattr(user, self.staff_flag, False))


KINDS: dict[str, MailKind] = {}


def register(kind: MailKind) -> MailKind:
    KINDS[kind.key] = kind
    return kind


def ordered() -> list[MailKind]:
    return sorted(KINDS.values(), key=lambda kind: kind.position)
