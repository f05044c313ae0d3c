from django.urls import path

from customers.views import cards, checks, imports, profiles

app_name = "customers"

urlpatterns = [
    path("customers/", cards.home, name="home"),
    path("organizations/<int:pk>/customers/", cards.card_list, name="cards"),
    path("organizations/<int:pk>/customers/add/", cards.card_add, name="card_add"),
    path("organizations/<int:pk>/customers/export/", cards.card_export, name="export"),
    path("organizations/<int:pk>/customers/check-peppol/", checks.check_all, name="check_all"),
    path("organizations/<int:pk>/customers/import/", imports.import_start,
         name="import_start"),
    path("organizations/<int:pk>/sending-profiles/", profiles.profile_list, name="profiles"),
    path("organizations/<int:pk>/sending-profiles/add/", profiles.profile_add,
         name="profile_add"),
    path("customers/<int:pk>/", cards.card_detail, name="card_detail"),
    path("customers/<int:pk>/edit/", cards.card_edit, name="card_edit"),
    path("customers/<int:pk>/delete/", cards.card_delete, name="card_delete"),
    path("customers/<int:pk>/check-peppol/", cards.card_check, name="card_check"),
    path("customers/peppol-checks/<int:pk>/", checks.check_run, name="check_run"),
    path("customers/peppol-checks/<int:pk>/status/", checks.check_run_status,
         name="check_run_status"),
    path("customers/peppol-checks/<int:pk>/retry/", checks.check_run_retry,
         name="check_run_retry"),
    path("customers/imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("customers/imports/<int:pk>/status/", imports.import_status, name="import_status"),
    path("customers/imports/<int:pk>/import-valid-rows/", imports.import_valid_rows,
         name="import_valid_rows"),
    path("customers/imports/<int:pk>/rejected-rows.csv", imports.import_report,
         name="import_report"),
    path("customers/imports/<int:pk>/delete/", imports.import_delete, name="import_delete"),
    path("sending-profiles/<int:pk>/", profiles.profile_edit, name="profile_edit"),
    path("sending-profiles/<int:pk>/default/", profiles.profile_default,
         name="profile_default"),
    path("sending-profiles/<int:pk>/not-default/", profiles.profile_undefault,
         name="profile_undefault"),
    path("sending-profiles/<int:pk>/delete/", profiles.profile_delete, name="profile_delete"),
]
