"""`GET /api/v1/systems/{id}/diagram/?format=svg|png`: the workshop's diagram of a system as a file."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers
from rest_framework.response import Response

from threatmodel import selectors as tm_selectors
from threatmodel.api.base import TeamScopedViewSet

from ..workshop.diagram_export import diagram_file


class SVGRenderer(renderers.BaseRenderer):
    media_type, format, charset = "image/svg+xml", "svg", None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PNGRenderer(renderers.BaseRenderer):
    """``?format=png`` selects this renderer (DRF reads the ``format`` query parameter)."""

    media_type, format, charset, render_style = "image/png", "png", None, "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class SystemDiagramViewSet(TeamScopedViewSet):
    renderer_classes = [SVGRenderer, PNGRenderer, renderers.JSONRenderer]
    pagination_class = None

    @extend_schema(
        summary="The system's diagram as SVG (default) or PNG", tags=["systems"],
        parameters=[OpenApiParameter("format", str, enum=["svg", "png"], description="svg (default) or png")],
        responses={(200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.BINARY, description="The diagram"),
                   (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The diagram")})
    def diagram(self, request, system_pk=None):
        system = tm_selectors.system_get(request.user, system_pk, self.token)
        fmt = getattr(request.accepted_renderer, "format", "svg")
        content, _media_type, filename = diagram_file(system, "png" if fmt == "png" else "svg")
        response = Response(content)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
