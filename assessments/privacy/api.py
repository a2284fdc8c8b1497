"""API of a system's privacy assessment: GET / PUT (If-Match) and the DPO sign-off.

The body has one key per answer (see ``schema.FIELDS``), the provenance of inferable answers, the
DPIA screening with its reasoning, and the sign-off. A PUT carries the answers to change (answers
left out keep theirs), ``confirm`` (inferred answers the caller accepts) and ``reset`` (answers to
hand back to the model); read-only keys sent back unchanged are ignored, so GET-edit-PUT works.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from threatmodel import selectors as tm_selectors
from threatmodel.api.base import TeamScopedViewSet

from . import dpia_fields, services
from .schema import FIELD_LABELS, FIELDS, INFERABLE_PATHS, default_values
from .selectors import PrivacyState, dpos_of, privacy_state

PUT_EXAMPLE = OpenApiExample("Confirm the inferred subjects, set purposes", request_only=True, value={
    "purposes": [{"purpose": "Answer customer questions", "legal_basis": "contract", "note": ""}],
    "confirm": ["data_subjects"], "reset": []})


def privacy_body(state: PrivacyState) -> dict:
    a = state.assessment
    body = {"id": a.pk if a else None, "system": state.system.pk, "version": state.version}
    body.update(state.values)
    body["provenance"] = state.resolved.provenance()
    body["inferred"] = state.resolved.inferred_paths()
    body["dpia"] = state.screening.as_dict()
    body["sign_off"] = {
        "signed_off_by": a.signed_off_by.get_username() if a and a.signed_off_by_id else None,
        "signed_off_label": a.signed_off_label if a else "",
        "signed_off_at": a.signed_off_at.isoformat() if a and a.signed_off_at else None,
        "signed_off_version": a.signed_off_version if a else None,
        "current": bool(a and a.signed_off),
        "comment": a.sign_off_comment if a else "",
        "measures_approved_by": a.measures_approved_by if a else "",
        "residual_approved_by": a.residual_approved_by if a else "",
        "dpo_advice": a.dpo_advice if a else "",
        "dpo_advice_by": a.dpo_advice_label if a else "",
        "dpo_advice_followed": a.dpo_advice_followed if a else None,
        "dpo_overruled_reason": a.dpo_overruled_reason if a else "",
        "review_date": a.review_date.isoformat() if a and a.review_date else None,
    }
    body["dpia_missing"] = dpia_fields.missing(state.values)
    body["created_at"] = a.created_at.isoformat() if a else None
    body["updated_at"] = a.updated_at.isoformat() if a else None
    return body


RECORD_LISTS = ("purposes", "data_categories", "transfers")  # lists of records; other lists hold vocabulary values


def _json_type(name: str, default) -> dict:
    """The schema of one answer, from its empty value (`None` is the unanswered yes/no)."""
    if default is None or isinstance(default, bool):
        return {"type": "boolean", "nullable": True}
    if isinstance(default, str):
        return {"type": "string"}
    if isinstance(default, list):
        item = {"type": "object", "additionalProperties": True} if name in RECORD_LISTS else {"type": "string"}
        return {"type": "array", "items": item}
    return {"type": "object", "additionalProperties": True}


def _answer_field(name: str, default) -> serializers.JSONField:
    """Any JSON on the way in (the service validates and names the bad place, e.g. transfers[0].role); typed in
    the schema by the answer's empty value."""
    field = serializers.JSONField(required=False, allow_null=True, help_text=FIELD_LABELS[name])
    return extend_schema_field(_json_type(name, default))(field)


class PrivacyWriteSerializer(serializers.Serializer):
    """Shape only: the service validates every answer and names the bad place (e.g. transfers[0].role)."""

    confirm = serializers.ListField(child=serializers.CharField(), required=False,
                                    help_text=f"Inferred answers to confirm: any of {', '.join(INFERABLE_PATHS)}")
    reset = serializers.ListField(child=serializers.CharField(), required=False,
                                  help_text="Answers to hand back to the model (same paths as confirm)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        defaults = default_values()
        for name in FIELDS:
            self.fields[name] = _answer_field(name, defaults[name])


class SignOffSerializer(serializers.Serializer):
    """ICO step 7. The service checks every field and names the one at fault."""

    measures_approved_by = serializers.CharField(required=False, allow_blank=True, max_length=150)
    residual_approved_by = serializers.CharField(required=False, allow_blank=True, max_length=150)
    dpo_advice_followed = serializers.BooleanField(required=False, allow_null=True, default=None)
    dpo_overruled_reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    review_date = serializers.DateField(required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DpoAdviceSerializer(serializers.Serializer):
    advice = serializers.CharField(max_length=8000)


class PrivacyViewSet(TeamScopedViewSet):
    """/api/v1/systems/{id}/privacy/ (a singleton per system)."""

    require_if_match = True
    pagination_class = None
    if_match_actions = ("sign_off", "dpo_advice")  # If-Match: the ETag you read ("0" before the first save)
    etag_actions = ("retrieve", "update", "partial_update", "sign_off", "dpo_advice")

    def get_system(self):
        return tm_selectors.system_get(self.request.user, self.kwargs["system_pk"], self.token)

    def _respond(self, state: PrivacyState) -> Response:
        return Response(privacy_body(state))

    @extend_schema(summary="A system's privacy assessment with DPIA screening", tags=["privacy"],
                   responses={200: OpenApiTypes.OBJECT})
    def retrieve(self, request, *args, **kwargs):
        return self._respond(privacy_state(self.get_system()))  # If-None-Match: a 304 from the base

    @extend_schema(summary="Save privacy answers (If-Match required)", tags=["privacy"],
                   request=PrivacyWriteSerializer, examples=[PUT_EXAMPLE],
                   responses={200: OpenApiTypes.OBJECT})
    def update(self, request, *args, **kwargs):
        system = self.get_system()
        current = privacy_state(system)
        expected = self.if_match_version(current)
        serializer = PrivacyWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        confirm, reset = data.pop("confirm", []), data.pop("reset", [])
        values = {name: request.data[name] for name in FIELDS if name in request.data}
        assessment = services.privacy_assessment_save(actor=request.user, system=system, values=values,
                                                      confirm=confirm, reset=reset, expected_version=expected)
        return self._respond(privacy_state(system, assessment))

    @extend_schema(summary="Save privacy answers (If-Match required)", tags=["privacy"],
                   request=PrivacyWriteSerializer, responses={200: OpenApiTypes.OBJECT})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    @extend_schema(summary="DPO sign-off of the privacy assessment", tags=["privacy"], request=SignOffSerializer,
                   responses={200: OpenApiTypes.OBJECT})
    def sign_off(self, request, *args, **kwargs):
        system = self.get_system()
        current = privacy_state(system)
        expected = self.if_match_version(current)
        serializer = SignOffSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = services.privacy_sign_off(actor=request.user, system=system, expected_version=expected,
                                               **serializer.validated_data)
        return self._respond(privacy_state(system, assessment))

    @extend_schema(summary="The DPO's advice on the DPIA (only a designated DPO of the team)", tags=["privacy"],
                   request=DpoAdviceSerializer, responses={200: OpenApiTypes.OBJECT})
    def dpo_advice(self, request, *args, **kwargs):
        system = self.get_system()
        expected = self.if_match_version(privacy_state(system))
        serializer = DpoAdviceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = services.privacy_dpo_advice(actor=request.user, system=system, expected_version=expected,
                                                 advice=serializer.validated_data["advice"])
        return self._respond(privacy_state(system, assessment))


class DpoSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, help_text="A member of the team")
    remove = serializers.BooleanField(required=False, default=False, help_text="Withdraw the designation")


class TeamDpoViewSet(TeamScopedViewSet):
    """/api/v1/teams/{slug}/dpos/: the team's data protection officers (only they give the DPO's advice)."""

    pagination_class = None

    def _team(self):
        return tm_selectors.team_get(self.request.user, self.kwargs["team_slug"])

    @staticmethod
    def _body(team) -> list[dict]:
        return [{"username": u.get_username(), "name": (u.get_full_name() or "").strip()} for u in dpos_of(team)]

    @extend_schema(summary="The team's data protection officers", tags=["privacy"],
                   responses={200: OpenApiTypes.OBJECT})
    def list(self, request, *args, **kwargs):
        return Response(self._body(self._team()))

    @extend_schema(summary="Designate (or withdraw) a team member as data protection officer (team owners)",
                   tags=["privacy"], request=DpoSerializer, responses={200: OpenApiTypes.OBJECT})
    def create(self, request, *args, **kwargs):
        team = self._team()
        serializer = DpoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = team.memberships.filter(user__username=serializer.validated_data["username"]).select_related(
            "user").first()
        if membership is None:
            raise DRFValidationError({"username": "No member of this team has that username."})
        services.dpo_designate(actor=request.user, team=team, user=membership.user,
                               remove=serializer.validated_data["remove"])
        return Response(self._body(team))
