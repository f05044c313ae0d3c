from django.http import HttpResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


def minimal(request):
    return HttpResponse("ok")


class MinimalApi(APIView):
    """Django REST framework with nothing to check: the floor for an API view."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    def get(self, request):
        return Response({"result": "ok"})


urlpatterns = [
    path("bench/minimal/", minimal),
    path("bench/minimal-api/", MinimalApi.as_view()),
    path("", include("portal.urls")),
]
