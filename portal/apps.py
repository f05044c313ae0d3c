from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self):
        from portal import checks, maintenance  # noqa: F401 - system checks, periodic tasks
        from portal.staff_queues import register_task_queue

        register_task_queue()


def refuse_control_characters_in_forms():
    """Every text field of every form, the portal's and its libraries', refuses control
    characters, as Django's own refuses NUL: typed into a name or an address they would
    reach invoices, exports and mail unseen."""
    from django import forms

    from portal.text import refuse_control_characters

    if refuse_control_characters not in forms.CharField.default_validators:
        forms.CharField.default_validators = [*forms.CharField.default_validators,
                                              refuse_control_characters]


# When Django loads the apps' configurations, before any app's ready() imports forms (the
# admin's autodiscovery does): a field copies its validators when its form class is made.
refuse_control_characters_in_forms()
