from django.urls import path

from invoices.views import as4, documents, lists, sending, staff

app_name = "invoices"

urlpatterns = [
    path("documents/", lists.documents, name="documents"),
    path("documents/outbox/", lists.outbox_all, name="outbox_all"),
    path("documents/inbox/", lists.inbox_all, name="inbox_all"),
    path("organizations/<int:pk>/outbox/", lists.outbox, name="outbox"),
    path("organizations/<int:pk>/inbox/", lists.inbox, name="inbox"),
    path("organizations/<int:pk>/documents/upload/", sending.upload, name="upload"),
    path("organizations/<int:pk>/test-invoice/", sending.test_invoice, name="test_invoice"),
    path("documents/<int:pk>/", documents.document_detail, name="document"),
    path("documents/<int:pk>/ubl/", documents.download, name="download"),
    path("documents/<int:pk>/attachments/<int:number>/", documents.attachment,
         name="attachment"),
    path("documents/<int:pk>/mark-original/", documents.mark_original, name="mark_original"),
    path("documents/<int:pk>/mark-downloaded/", documents.mark_downloaded,
         name="mark_downloaded"),
    path("documents/<int:pk>/reject/", documents.reject, name="reject"),
    path("documents/<int:pk>/status/", documents.set_status, name="set_status"),
    path("documents/<int:pk>/retry-delivery/", documents.retry_delivery,
         name="retry_delivery"),
    path("documents/mark-downloaded/", documents.mark_many_downloaded,
         name="mark_many_downloaded"),
    path("documents/status/", documents.set_many_statuses, name="set_many_statuses"),
    path("as4/", as4.receive, name="as4"),
    path("staff/documents/", staff.duplicates, name="staff_duplicates"),
    path("staff/documents/<int:pk>/", staff.document, name="staff_document"),
    path("staff/organizations/<int:pk>/documents/", staff.organization_documents,
         name="staff_organization_documents"),
    path("staff/waiting-inboxes/", staff.waiting_inboxes, name="staff_waiting_inboxes"),
    path("staff/documents/<int:pk>/mark-original/", staff.mark_original,
         name="staff_mark_original"),
]
