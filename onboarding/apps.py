from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = _("Onboarding")

    def ready(self):
        from onboarding import (  # noqa: F401 - receivers, checks, staff queues and periodic tasks
            checks,
            mail_kinds,
            signals,
            staff_queues,
            tasks,
        )
        from onboarding.api import keycache  # noqa: F401 - its receivers drop stale entries
        from onboarding.integrations import receivers  # noqa: F401 - runs record real events
