from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = _("Onboarding")

    def ready(self):
        from onboarding import (
            signals,  # noqa: F401
            tasks,  # noqa: F401 - periodic tasks
        )
        from onboarding.api import keycache  # noqa: F401 - its receivers drop stale entries
