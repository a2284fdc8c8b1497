"""API of reports: request one (202 + its URL), follow its progress, download the PDF."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from threatmodel import selectors as tm_selectors
from threatmodel.api.base import ListMixin, RetrieveMixin, TeamScopedViewSet
from threatmodel.api.errors import problem
from threatmodel.api.views import IDEMPOTENCY_KEY

from ..models.reports import Report, ReportKind, ReportStatus
from . import selectors, services
from .verify import verify_pdf


class ReportSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "system", "kind", "status", "progress", "stage", "error", "sha256", "content_sha256", "size",
                  "pages", "pdf_variant", "signature", "signed_at", "catalog_version", "requested_by", "version",
                  "created_at", "updated_at",
                  "started_at", "finished_at", "url", "pdf_url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return f"/api/v1/reports/{obj.pk}/"

    def get_pdf_url(self, obj) -> str | None:
        return f"/api/v1/reports/{obj.pk}/pdf/" if obj.status == ReportStatus.DONE else None


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)


class VerifySerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The report PDF to verify")


class VerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    file_sha256 = serializers.CharField()
    stated_sha256 = serializers.CharField()
    recomputed_sha256 = serializers.CharField()
    report = serializers.IntegerField(allow_null=True)
    system = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    problems = serializers.ListField(child=serializers.CharField())
    current_sha256 = serializers.CharField()
    unchanged_since = serializers.BooleanField()
    differences = serializers.ListField(child=serializers.CharField())


MAX_VERIFY_BYTES = 50 * 1024 * 1024


class PDFRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


REUSED = "Nothing changed since this finished report (same content SHA-256): it is returned as is"
REPORT_EXAMPLE = OpenApiExample("An assurance report", value={"kind": "assurance"}, request_only=True)


@extend_schema_view(
    list=extend_schema(summary="A system's report history", tags=["reports"]),
    create=extend_schema(
        summary="Request a report (rendered in the background)", tags=["reports"], request=ReportRequestSerializer,
        examples=[REPORT_EXAMPLE], parameters=[IDEMPOTENCY_KEY],
        responses={202: OpenApiResponse(ReportSerializer, description="Queued; poll `url` until status is done"),
                   200: OpenApiResponse(ReportSerializer, description=REUSED),
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
        reused = getattr(report, "reused", False)
        report.refresh_from_db()
        data = ReportSerializer(report).data
        code = status.HTTP_200_OK if reused else status.HTTP_202_ACCEPTED
        return Response(data, status=code, headers={"Location": data["url"]})


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

    @extend_schema(summary="Verify this report's stored PDF against its content hash and the current state",
                   tags=["reports"], responses={200: VerificationSerializer})
    @action(detail=True, methods=["get"], url_path="verify")
    def verify_stored(self, request, *args, **kwargs):
        report = self.get_object()
        if report.status != ReportStatus.DONE or not report.file:
            return problem(status.HTTP_409_CONFLICT, "The report is not rendered yet.")
        with report.file.open("rb") as fh:
            data = fh.read()
        return Response(self._verify(request, data))

    @extend_schema(summary="Verify a report PDF: recompute its content hash from the embedded JSON, compare with "
                           "the stored one, and list what differs from the current state",
                   tags=["reports"], request={"multipart/form-data": VerifySerializer},
                   responses={200: VerificationSerializer})
    @action(detail=False, methods=["post"], url_path="verify", parser_classes=[MultiPartParser])
    def verify(self, request, *args, **kwargs):
        serializer = VerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > MAX_VERIFY_BYTES:
            raise ValidationError({"file": f"At most {MAX_VERIFY_BYTES // (1024 * 1024)} MB."})
        return Response(self._verify(request, upload.read()))

    def _verify(self, request, data: bytes) -> dict:
        result = verify_pdf(data, reports=selectors.reports_for(request.user, self.token),
                            systems=tm_selectors.systems_for(request.user, self.token))
        return result.as_dict()
