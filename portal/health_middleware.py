"""Answers the load balancer's /health/ before anything looks at the Host header.

Load balancers probe each node by its address, over plain http: through the ordinary
handling every probe would be refused (DisallowedHost, logged with a traceback) or
redirected to https. Only exactly GET or HEAD /health/ is answered here; every other
request, /health/queue/ included, goes on to host validation as usual. Placed after
SecurityMiddleware, whose https redirect skips /health/ (SECURE_REDIRECT_EXEMPT)."""

from portal.health import health

PATH = "/health/"


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == PATH and request.method in ("GET", "HEAD"):
            return health(request)
        return self.get_response(request)
