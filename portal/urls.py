from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from portal.health import health, queue_health

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Peppol onboarding portal"

urlpatterns = [
    path("accounts/", include("onboarding.account_urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("onboarding.api.urls")),
    path("api/v1/", include("invoices.api.urls")),
    path("api/v1/", include("webhooks.api_urls")),
    path("", include("onboarding.urls")),
    path("", include("customers.urls")),
    path("", include("invoices.urls")),
    path("", include("webhooks.urls")),
    path("", include("portal.page_urls")),
    path("", include("onboarding.integrations.urls")),
    path("health/", health, name="health"),
    path("health/queue/", queue_health, name="health-queue"),
    # Pages without an icon link (the admin's) make browsers ask for this one.
    path("favicon.ico",
         lambda request: HttpResponsePermanentRedirect(static("portal/favicon.svg"))),
]

# Under /api/ these answer as problem+json; elsewhere as Django's own pages.
handler400 = "onboarding.api.api31.bad_request"
handler404 = "portal.problems.page_not_found"
handler500 = "portal.problems.server_error"
# allauth answers a request over one of its rate limits with this.
handler429 = "onboarding.views.accounts.too_many_requests"
