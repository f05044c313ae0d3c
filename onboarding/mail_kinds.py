"""The onboarding app's mail that a user may switch off (portal.mail_kinds)."""

from django.utils.translation import gettext_lazy as _

from portal.mail_kinds import MailKind, register

register(MailKind("member_joined", _("Someone joined your environment"),
                  _("To the environment's administrators, when a person signs up with an "
                    "address on the company's domain."), 70))
