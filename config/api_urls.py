"""API routes: /api/schema/, /api/docs/ and /api/v1/... (each app contributes its own routes).

The docs page is Swagger UI from drf-spectacular-sidecar (local static files, no CDN), with its start-up
script served as a file of its own (no inline script), so it works under the site's CSP."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
         name="api-docs"),
    path("v1/", include("config.api_v1")),
]
