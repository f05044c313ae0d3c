from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from onboarding.api import api31, views

app_name = "api"

urlpatterns = [
    path("v1/ping", views.PingView.as_view(), name="ping"),
    path("v1/organization", views.OrganizationView.as_view(), name="organization"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file of its own, so the page
    # runs under the Content-Security-Policy without inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", template_name="api/swagger_ui.html"), name="docs"),
    # SOAP clients are configured with a fixed URL; a redirect to add a slash would lose
    # the POST, so both spellings answer.
    path("api31", api31.api31, name="api31"),
    path("api31/", api31.api31),
]
