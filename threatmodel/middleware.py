import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control

log = logging.getLogger(__name__)


def unavailable_response(request):
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"type": "https://httpstatuses.io/503", "title": "Service unavailable", "status": 503,
             "detail": "The database is unavailable; try again shortly.", "errors": {}},
            status=503, content_type="application/problem+json")
    else:
        response = HttpResponse("Service unavailable: the database cannot be reached. Try again shortly.\n",
                                status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "5"
    return response


def server_error(request, *args, **kwargs):
    """handler500: a database outage anywhere (middleware included) is a short 503, never a traceback;
    anything else a plain 500 (problem+json under /api/)."""
    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)) and not _is_integrity_like(exc):
        log.error("database unavailable: %s", exc)
        return unavailable_response(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"type": "https://httpstatuses.io/500", "title": "Server error", "status": 500,
                             "detail": "An unexpected error occurred; it has been logged.", "errors": {}},
                            status=500, content_type="application/problem+json")
    return HttpResponse("Server error: an unexpected error occurred; it has been logged.\n", status=500,
                        content_type="text/plain; charset=utf-8")


class DatabaseUnavailableMiddleware:
    """When the database cannot be reached, answer a short 503 instead of a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)) or _is_integrity_like(exception):
            return None
        log.error("database unavailable: %s", exception)
        return unavailable_response(request)


def _is_integrity_like(exc: DatabaseError) -> bool:
    # SQLite reports "database is locked" as OperationalError under contention: that is not an outage.
    return "locked" in str(exc).lower()


class PrivateResponseMiddleware:
    """Nothing of a team's is kept by a browser or a shared cache: authenticated pages, every API response
    and every PDF say `Cache-Control: private, no-store`. (API clients still revalidate with ETags.) A view that
    declares its response public (a published schema, say) keeps that."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        declared = response.get("Cache-Control", "")
        if "public" in declared or "no-store" in declared:
            return response
        if (request.path.startswith("/api/") or (user is not None and user.is_authenticated)
                or response.get("Content-Type", "").startswith("application/pdf")):
            patch_cache_control(response, private=True, no_store=True)
            response.headers.pop("Expires", None)
        return response
