from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("staff/tasks/", views.task_queue, name="task_queue"),
    path("staff/tasks/<uuid:task_id>/retry/", views.task_retry, name="task_retry"),
]
