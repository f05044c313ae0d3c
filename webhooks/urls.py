from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("webhooks/", views.webhook_list, name="list"),
    path("webhooks/new/", views.add_for_environment, name="add_for_environment"),
    path("organizations/<int:pk>/webhooks/new/", views.add, name="add"),
    path("webhooks/<int:pk>/", views.detail, name="detail"),
    path("webhooks/<int:pk>/edit/", views.edit, name="edit"),
    path("webhooks/<int:pk>/delete/", views.delete, name="delete"),
    path("webhooks/<int:pk>/pause/", views.pause, name="pause"),
    path("webhooks/<int:pk>/resume/", views.resume, name="resume"),
    path("webhooks/<int:pk>/test/", views.send_test, name="test"),
    path("webhooks/<int:pk>/rotate-secret/", views.rotate_secret, name="rotate"),
]
