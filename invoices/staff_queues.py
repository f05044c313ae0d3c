"""The invoices app's lists on the staff home: documents held as duplicates, and organizations
whose received invoices nobody fetches. Neither is work that waits for staff (a duplicate is
a normal outcome, an inbox is the customer's to fetch), so they show no count."""

from django.utils.translation import gettext_lazy as _

from portal.staff_queues import Queue, register

register(Queue("invoices:staff_duplicates", _("Duplicates"), "is_techsupport", 50))

register(Queue("invoices:staff_waiting_inboxes", _("Invoices not fetched"), "is_techsupport",
               55))
