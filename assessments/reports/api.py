"""API of reports: request one (202 + its URL), follow its progress, download the PDF."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from threatmodel import selectors as tm_selectors
from threatmodel.api.base import ListMixin, RetrieveMixin, TeamScopedViewSet
from threatmodel.api.errors import problem
from threatmodel.api.views import IDEMPOTENCY_KEY

from ..models.reports import Report, ReportKind, ReportStatus
from . import selectors, services


class ReportSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "system", "kind", "status", "progress", "stage", "error", "sha256", "content_sha256", "size",
                  "pages", "pdf_variant", "catalog_version", "requested_by", "version", "created_at", "updated_at",
                  "started_at", "finished_at", "url", "pdf_url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return f"/api/v1/reports/{obj.pk}/"

    def get_pdf_url(self, obj) -> str | None:
        return f"/api/v1/reports/{obj.pk}/pdf/" if obj.status == ReportStatus.DONE else None


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)


class PDFRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


REPORT_EXAMPLE = OpenApiExample("An assurance report", value={"kind": "assurance"}, request_only=True)


@extend_schema_view(
    list=extend_schema(summary="A system's report history", tags=["reports"]),
    create=extend_schema(
        summary="Request a report (rendered in the background)", tags=["reports"], request=ReportRequestSerializer,
        examples=[REPORT_EXAMPLE], parameters=[IDEMPOTENCY_KEY],
        responses={202: OpenApiResponse(ReportSerializer, description="Queued; poll `url` until status is done"),
                   429: OpenApiResponse(description="The team's report render limit is reached; see Retry-After")}),
)
class SystemReportsViewSet(ListMixin, TeamScopedViewSet):
    serializer_class = ReportSerializer
    queryset = Report.objects.none()  # for the schema generator

    def get_system(self):
        return tm_selectors.system_get(self.request.user, self.kwargs["system_pk"], self.token)

    def get_queryset(self):
        return selectors.reports_of_system(self.get_system())

    def create(self, request, *args, **kwargs):
        system = self.get_system()
        serializer = ReportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            report = services.report_request(actor=request.user, system=system,
                                             kind=serializer.validated_data["kind"])
        except services.RenderRateLimited as exc:
            return problem(status.HTTP_429_TOO_MANY_REQUESTS, str(exc), headers={"Retry-After": str(exc.retry_after)})
        report.refresh_from_db()
        data = ReportSerializer(report).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


@extend_schema_view(
    list=extend_schema(summary="Reports of all your systems", tags=["reports"]),
    retrieve=extend_schema(summary="A report's status, progress and SHA-256", tags=["reports"]),
)
class ReportViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    serializer_class = ReportSerializer

    def get_queryset(self):
        return selectors.reports_for(self.request.user, self.token)

    def get_object(self):
        report = selectors.report_get(self.request.user, self.kwargs["pk"], self.token)
        return services.report_expire_stale(report)

    @extend_schema(summary="Download the report's PDF", tags=["reports"],
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                              409: OpenApiResponse(description="Not rendered (yet)")})
    @action(detail=True, methods=["get"], renderer_classes=[PDFRenderer, renderers.JSONRenderer])
    def pdf(self, request, *args, **kwargs):
        report = self.get_object()
        if report.status != ReportStatus.DONE or not report.file:
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
            detail = report.error if report.status == ReportStatus.FAILED else "The report is not rendered yet."
            headers = {} if report.status == ReportStatus.FAILED else {"Retry-After": "2"}
            return problem(status.HTTP_409_CONFLICT, detail, headers=headers,
                           extra={"status": report.status, "progress": report.progress})
        response = FileResponse(report.file.open("rb"), content_type="application/pdf", as_attachment=True,
                                filename=report.filename)
        response["ETag"] = f'"{report.sha256}"'
        response["X-Content-SHA256"] = report.sha256
        return response
