"""The invoices app's list on the staff home: documents held as duplicates. Holding one is a
normal outcome, not work waiting, so it shows no count."""

from django.utils.translation import gettext_lazy as _

from portal.staff_queues import Queue, register

register(Queue("invoices:staff_duplicates", _("Duplicates"), "is_techsupport", 50))
