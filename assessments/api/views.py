"""Risks, mitigations and external references over the API (docs/api.md).

Writes: one request is one transaction and one call of the service the pages call (`risk_apply`,
`mitigation_apply`, ...): one version bump, one audit event, one webhook whatever the PATCH carries.
The base (threatmodel.api.base.ResourceViewSet) locks the row and checks If-Match first (428 without
it, 412 when stale, 404 when a concurrent DELETE committed first).
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status as http
from rest_framework.response import Response

from threatmodel import selectors as tm_selectors
from threatmodel.api.base import ListMixin, TeamScopedViewSet, WriteViewSet, etag_for
from threatmodel.models import Role
from threatmodel.services.common import require_role

from .. import selectors, services
from ..filters import ExternalRefFilterSet, MitigationFilterSet, RiskFilterSet
from ..models import ExternalRef, Mitigation, Risk
from . import examples, relations
from .serializers import (
    ExternalRefListSerializer,
    MitigationSerializer,
    RiskSerializer,
)

# threatmodel.api.contract declares If-Match and Idempotency-Key wherever the base takes them (and replaces these
# with the full declaration); the names stay for the modules that still list them.
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True,
                            description='The ETag you read, e.g. "3". Without it: 428; stale: 412.')
IDEMPOTENCY_KEY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                   description="Makes the POST safe to retry: a replay returns the first response.")
APPLY_REMOTE = OpenApiParameter(
    "apply_remote_status", bool, required=False,
    description="After the write, move the mitigation to the status its tickets' category asks for "
                "(docs/api.md#remote-status); without it, ticket status never changes local fields.")


class _RegisterViewSet(ListMixin, WriteViewSet):
    """What risks and mitigations share: scoping, reads from prefetched rows, the write services."""

    require_if_match = True
    bind_instance = False
    keys_first = True  # SyncCursorPagination: page keys from the (system, updated_at, id) index, then rows
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    kind = ""

    # --- reads -------------------------------------------------------------------
    def scoped(self):
        """The requester's rows (keys and filters only: the page's rows get `page_rows`)."""
        raise NotImplementedError

    def page_rows(self, qs):
        raise NotImplementedError

    def attach(self, objs):
        raise NotImplementedError

    def get_queryset(self):
        return self.scoped()

    def get_object(self):
        """The model instance a write starts from (the representation reads rows: `page_rows`)."""
        pk = self.kwargs.get("pk")
        obj = self.scoped().select_related("system__team").filter(pk=pk).first() if str(pk).isdigit() else None
        if obj is None:
            raise Http404(f"No such {self.kind}.")
        return obj

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(self.attach(page), many=True).data)

    def retrieve(self, request, *args, **kwargs):
        pk = self.kwargs.get("pk")
        row = self.page_rows(self.scoped().filter(pk=pk)).first() if str(pk).isdigit() else None
        if row is None:
            raise Http404(f"No such {self.kind}.")
        header = request.headers.get("If-None-Match")
        if header and header.strip() == etag_for(row["version"]):
            return Response(status=http.HTTP_304_NOT_MODIFIED, headers={"ETag": etag_for(row["version"])})
        return Response(self.get_serializer(self.attach([row])[0]).data)

    def represent(self, obj) -> dict:
        return self.get_serializer(self.attach([self.page_rows(self.scoped()).get(pk=obj.pk)])[0]).data

    # --- writes: the body goes to the service as it is -----------------------------
    def system_for_write(self, system_id: int):
        system = tm_selectors.systems_for(self.request.user, self.token).filter(pk=system_id).first()
        if system is None:
            raise ValidationError({"system": f"No AI system {system_id} in your teams."})
        require_role(self.request.user, system.team, Role.CONTRIBUTOR)
        return system

    def changes(self, obj, data: dict) -> dict:
        if "system" in data and data.pop("system") != obj.system_id:
            raise ValidationError({"system": f"A {self.kind} stays in its system."})
        return data


SCHEMA_ERRORS = "Errors are application/problem+json naming each bad field (docs/api.md#errors)."


@extend_schema_view(
    list=extend_schema(summary="List risks (delta sync: updated_after + cursor)", tags=["risks"],
                       examples=[examples.RISK_LIST]),
    retrieve=extend_schema(summary="Get a risk", tags=["risks"], examples=[examples.RISK]),
    create=extend_schema(summary="Create a custom risk", tags=["risks"],
                         examples=[examples.RISK_CREATE, examples.RISK], description=SCHEMA_ERRORS),
    partial_update=extend_schema(summary="Update, transition or link tickets to a risk", tags=["risks"],
                                 examples=[examples.RISK_PATCH, examples.RISK_DISMISS,
                                                                  examples.REFS_PATCH, examples.RISK]),
    update=extend_schema(summary="Replace a risk's editable fields", tags=["risks"],
                         examples=[examples.RISK_PUT, examples.RISK]),
    destroy=extend_schema(summary="Delete a custom risk (catalog threats are dismissed instead)", tags=["risks"],
                          ),
)
class RiskViewSet(_RegisterViewSet):
    serializer_class = RiskSerializer
    filterset_class = RiskFilterSet
    kind, resource = "risk", "risks"
    queryset = Risk.objects.none()  # for the schema generator

    def scoped(self):
        return selectors.risks_for(self.request.user, self.token).select_related(None)

    def page_rows(self, qs):
        return relations.risk_rows(qs)

    def attach(self, risks):
        return relations.attach_to_risks(list(risks), team=self.token.team if self.token else None)

    def put_defaults_for(self, risk) -> dict:
        defaults = {"description": "", "likelihood": 3, "impact": 3, "treatment": "", "owner": None, "due": None}
        if not risk.template_id:  # a catalog threat keeps its component and the catalog's mappings
            defaults.update(component=None, mappings=[])
        return defaults

    def perform_create(self, data):
        system = self.system_for_write(data.pop("system"))
        return services.risk_create(actor=self.request.user, system=system, **data)

    def perform_update(self, risk, data):
        return services.risk_apply(actor=self.request.user, risk=risk, changes=self.changes(risk, data),
                                   expected_version=risk.version)

    def perform_destroy(self, risk):
        services.risk_delete(actor=self.request.user, risk=risk, expected_version=risk.version)


@extend_schema_view(
    list=extend_schema(summary="List mitigations (delta sync: updated_after + cursor)", tags=["mitigations"],
                       examples=[examples.MITIGATION_LIST]),
    retrieve=extend_schema(summary="Get a mitigation", tags=["mitigations"], examples=[examples.MITIGATION]),
    create=extend_schema(summary="Create a mitigation (from a catalog control or custom)", tags=["mitigations"],
                         examples=[examples.MITIGATION_CREATE, examples.MITIGATION],
                         description=SCHEMA_ERRORS),
    partial_update=extend_schema(summary="Update, transition or link tickets to a mitigation", tags=["mitigations"],
                                 parameters=[APPLY_REMOTE],
                                 examples=[examples.MITIGATION_PATCH, examples.REFS_PATCH, examples.MITIGATION]),
    update=extend_schema(summary="Replace a mitigation's editable fields", tags=["mitigations"],
                         parameters=[APPLY_REMOTE], examples=[examples.MITIGATION_PUT, examples.MITIGATION]),
    destroy=extend_schema(summary="Delete a mitigation", tags=["mitigations"]),
)
class MitigationViewSet(_RegisterViewSet):
    serializer_class = MitigationSerializer
    filterset_class = MitigationFilterSet
    kind, resource = "mitigation", "mitigations"
    queryset = Mitigation.objects.none()

    def scoped(self):
        return selectors.mitigations_for(self.request.user, self.token).select_related(None)

    def page_rows(self, qs):
        return relations.mitigation_rows(qs)

    def attach(self, mitigations):
        return relations.attach_to_mitigations(list(mitigations))

    put_defaults = {"description": "", "owner": None, "due": None, "evidence": "", "risks": []}

    def apply_remote(self) -> bool:
        raw = (self.request.query_params.get("apply_remote_status") or "").lower()
        if raw not in ("", "true", "false", "1", "0"):
            raise ValidationError({"apply_remote_status": "Use true or false."})
        return raw in ("true", "1")

    def perform_create(self, data):
        system = self.system_for_write(data.pop("system"))
        return services.mitigation_create(actor=self.request.user, system=system, **data)

    def perform_update(self, mitigation, data):
        changes = self.changes(mitigation, data)
        if "title" in changes and not changes["title"]:
            changes.pop("title")  # PUT without a title keeps it (a control's mitigation is titled after it)
        if self.apply_remote():
            changes["follow_remote"] = True
        return services.mitigation_apply(actor=self.request.user, mitigation=mitigation, changes=changes,
                                         expected_version=mitigation.version)

    def perform_destroy(self, mitigation):
        services.mitigation_delete(actor=self.request.user, mitigation=mitigation,
                                   expected_version=mitigation.version)


@extend_schema_view(list=extend_schema(
    summary="External ticket references of your teams (find a risk or mitigation by ticket)", tags=["sync"],
    examples=[examples.EXTERNAL_REF_LIST]))
class ExternalRefViewSet(ListMixin, TeamScopedViewSet):
    serializer_class = ExternalRefListSerializer
    filterset_class = ExternalRefFilterSet
    queryset = ExternalRef.objects.none()

    def get_queryset(self):
        return selectors.external_refs_for(self.request.user, self.token)
