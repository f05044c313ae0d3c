from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self):
        from portal import checks, maintenance  # noqa: F401 - system checks, periodic tasks
        from portal.staff_queues import register_task_queue

        register_task_queue()
