from django.urls import path

from invoices.api import views

app_name = "documents_api"

urlpatterns = [
    path("documents", views.SendView.as_view(), name="send"),
    path("documents/<int:pk>", views.SentDocumentView.as_view(), name="document"),
    path("documents/<int:pk>/retry", views.RetryView.as_view(), name="document-retry"),
    path("recipients", views.RecipientsView.as_view(), name="recipients"),
    path("inbox", views.InboxView.as_view(), name="inbox"),
    path("inbox/<int:pk>", views.ReceivedDocumentView.as_view(), name="inbox-document"),
    path("inbox/<int:pk>/download", views.DownloadView.as_view(), name="inbox-download"),
    path("inbox/<int:pk>/downloaded", views.MarkDownloadedView.as_view(),
         name="inbox-downloaded"),
    path("inbox/<int:pk>/rejected", views.RejectView.as_view(), name="inbox-rejected"),
    path("inbox/<int:pk>/status", views.ProcessingStatusView.as_view(), name="inbox-status"),
    # The service broker's paths, with the organization in the path.
    path("<str:party_id>/salesInvoice/send", views.BrokerSendView.as_view(),
         name="broker-send"),
    path("<str:party_id>/purchaseInvoice/<int:pk>/download",
         views.BrokerDownloadView.as_view(), name="broker-download"),
    path("<str:party_id>/purchaseInvoice/<int:pk>", views.BrokerReceivedDocumentView.as_view(),
         name="broker-delete"),
]
