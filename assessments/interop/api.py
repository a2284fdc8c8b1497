"""API of imports and exports.

- ``POST /api/v1/imports/`` (multipart: ``file``, optional ``team``, ``format``, ``kinds`` as a JSON object,
  ``mode``): a preview (201, nothing written to the register) with its id; with ``?confirm=1`` the import
  is applied at once (201, the result). A bad file is a 400 problem whose ``errors`` name the JSON path
  of the first problem.
- ``POST /api/v1/imports/{id}/confirm/`` (JSON ``{"kinds": {...}, "mode": "update" | "new"}``): apply a preview,
  in the background: 202 while ``applying`` (poll the import), 200 once applied; a problem found while
  applying puts the import back to ``preview`` with ``error`` (a 400 when it is known at once).
- ``DELETE /api/v1/imports/{id}/``: discard a preview. ``GET`` list / retrieve: the preview or the result.
- ``GET /api/v1/systems/{id}/export/``: the system export (schema at /interop/schema/system-export-v1.json);
  ``?format=otm``: the Open Threat Model document.
"""

import json

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import parsers, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.response import Response

from threatmodel import selectors as tm_selectors
from threatmodel.api.base import ListMixin, TeamScopedViewSet
from threatmodel.api.errors import problem
from threatmodel.api.views import IDEMPOTENCY_KEY
from threatmodel.models import ComponentKind, Role

from ..models import ImportRecord, ImportStatus
from . import selectors, services, uploads
from .errors import ImportProblem
from .export import export_system
from .limits import max_bytes
from .otm_export import export_otm


class BoundedJSONParser(parsers.JSONParser):
    """JSON bodies of these endpoints are small: deep nesting is a 400, never a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None


def file_problem(exc: ImportProblem) -> Response:
    return problem(status.HTTP_400_BAD_REQUEST, f"{exc.path}: {exc.message}", {exc.path: [exc.message]},
                   extra={"path": exc.path})


class ImportRecordSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ImportRecord
        fields = ["id", "team", "status", "format", "filename", "size", "sha256", "title", "system", "update_of",
                  "summary", "error", "created_by", "created_at", "applied_at", "url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return f"/api/v1/imports/{obj.pk}/"


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    team = serializers.SlugField(required=False, help_text="The team's slug (a token imports into its own team).")
    format = serializers.ChoiceField(required=False, choices=["system-export", "otm", "threat-composer",
                                                              "threat-dragon"],
                                     help_text="Leave out to recognise the format from the file.")
    kinds = serializers.CharField(required=False, help_text='With confirm: a JSON object {"<component id in the '
                                                            'file>": "input" | "model" | "output"}.')
    mode = serializers.ChoiceField(required=False, choices=services.MODES, allow_null=True, default=None,
                                   help_text="Default: update a recognised model (same file, or same identity and "
                                             "element ids); a name-only match makes a new system")
    confirm = serializers.BooleanField(required=False, default=False)


class ImportConfirmSerializer(serializers.Serializer):
    kinds = serializers.DictField(child=serializers.ChoiceField(choices=ComponentKind.values), required=False,
                                  help_text="Kinds chosen for the file's components (id in the file -> kind).")
    mode = serializers.ChoiceField(choices=services.MODES, default="update",
                                   help_text="update: update the system an earlier import of this model made; "
                                             "new: create a separate system.")


def _body(record: ImportRecord) -> dict:
    body = ImportRecordSerializer(record).data
    if record.status == ImportStatus.PREVIEW:
        body["preview"] = services.stage(record).as_dict()
    return body


@extend_schema_view(
    list=extend_schema(summary="List the imports of your teams", tags=["imports"]),
    retrieve=extend_schema(summary="An import: its preview, or what it did", tags=["imports"]),
    destroy=extend_schema(summary="Discard a preview (nothing was written)", tags=["imports"],
                          responses={204: None}),
)
class ImportViewSet(ListMixin, TeamScopedViewSet):
    serializer_class = ImportRecordSerializer
    sync_field = "created_at"
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, BoundedJSONParser]

    def get_queryset(self):
        return selectors.imports_for(self.request.user, self.token)

    def initialize_request(self, request, *args, **kwargs):
        if request.method == "POST":
            self._upload_limit = uploads.install(request)
        return super().initialize_request(request, *args, **kwargs)

    def retrieve(self, request, pk=None):
        record = selectors.import_get(request.user, pk, self.token)
        try:
            return Response(_body(record))
        except ImportProblem as exc:
            return file_problem(exc)

    @extend_schema(
        summary="Upload a model: preview it, or import it with confirm=1", tags=["imports"],
        request={"multipart/form-data": ImportUploadSerializer},
        parameters=[IDEMPOTENCY_KEY, OpenApiParameter("confirm", bool, description="Apply at once (no preview).")],
        responses={201: OpenApiResponse(ImportRecordSerializer, description="The preview (with `preview`), or the "
                                        "applied import"),
                   400: OpenApiResponse(description="A bad file: `errors` names the JSON path of the first problem")})
    def create(self, request, *args, **kwargs):
        payload = request.data  # parsed here, through the size limit
        limit = getattr(self, "_upload_limit", None)
        if limit is not None and limit.exceeded:
            return file_problem(ImportProblem("$", f"the file is larger than the limit of {max_bytes()} bytes"))
        serializer = ImportUploadSerializer(data=payload)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        team = self.owned_team(data.get("team"), role=Role.VIEWER)  # the service checks the role
        confirm = data["confirm"] or request.query_params.get("confirm") in ("1", "true", "yes")
        kinds = None
        if data.get("kinds"):
            try:
                kinds = json.loads(data["kinds"])
            except (ValueError, RecursionError):
                raise serializers.ValidationError({"kinds": ["Must be a JSON object."]}) from None
        upload = data["file"]
        try:
            record = services.import_preview(actor=request.user, team=team, data=upload.read(),
                                             filename=upload.name, forced_format=data.get("format"))
            if confirm:
                try:
                    record = services.import_confirm(actor=request.user, record=record, kinds=kinds,
                                                     mode=data["mode"])
                except (ImportProblem, ValidationError):
                    services.import_discard(actor=request.user, record=record)
                    raise
                if record.status == ImportStatus.PREVIEW and record.error:  # failed while applying (eager mode)
                    services.import_discard(actor=request.user, record=record)
                return self._applied(record, created=True)
            body = _body(record)
        except ImportProblem as exc:
            return file_problem(exc)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})

    def _applied(self, record: ImportRecord, *, created: bool = False) -> Response:
        """The response to a confirmation: done (eager mode), queued (202), or the problem that stopped it."""
        if record.status == ImportStatus.PREVIEW and record.error:
            return file_problem(ImportProblem(record.error.get("path", "$"), record.error.get("message", "")))
        body = _body(record)
        if record.status == ImportStatus.APPLYING:
            return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
                        headers={"Location": body["url"]} if created else None)

    @extend_schema(summary="Import a previewed file", tags=["imports"], request=ImportConfirmSerializer,
                   responses={200: ImportRecordSerializer,
                              202: OpenApiResponse(ImportRecordSerializer, description="Queued: poll `url` until "
                                                   "`status` is applied (or back to preview with `error`)"),
                              400: OpenApiResponse(description="The import stopped: `errors` names the JSON path"),
                              409: OpenApiResponse(description="Already applied, applying or discarded")})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        record = selectors.import_get(request.user, pk, self.token)
        serializer = ImportConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            record = services.import_confirm(actor=request.user, record=record,
                                             kinds=serializer.validated_data.get("kinds"),
                                             mode=serializer.validated_data["mode"])
        except ImportProblem as exc:
            return file_problem(exc)
        return self._applied(record)

    def destroy(self, request, pk=None):
        record = selectors.import_get(request.user, pk, self.token)
        services.import_discard(actor=request.user, record=record)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportJSONRenderer(renderers.JSONRenderer):
    format = "json"


class OTMRenderer(renderers.JSONRenderer):
    """``?format=otm`` selects this renderer (DRF reads the ``format`` query parameter)."""

    format = "otm"


class SystemExportViewSet(TeamScopedViewSet):
    renderer_classes = [ExportJSONRenderer, OTMRenderer]
    pagination_class = None

    @extend_schema(
        summary="Export a whole system (JSON, restorable) or as Open Threat Model", tags=["exports"],
        parameters=[OpenApiParameter("format", str, enum=["json", "otm"], description="json (default): the "
                                     "system export, schema /interop/schema/system-export-v1.json; otm: OTM 0.2.0")],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The export document")})
    def export(self, request, system_pk=None):
        system = tm_selectors.system_get(request.user, system_pk, self.token)
        if getattr(request.accepted_renderer, "format", "json") == "otm":
            doc, suffix = export_otm(system), "otm.json"
        else:
            doc = export_system(system, schema_url=request.build_absolute_uri("/interop/schema/system-export-v1.json"))
            suffix = "system.json"
        response = Response(doc)
        response["Content-Disposition"] = f'attachment; filename="{system.slug or "system"}.{suffix}"'
        return response
