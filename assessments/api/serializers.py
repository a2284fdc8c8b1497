"""Shapes of the register in the API.

Serializers validate the shape of a request (types, lengths, choices); the rules (status graph,
owners who are members, mappings of custom risks only, unique ticket references) live in the
services, which name the field when they refuse. Read representations are built by hand in
`to_representation` from prefetched rows: a page of 200 risks costs a fixed number of queries and
no per-field serializer machinery (see tests/bench/bench_api.py).
"""

from rest_framework import serializers

from threatmodel.api.base import MAX_ID

from .. import scoring
from ..models import MitigationStatus, RiskStatus, Treatment


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


class FrameworkRefSerializer(serializers.Serializer):
    framework = serializers.CharField(max_length=40, help_text="Framework key, e.g. NIST-AI-RMF")
    ref = serializers.CharField(max_length=60, help_text="Item ref, e.g. MEASURE 2.7")


class ExternalRefSerializer(serializers.Serializer):
    tracker = serializers.RegexField(r"^[A-Za-z0-9_-]{1,40}$", max_length=40,
                                     help_text="A short tracker name: jira, github, ...")
    external_id = serializers.CharField(max_length=200, help_text="The tracker's own id of the ticket")
    key = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                help_text="The key people use, e.g. SEC-12 or org/repo#77")
    url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    remote_status = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                          help_text="The ticket's status as the tracker names it, or its category "
                                                    "(to_do, in_progress, done)")
    remote_updated_at = serializers.DateTimeField(required=False, allow_null=True)


def _date(value):
    return value.isoformat() if value is not None else None


def _ref(values: dict) -> dict:
    return {**values, "remote_updated_at": _iso(values["remote_updated_at"])}


def ref_data(ref) -> dict:
    return {"tracker": ref.tracker, "external_id": ref.external_id, "key": ref.key, "url": ref.url,
            "remote_status": ref.remote_status, "remote_updated_at": _iso(ref.remote_updated_at)}


class ExternalRefListSerializer(ExternalRefSerializer):
    """An external reference as listed on /external-refs/ (with the object it belongs to)."""

    id = serializers.IntegerField(read_only=True)
    risk = serializers.IntegerField(read_only=True, allow_null=True)
    mitigation = serializers.IntegerField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, ref):
        return {"id": ref.pk, **ref_data(ref), "risk": ref.risk_id, "mitigation": ref.mitigation_id,
                "updated_at": _iso(ref.updated_at)}


class _RegisterSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    system = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                      help_text="The AI system (given on create, fixed afterwards)")
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    status_reason = serializers.CharField(required=False, allow_blank=True, max_length=5000,
                                          help_text="The reason a status needs (dismissed, rejected); for a stale "
                                                    "risk, why it is stale")
    owner = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=150,
                                  help_text="Username of a member of the team, or null")
    due = serializers.DateField(required=False, allow_null=True)
    external_refs = ExternalRefSerializer(many=True, required=False,
                                          help_text="Tickets mirroring this object; a write replaces the list")
    version = serializers.IntegerField(read_only=True, help_text="The ETag: send it back in If-Match")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True,
                                           help_text="Changes with every write, ticket references included")


class RiskSerializer(_RegisterSerializer):
    component = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    template = serializers.CharField(read_only=True, allow_null=True,
                                     help_text="The catalog threat's ref, or null for a custom risk")
    status = serializers.ChoiceField(choices=RiskStatus.choices, required=False,
                                     help_text="A change is a transition (see docs/register.md)")
    stale = serializers.BooleanField(read_only=True)
    why = serializers.ListField(child=serializers.CharField(), read_only=True,
                                help_text="The facts that made a suggested threat apply")
    likelihood = serializers.IntegerField(required=False, min_value=1, max_value=5)
    impact = serializers.IntegerField(required=False, min_value=1, max_value=5)
    residual_likelihood = serializers.IntegerField(read_only=True)
    residual_impact = serializers.IntegerField(read_only=True)
    score = serializers.IntegerField(read_only=True)
    band = serializers.ChoiceField(choices=[(b, b) for b in scoring.BANDS], read_only=True)
    treatment = serializers.ChoiceField(choices=Treatment.choices, required=False, allow_blank=True,
                                        help_text="accept is set by accepting the risk in the register, not here")
    mappings = FrameworkRefSerializer(many=True, required=False,
                                 help_text="Framework items (a custom risk's are writable)")
    mitigations = serializers.ListField(child=serializers.IntegerField(), read_only=True,
                                        help_text="Ids of the linked mitigations (link them from the mitigation)")

    FIELDS = ("id", "system", "component", "template", "title", "description", "status", "status_reason", "stale",
              "why", "likelihood", "impact", "residual_likelihood", "residual_impact", "score", "band", "treatment",
              "owner", "due", "mappings", "mitigations", "external_refs", "version", "created_at", "updated_at")

    def to_representation(self, risk: dict):
        """From a row of `relations.risk_rows` completed by `relations.attach_to_risks`."""
        reason = risk["status_reason"] or (risk["stale_reason"] if risk["stale"] else "")
        return {
            "id": risk["id"], "system": risk["system_id"], "component": risk["component_id"],
            "template": risk["api_template"], "title": risk["title"], "description": risk["description"],
            "status": risk["status"], "status_reason": reason, "stale": risk["stale"], "why": risk["why"] or [],
            "likelihood": risk["likelihood"], "impact": risk["impact"],
            "residual_likelihood": risk["residual_likelihood"], "residual_impact": risk["residual_impact"],
            "score": scoring.score(risk["likelihood"], risk["impact"]),
            "band": scoring.band(risk["likelihood"], risk["impact"], risk["api_matrix"]),
            "treatment": risk["treatment"], "owner": risk["api_owner"], "due": _date(risk["due"]),
            "mappings": risk["api_mappings"], "mitigations": risk["api_mitigations"],
            "external_refs": [_ref(r) for r in risk["api_refs"]],
            "version": risk["version"], "created_at": _iso(risk["created_at"]), "updated_at": _iso(risk["updated_at"]),
        }


class MitigationSerializer(_RegisterSerializer):
    risks = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
                                  max_length=1000,
                                  help_text="Ids of risks of the same system; a write replaces the links")
    control = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=20,
                                    help_text="The catalog control's ref (given on create), or null for a custom one")
    title = serializers.CharField(max_length=300, required=False,
                                  help_text="Defaults to the control's title when a control is given")
    status = serializers.ChoiceField(choices=MitigationStatus.choices, required=False,
                                     help_text="A change is a transition (see docs/register.md)")
    evidence = serializers.CharField(required=False, allow_blank=True, max_length=20000)

    FIELDS = ("id", "system", "risks", "control", "title", "description", "status", "status_reason", "owner", "due",
              "evidence", "external_refs", "version", "created_at", "updated_at")

    def to_representation(self, m: dict):
        """From a row of `relations.mitigation_rows` completed by `relations.attach_to_mitigations`."""
        return {
            "id": m["id"], "system": m["system_id"], "risks": m["api_risks"], "control": m["api_control"],
            "title": m["title"], "description": m["description"], "status": m["status"],
            "status_reason": m["status_reason"], "owner": m["api_owner"], "due": _date(m["due"]),
            "evidence": m["evidence"], "external_refs": [_ref(r) for r in m["api_refs"]],
            "version": m["version"], "created_at": _iso(m["created_at"]), "updated_at": _iso(m["updated_at"]),
        }
