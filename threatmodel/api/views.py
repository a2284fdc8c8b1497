"""API endpoints of the modeling domain: systems, components, flows, audit events, deletions."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.response import Response

from .. import selectors, services
from ..models import AuditEvent, Component, DataFlow, Role, Tombstone
from .base import (
    CreateMixin,
    DestroyMixin,
    ListMixin,
    ResourceViewSet,
    RetrieveMixin,
    TeamScopedViewSet,
    UpdateMixin,
    WriteViewSet,
)
from .serializers import (
    AuditEventSerializer,
    ComponentSerializer,
    FlowSerializer,
    SystemCreateSerializer,
    SystemSerializer,
    TombstoneSerializer,
)

SYSTEM_EXAMPLE = OpenApiExample("A support chatbot", value={
    "name": "Customer support assistant", "description": "RAG chatbot on a hosted LLM",
    "answers": {"internet_facing": True, "users": ["customers"], "regimes": ["gdpr"]}}, request_only=True)
COMPONENT_EXAMPLE = OpenApiExample("An untrusted chat input", value={
    "kind": "input", "name": "Customer chat",
    "answers": {"source": "end_users", "purpose": ["prompt"], "untrusted_content": True,
                "personal_data": "basic"}}, request_only=True)
FLOW_EXAMPLE = OpenApiExample("Chat into the model", value={
    "source": 1, "target": 2, "label": "prompt",
    "answers": {"crosses_trust_boundary": True, "encrypted_in_transit": True, "personal_data": True}},
    request_only=True)
# contract.ApiSchema declares If-Match and Idempotency-Key on every operation that takes them; this name stays for
# the modules that still list it (the declaration there is replaced by the full one).
IDEMPOTENCY_KEY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                   description="Makes a POST safe to retry: replays return the first response.")



@extend_schema_view(
    list=extend_schema(summary="List AI systems", tags=["systems"]),
    retrieve=extend_schema(summary="Get an AI system", tags=["systems"]),
    create=extend_schema(summary="Create an AI system", tags=["systems"], request=SystemCreateSerializer,
                         examples=[SYSTEM_EXAMPLE]),
    partial_update=extend_schema(summary="Update an AI system", tags=["systems"],
                                 examples=[SYSTEM_EXAMPLE]),
    update=extend_schema(summary="Replace an AI system", tags=["systems"]),
    destroy=extend_schema(summary="Delete an AI system (owners)", tags=["systems"]),
)
class SystemViewSet(ListMixin, WriteViewSet):
    serializer_class = SystemSerializer
    create_serializer_class = SystemCreateSerializer
    resource = "systems"

    def get_queryset(self):
        return selectors.systems_for(self.request.user, self.token)

    def perform_create(self, data):
        team = self.owned_team(data.pop("team", None), role=Role.VIEWER)  # the service checks the role
        return services.system_create(actor=self.request.user, team=team, **data)

    def perform_update(self, system, data):
        return services.system_update(actor=self.request.user, system=system, expected_version=system.version, **data)

    def perform_destroy(self, system):
        services.system_delete(actor=self.request.user, system=system, expected_version=system.version)


class _SystemChildren(CreateMixin, ResourceViewSet):
    """List and create a system's components or flows: /systems/{id}/components/."""

    def get_system(self):
        return selectors.system_get(self.request.user, self.kwargs["system_pk"], self.token)


@extend_schema_view(
    list=extend_schema(summary="List a system's components", tags=["components"]),
    create=extend_schema(summary="Add a component", tags=["components"], examples=[COMPONENT_EXAMPLE],
                         ),
)
class SystemComponentsViewSet(ListMixin, _SystemChildren):
    serializer_class = ComponentSerializer
    resource = "components"
    queryset = Component.objects.none()  # for the schema generator

    def get_queryset(self):
        return Component.objects.filter(system=self.get_system())

    def perform_create(self, data):
        return services.component_create(actor=self.request.user, system=self.get_system(), **data)


@extend_schema_view(
    retrieve=extend_schema(summary="Get a component", tags=["components"]),
    partial_update=extend_schema(summary="Update a component", tags=["components"],
                                 examples=[COMPONENT_EXAMPLE]),
    update=extend_schema(summary="Replace a component", tags=["components"]),
    destroy=extend_schema(summary="Delete a component and its flows", tags=["components"]),
)
class ComponentViewSet(RetrieveMixin, UpdateMixin, DestroyMixin, ResourceViewSet):
    serializer_class = ComponentSerializer
    locks_system = True

    def get_queryset(self):
        return selectors.components_for(self.request.user, self.token)

    def perform_update(self, component, data):
        return services.component_update(actor=self.request.user, component=component,
                                         expected_version=component.version, **data)

    def perform_destroy(self, component):
        services.component_delete(actor=self.request.user, component=component, expected_version=component.version)


def _flow_ends(system, data: dict) -> dict:
    out = dict(data)
    for end in ("source", "target"):
        if f"{end}_id" in out:
            pk = out.pop(f"{end}_id")
            out[end] = Component.objects.filter(system=system, pk=pk).first()
            if out[end] is None:
                raise ValidationError({end: f"Component {pk} is not part of this system."})
    return out


@extend_schema_view(
    list=extend_schema(summary="List a system's data flows", tags=["flows"]),
    create=extend_schema(summary="Add a data flow", tags=["flows"], examples=[FLOW_EXAMPLE],
                         ),
)
class SystemFlowsViewSet(ListMixin, _SystemChildren):
    serializer_class = FlowSerializer
    resource = "flows"
    queryset = DataFlow.objects.none()  # for the schema generator

    def get_queryset(self):
        return self.get_system().flows.all()

    def perform_create(self, data):
        system = self.get_system()
        return services.flow_create(actor=self.request.user, system=system, **_flow_ends(system, data))


@extend_schema_view(
    retrieve=extend_schema(summary="Get a data flow", tags=["flows"]),
    partial_update=extend_schema(summary="Update a data flow", tags=["flows"]),
    update=extend_schema(summary="Replace a data flow", tags=["flows"]),
    destroy=extend_schema(summary="Delete a data flow", tags=["flows"]),
)
class FlowViewSet(RetrieveMixin, UpdateMixin, DestroyMixin, ResourceViewSet):
    serializer_class = FlowSerializer
    locks_system = True

    def get_queryset(self):
        return selectors.flows_for(self.request.user, self.token)

    def perform_update(self, flow, data):
        return services.flow_update(actor=self.request.user, flow=flow, expected_version=flow.version,
                                    **_flow_ends(flow.system, data))

    def perform_destroy(self, flow):
        services.flow_delete(actor=self.request.user, flow=flow, expected_version=flow.version)


@extend_schema_view(
    list=extend_schema(summary="The audit trail (read-only, hash-chained per team)", tags=["audit"],
                       parameters=[OpenApiParameter("object_type", str), OpenApiParameter("object_id", str)]),
    retrieve=extend_schema(summary="One audit event", tags=["audit"]),
)
class AuditEventViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    serializer_class = AuditEventSerializer
    sync_field = "at"

    def get_queryset(self):
        qs = AuditEvent.objects.filter(team_id__in=selectors.team_ids_for(self.request.user, self.token))
        params = self.request.query_params
        if params.get("object_type"):
            qs = qs.filter(object_type=params["object_type"])
        if params.get("object_id"):
            qs = qs.filter(object_id=params["object_id"])
        return qs.select_related("team", "actor")

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(get_object_or_404(self.get_queryset(), pk=kwargs["pk"])).data)


@extend_schema_view(list=extend_schema(
    summary="Deletions (tombstones) for delta sync", tags=["sync"],
    parameters=[OpenApiParameter("object_type", str, description="system, component, flow, risk, mitigation")]))
class DeletionViewSet(ListMixin, TeamScopedViewSet):
    serializer_class = TombstoneSerializer
    sync_field = "deleted_at"

    def get_queryset(self):
        qs = Tombstone.objects.filter(team_id__in=selectors.team_ids_for(self.request.user, self.token))
        if self.request.query_params.get("object_type"):
            qs = qs.filter(object_type=self.request.query_params["object_type"])
        return qs
