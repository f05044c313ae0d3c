from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from invoices import signals
        from onboarding.models.partnerships import partnership_ended

        # mail_kinds: the mail users may switch off; tasks: the periodic sweep.
        from webhooks import events, mail_kinds, tasks  # noqa: F401
        from webhooks.models import pause_when_partnership_ends

        signals.document_changed.connect(events.document_changed,
                                         dispatch_uid="webhooks.document_changed")
        signals.delivery_retried.connect(events.delivery_retried,
                                         dispatch_uid="webhooks.delivery_retried")
        partnership_ended.connect(pause_when_partnership_ends,
                                  dispatch_uid="webhooks.partnership_ended")
