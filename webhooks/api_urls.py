from django.urls import path

from webhooks import api

app_name = "webhooks_api"

urlpatterns = [
    path("webhooks", api.WebhooksView.as_view(), name="list"),
    path("webhooks/<int:pk>", api.WebhookView.as_view(), name="detail"),
    path("webhooks/<int:pk>/secret", api.NewSecretView.as_view(), name="secret"),
]
