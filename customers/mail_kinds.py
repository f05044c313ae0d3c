"""The customers app's mail that a user may switch off (portal.mail_kinds)."""

from django.utils.translation import gettext_lazy as _

from portal.mail_kinds import MailKind, register

register(MailKind("reachability_digest", _("Customers can no longer receive over Peppol"),
                  _("To the organization's administrators, at most once a day, listing the "
                    "customer cards whose Peppol check now fails."), 60))
