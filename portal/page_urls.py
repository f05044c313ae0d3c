"""The portal's own pages: the staff's task queue, and everyone's mail settings."""

from django.urls import path

from portal import mail_settings, views

app_name = "portal"

urlpatterns = [
    path("staff/tasks/", views.task_queue, name="task_queue"),
    path("staff/tasks/<uuid:task_id>/retry/", views.task_retry, name="task_retry"),
    path("accounts/notifications/", mail_settings.mail_settings, name="mail_settings"),
]
