"""The webhooks app's mail that a user may switch off (portal.mail_kinds)."""

from django.utils.translation import gettext_lazy as _

from portal.mail_kinds import MailKind, register

register(MailKind("webhook_paused", _("A webhook was paused"),
                  _("To the administrators of its organization or environment, after its "
                    "target failed too many times in a row."), 50))
