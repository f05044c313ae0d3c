from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicesConfig(AppConfig):
    name = "invoices"
    verbose_name = _("Invoices")

    def ready(self):
        from django.conf import settings

        from invoices import (
            mail_kinds,  # noqa: F401 - the mails users may switch off
            schedules,  # noqa: F401 - registers the periodic purge
            staff_queues,  # noqa: F401 - the duplicates list on the staff home
            tasks,  # noqa: F401 - the failed-sending receiver
        )
        from invoices.api import soap
        from invoices.peppol import validation

        soap.register()
        from invoices import checks  # noqa: F401 - the access point check
        from portal.tasks import worker_started

        worker_started.connect(validation.warm_up_in_background,
                               dispatch_uid="invoices.warm_up_rules")

        # The validator itself reads PEPPOL_RULES_DIR from the environment; the setting lets a
        # settings module choose the rules too.
        if getattr(settings, "PEPPOL_RULES_DIR", ""):
            validation.configure(settings.PEPPOL_RULES_DIR)
