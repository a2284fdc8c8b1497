"""API routes: /api/schema/, /api/docs/ and /api/v1/... (each app contributes its own routes).

The docs page is Swagger UI from drf-spectacular-sidecar (local static files, no CDN), with its start-up
script served as a file of its own (no inline script), so it works under the site's CSP."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
         name="api-docs"),
    path("v1/", include("config.api_v1")),
    re_path(r"^.*$", csrf_exempt(lambda request, *args, **kwargs: api_not_found(request)), name="api-not-found"),
]


def api_not_found(request):
    """Every unmatched path under /api/ is a problem+json 404 (never Django's HTML page, nor the CSRF
    middleware's HTML 403 for a POST with a session cookie: the route is csrf-exempt, it changes nothing)."""
    return JsonResponse({"type": "https://httpstatuses.io/404", "title": "Not Found", "status": 404,
                         "detail": f"No API endpoint at {request.path[:200]}.", "errors": {}},
                        status=404, content_type="application/problem+json")
