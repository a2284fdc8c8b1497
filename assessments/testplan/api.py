"""``GET /api/v1/systems/{id}/test-plan/`` (JSON; ``?format=csv`` for CSV): the system's test plan."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers
from rest_framework.response import Response

from threatmodel import selectors as tm_selectors
from threatmodel.api.base import TeamScopedViewSet

from .build import build_test_plan, test_plan_csv


class TestPlanCSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and "entries" in data:
            return test_plan_csv(data).encode("utf-8")
        return renderers.JSONRenderer().render(data)  # an error document


class SystemTestPlanViewSet(TeamScopedViewSet):
    renderer_classes = [renderers.JSONRenderer, TestPlanCSVRenderer]
    pagination_class = None

    @extend_schema(
        summary="The system's test plan: probes, detection signals and log sources per active risk",
        tags=["exports"],
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"], description="json (default) or csv "
                                     "(one row per probe)")],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The test plan")})
    def plan(self, request, system_pk=None):
        system = tm_selectors.system_get(request.user, system_pk, self.token)
        ext = getattr(request.accepted_renderer, "format", "json")
        response = Response(build_test_plan(system))
        response["Content-Disposition"] = f'attachment; filename="{system.slug or "system"}-test-plan.{ext}"'
        return response
