"""The platform's AS4 endpoint, where other Peppol access points deliver documents."""

from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from invoices.submission import LengthRequired, max_bytes, read_body
from invoices.transport import arrival
from invoices.transport.base import access_point


@csrf_exempt
@require_POST
def receive(request):
    if access_point() is None:
        raise Http404
    try:
        body = read_body(request, max_bytes() + arrival.ENVELOPE_ALLOWANCE)
    except LengthRequired as refused:
        return HttpResponse(f"{refused.message}\n", status=411, content_type="text/plain")
    if body is None:
        return HttpResponse("The message is larger than this access point accepts.\n",
                            status=413, content_type="text/plain")
    answer = arrival.receive(dict(request.headers), body)
    response = HttpResponse(answer.body, status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    return response
