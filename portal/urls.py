from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from onboarding.views import accounts

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Peppol onboarding portal"

urlpatterns = [
    # Before allauth's own: a sign-in blocked by the failed-attempts limit answers 429.
    path("accounts/login/", accounts.login, name="account_login"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("onboarding.api.urls")),
    path("", include("onboarding.urls")),
    path("", include("customers.urls")),
]

# Under /api/ these answer as problem+json; elsewhere as Django's own pages.
handler404 = "portal.problems.page_not_found"
handler500 = "portal.problems.server_error"
# allauth answers a request over one of its rate limits with this.
handler429 = "onboarding.views.accounts.too_many_requests"
