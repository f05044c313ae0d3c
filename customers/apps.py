from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self):
        # The mail users may switch off; periodic tasks and the job failure receiver.
        from customers import mail_kinds, tasks  # noqa: F401
