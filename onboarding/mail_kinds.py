"""The onboarding app's mail that a user may switch off (portal.mail_kinds): to
administrators, and to platform staff about what enters their queues."""

from django.utils.translation import gettext_lazy as _

from portal.mail_kinds import MailKind, register

register(MailKind("member_joined", _("Someone joined your environment"),
                  _("To the environment's administrators, when a person signs up with an "
                    "address on the company's domain."), 70))
register(MailKind("activation_requested", _("An organization asks for activation"),
                  _("To TechSupport, when an administrator asks to activate an organization."),
                  100, staff_flag="is_techsupport"))
register(MailKind("identifier_to_verify", _("An identifier waits for verification"),
                  _("To TechSupport, when an active organization adds a Peppol identifier that "
                    "the KvK register does not show to be its own."),
                  110, staff_flag="is_techsupport"))
register(MailKind("party_link_requested", _("Someone asks for a party link"),
                  _("To TechSupport, when a user asks to link organizations to their Microsoft "
                    "Entra account."), 120, staff_flag="is_techsupport"))
register(MailKind("upgrade_requested", _("An environment asks for an upgrade"),
                  _("To Sales, when an administrator asks for a bigger subscription or a "
                    "contract with API rights."), 130, staff_flag="is_sales"))
register(MailKind("partnership_ended", _("A client ended a partnership"),
                  _("To an accountancy's administrators, when a client ends their access to an "
                    "organization."), 75))
register(MailKind("partnership_stopped", _("An accountant stopped working for you"),
                  _("To an organization's administrators, when the accountancy that had access "
                    "to it ends the partnership."), 76))
register(MailKind("subscription_changed", _("The subscription changed"),
                  _("To an environment's administrators, when Sales changes its subscription, "
                    "with what it can no longer do."), 80))
# What TechSupport decided, told to those who did not ask for it themselves: the
# administrator who asked for an activation always hears (that is the answer to their own
# request); an identifier records no one who asked, so every administrator may switch it off.
register(MailKind("organization_activated", _("An organization is active on Peppol"),
                  _("To an organization's administrators, when TechSupport activates it at "
                    "the request of an accountancy."), 72))
register(MailKind("identifier_decided", _("An identifier was verified or not"),
                  _("To an organization's administrators, when TechSupport decides whether a "
                    "Peppol identifier added to it is the organization's own."), 74))
# A hand-over always goes to a portal user (only those who may configure the organization
# are offered), so the one who receives it may switch it off like the portal's other news.
register(MailKind("handed_over", _("A guided setup was handed to you"),
                  _("To a colleague or the partnered accountant, when someone hands them the "
                    "guided setup of an organization's bookkeeping software to carry on with."),
                  78))
