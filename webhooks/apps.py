from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from invoices import signals
        from webhooks import events, tasks  # noqa: F401 - registers the periodic sweep

        signals.document_changed.connect(events.document_changed,
                                         dispatch_uid="webhooks.document_changed")
        signals.delivery_retried.connect(events.delivery_retried,
                                         dispatch_uid="webhooks.delivery_retried")
