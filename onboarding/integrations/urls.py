from django.urls import path

from onboarding.integrations import views

app_name = "integrations"

urlpatterns = [
    path("integrations/", views.catalogue, name="catalogue"),
    path("integrations/start/", views.start, name="start"),
    path("integrations/runs/<int:pk>/", views.run_page, name="run"),
    path("integrations/runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("integrations/organizations/<int:pk>/", views.readiness, name="readiness"),
    path("staff/integrations/stuck/", views.stuck, name="stuck"),
    path("staff/integrations/runs/<int:pk>/", views.staff_run, name="staff_run"),
]
