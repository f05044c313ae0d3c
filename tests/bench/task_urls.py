from django.db import transaction
from django.http import HttpResponse
from django.urls import path

from portal.mail import deliver_mail
from portal.tasks import enqueue


def minimal(request):
    return HttpResponse("ok")


def enqueueing(request):
    with transaction.atomic():
        enqueue(deliver_mail, subject="Bench", body="A task per request.",
                to=["bench@example.com"], message_id="<bench@portal>")
    return HttpResponse("ok")


urlpatterns = [
    path("bench/minimal/", minimal),
    path("bench/enqueue/", enqueueing),
]
