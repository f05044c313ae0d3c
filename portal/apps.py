from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self):
        from portal import checks, maintenance, staff_queues  # noqa: F401 - system checks, periodic tasks

        staff_queues.register_task_queue()
