"""Shapes of the modeling domain in the API. Serializers only validate shape; writes go
through threatmodel.services (answers are validated there against the catalog's questions)."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import AISystem, AuditEvent, Component, DataFlow, Tombstone
from ..models.systems import LifecycleStage
from .base import MAX_ID


@extend_schema_field({"type": "object", "additionalProperties": True,
                      "example": {"internet_facing": True, "users": ["customers"]}})
class AnswersField(serializers.JSONField):
    """Question key -> answer: a JSON object (the service checks each answer against the catalog's questions)."""


class SystemSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.all(),
                                         required=False, allow_null=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    lifecycle_stage = serializers.ChoiceField(choices=LifecycleStage.choices, required=False)
    answers = AnswersField(required=False, help_text="Question key -> answer (see /api/v1/catalog/questions/)")

    class Meta:
        model = AISystem
        fields = ["id", "team", "name", "slug", "description", "lifecycle_stage", "owner", "answers", "version",
                  "created_at", "updated_at"]
        read_only_fields = ["id", "team", "slug", "version", "created_at", "updated_at"]


class SystemCreateSerializer(SystemSerializer):
    team = serializers.SlugField(required=False, write_only=True,
                                 help_text="Team slug; defaults to the token's team or your only team.")

    class Meta(SystemSerializer.Meta):
        read_only_fields = ["id", "slug", "version", "created_at", "updated_at"]


class ComponentSerializer(serializers.ModelSerializer):
    answers = AnswersField(required=False, help_text="Question key -> answer (see /api/v1/catalog/questions/)")

    class Meta:
        model = Component
        fields = ["id", "system", "kind", "name", "description", "answers", "position", "trust_zone", "version",
                  "created_at", "updated_at"]
        read_only_fields = ["id", "system", "version", "created_at", "updated_at"]


class FlowSerializer(serializers.ModelSerializer):
    source = serializers.IntegerField(source="source_id", min_value=1, max_value=MAX_ID)
    target = serializers.IntegerField(source="target_id", min_value=1, max_value=MAX_ID)
    answers = AnswersField(required=False, help_text="Question key -> answer (see /api/v1/catalog/questions/)")

    class Meta:
        model = DataFlow
        fields = ["id", "system", "source", "target", "label", "answers", "version", "created_at", "updated_at"]
        read_only_fields = ["id", "system", "version", "created_at", "updated_at"]


class AuditEventSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "team", "seq", "at", "actor", "actor_label", "action", "object_type", "object_id",
                  "object_repr", "changes", "prev_hash", "hash"]
        read_only_fields = fields


class TombstoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tombstone
        fields = ["id", "object_type", "object_id", "deleted_at"]
        read_only_fields = fields
