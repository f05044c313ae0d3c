"""A person who opens an address that only takes a form's submission (a bookmark, a link
copied from the address bar after a POST) gets a page that says so, rather than the empty
405 answer Django gives."""

from django.shortcuts import render

from portal.problems import API_PREFIX


class NotAllowedPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.method != "GET" \
                or request.path.startswith(API_PREFIX):
            return response
        page = render(request, "405.html", status=405)
        page["Allow"] = response["Allow"]
        return page
