"""The invoices app's mails that a user may switch off (portal.mail_kinds); each key is the
name of its template under templates/invoices/email/."""

from django.utils.translation import gettext_lazy as _

from portal.mail_kinds import MailKind, register

register(MailKind("rejected", _("An invoice you sent was rejected"),
                  _("To the sending organization's administrators, with the receiver's "
                    "reason."), 10))
register(MailKind("delivery_failed", _("An invoice could not be delivered"),
                  _("To the sending organization's administrators, after the last try to "
                    "reach the receiver over Peppol."), 20))
register(MailKind("duplicate_received", _("A received invoice is held as a duplicate"),
                  _("To the receiving organization's administrators, so that they release it "
                    "if it is not one."), 30))
register(MailKind("inbox_waiting", _("Received invoices are not fetched"),
                  _("To the receiving organization's administrators, when invoices wait "
                    "longer than usual for the bookkeeping software; again while they keep "
                    "waiting."), 40))
