"""The assurance report's inputs beside the register (docs/reports.md#scope-and-organisation-evidence):

- /api/v1/assurance-scopes/: one per system (versions in scope, reporting period); POST with
  ``system`` creates it, PUT/PATCH/DELETE with If-Match;
- /api/v1/governance-evidence/: the team's organisation-level checklist, one entry per AI RMF
  subcategory that no threat maps to; POST with ``team`` (a slug; optional with one team).

Both stand on the shared base (scoping, If-Match under a row lock, Idempotency-Key, problem+json) and
call the services the pages call; a contributor or an owner of the team may write, a viewer reads.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from threatmodel import selectors as tm_selectors
from threatmodel.api.base import MAX_ID, ListMixin, WriteViewSet
from threatmodel.models import Role
from threatmodel.services.common import require_role

from .. import services
from ..models import AssuranceScope, GovernanceEvidence
from ..reports import selectors
from .views import IDEMPOTENCY_KEY, IF_MATCH, SCHEMA_ERRORS


class AssuranceScopeSerializer(serializers.ModelSerializer):
    """Shape only: the service checks the components and the period and names the field at fault."""

    system = serializers.IntegerField(source="system_id", required=False, min_value=1, max_value=MAX_ID,
                                    help_text="Required on create")
    component_versions = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=120),
                                               required=False,
                                               help_text="{component id: version} for model and input components")
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)

    class Meta:
        model = AssuranceScope
        fields = ["id", "system", "system_version", "component_versions", "period_start", "period_end", "version",
                  "created_at", "updated_at"]
        read_only_fields = ["id", "version", "created_at", "updated_at"]
        extra_kwargs = {"system_version": {"required": False, "allow_blank": True}}


class GovernanceEvidenceSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    ref = serializers.CharField(max_length=40, help_text="A subcategory of the organisation checklist, e.g. GOVERN 1.2")
    statement = serializers.CharField(max_length=8000, allow_blank=True)
    evidence_links = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    review_date = serializers.DateField(required=False, allow_null=True)

    class Meta:
        model = GovernanceEvidence
        fields = ["id", "team", "ref", "statement", "evidence_links", "review_date", "recorded_by", "version",
                  "created_at", "updated_at"]
        read_only_fields = ["id", "team", "recorded_by", "version", "created_at", "updated_at"]
        validators = []  # one entry per team and ref: the service says so, naming `ref`


class GovernanceEvidenceCreateSerializer(GovernanceEvidenceSerializer):
    team = serializers.CharField(required=False, allow_blank=True, help_text="The team's slug")

    class Meta(GovernanceEvidenceSerializer.Meta):
        read_only_fields = ["id", "recorded_by", "version", "created_at", "updated_at"]


def _schema(tag: str, noun: str):
    return extend_schema_view(
        list=extend_schema(summary=f"List {noun}s", tags=[tag]),
        retrieve=extend_schema(summary=f"Get {noun}", tags=[tag]),
        create=extend_schema(summary=f"Record {noun}", tags=[tag], parameters=[IDEMPOTENCY_KEY],
                             description=SCHEMA_ERRORS),
        partial_update=extend_schema(summary=f"Change {noun}", tags=[tag], parameters=[IF_MATCH]),
        update=extend_schema(summary=f"Replace {noun}", tags=[tag], parameters=[IF_MATCH]),
        destroy=extend_schema(summary=f"Delete {noun}", tags=[tag], parameters=[IF_MATCH]),
    )


@_schema("assurance", "an assurance scope")
class AssuranceScopeViewSet(ListMixin, WriteViewSet):
    serializer_class = AssuranceScopeSerializer
    resource = "assurance-scopes"
    require_if_match = True
    bind_instance = False
    locks_system = True
    queryset = AssuranceScope.objects.none()  # for the schema generator
    put_defaults = {"system_version": "", "component_versions": {}, "period_start": None, "period_end": None}

    def get_queryset(self):
        qs = selectors.assurance_scopes_for(self.request.user, self.token)
        system = self.request.query_params.get("system")
        if system is not None:
            if not system.isdigit():
                raise ValidationError({"system": "Give a system id."})
            qs = qs.filter(system_id=int(system))
        return qs

    def perform_create(self, data):
        system_id = data.pop("system_id", None)
        if system_id is None:
            raise ValidationError({"system": "This field is required."})
        system = tm_selectors.systems_for(self.request.user, self.token).filter(pk=system_id).first()
        if system is None:
            raise ValidationError({"system": f"No AI system {system_id} in your teams."})
        require_role(self.request.user, system.team, Role.CONTRIBUTOR)
        if AssuranceScope.objects.filter(system=system).exists():
            raise ValidationError({"system": "This system has an assurance scope already: change it instead."})
        return services.assurance_scope_save(actor=self.request.user, system=system, values=data)

    def perform_update(self, scope, data):
        if "system_id" in data and data.pop("system_id") != scope.system_id:
            raise ValidationError({"system": "An assurance scope stays with its system."})
        return services.assurance_scope_save(actor=self.request.user, system=scope.system, values=data,
                                             partial=True, expected_version=scope.version)

    def perform_destroy(self, scope):
        services.assurance_scope_delete(actor=self.request.user, scope=scope, expected_version=scope.version)


@_schema("assurance", "organisation evidence")
class GovernanceEvidenceViewSet(ListMixin, WriteViewSet):
    serializer_class = GovernanceEvidenceSerializer
    create_serializer_class = GovernanceEvidenceCreateSerializer
    resource = "governance-evidence"
    require_if_match = True
    bind_instance = False
    queryset = GovernanceEvidence.objects.none()
    put_defaults = {"evidence_links": [], "review_date": None}

    def get_queryset(self):
        return selectors.governance_evidence_for(self.request.user, self.token)

    def perform_create(self, data):
        team = self.owned_team(data.pop("team", None) or None, role=Role.VIEWER)  # the service checks the role
        return services.governance_evidence_create(actor=self.request.user, team=team, **data)

    def perform_update(self, evidence, data):
        return services.governance_evidence_update(actor=self.request.user, evidence=evidence, changes=data,
                                                   expected_version=evidence.version)

    def perform_destroy(self, evidence):
        services.governance_evidence_delete(actor=self.request.user, evidence=evidence,
                                            expected_version=evidence.version)
