"""Read-only representations of the catalog. Field names are a public contract (issue 3)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import CatalogRelease, ControlTemplate, Framework, FrameworkItem, Question, ThreatTemplate
from ..selectors import SCOPES_OF_THREATS


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class QuestionSerializer(serializers.ModelSerializer):
    choices = ChoiceSerializer(many=True, read_only=True, help_text="Empty for yes/no questions.")

    class Meta:
        model = Question
        fields = ["scope", "key", "label", "help", "type", "choices"]


class MappingSerializer(serializers.Serializer):
    """One framework item a template maps to: `{"framework": "NIST-AI-RMF", "ref": "MEASURE 2.7"}`."""

    framework = serializers.CharField(source="framework.key")
    ref = serializers.CharField()


@extend_schema_field({
    "type": "object",
    "description": "The applicability rule (docs/catalog-format.md): all / any / not over conditions such as "
                   "{\"answer\": \"untrusted_content\", \"is\": true}.",
    "additionalProperties": True,
})
class RuleField(serializers.JSONField):
    pass


class ThreatSerializer(serializers.ModelSerializer):
    applies_to = serializers.ListField(child=serializers.ChoiceField(choices=SCOPES_OF_THREATS), read_only=True)
    rule = RuleField(read_only=True)
    mappings = MappingSerializer(many=True, read_only=True)
    controls = serializers.SlugRelatedField(many=True, read_only=True, slug_field="ref",
                                            help_text="Refs of the suggested controls.")

    class Meta:
        model = ThreatTemplate
        fields = ["ref", "title", "description", "applies_to", "rule", "category", "phase", "default_likelihood",
                  "default_impact", "likelihood_rationale", "impact_rationale", "privacy_relevant", "mappings",
                  "controls", "retired", "adjust", "in_place", "mapping_notes", "references", "detection", "probes"]


class ControlSerializer(serializers.ModelSerializer):
    mappings = MappingSerializer(many=True, read_only=True)

    class Meta:
        model = ControlTemplate
        fields = ["ref", "title", "description", "verification", "kind", "guidance", "mappings", "retired"]


class FrameworkSerializer(serializers.ModelSerializer):
    item_count = serializers.IntegerField(read_only=True, help_text="Items in force (retired ones excluded).")

    class Meta:
        model = Framework
        fields = ["key", "name", "version", "url", "item_count", "attribution", "generative_only"]


class FrameworkItemSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(read_only=True, slug_field="ref", allow_null=True)

    class Meta:
        model = FrameworkItem
        fields = ["ref", "title", "kind", "parent"]


class ReleaseSerializer(serializers.ModelSerializer):
    summary = serializers.JSONField(read_only=True, help_text="Threat and control refs added, changed and removed "
                                                              "since the previous release, and counts.")

    class Meta:
        model = CatalogRelease
        fields = ["version", "checksum", "loaded_at", "summary"]


class ThreatQuerySerializer(serializers.Serializer):
    """Query parameters of the threat list (an invalid value is a 400 naming the parameter)."""

    framework = serializers.CharField(required=False, allow_blank=True)
    ref = serializers.CharField(required=False, allow_blank=True)
    applies_to = serializers.ChoiceField(choices=SCOPES_OF_THREATS, required=False, allow_blank=True)
    category = serializers.CharField(required=False, allow_blank=True)
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ControlQuerySerializer(serializers.Serializer):
    framework = serializers.CharField(required=False, allow_blank=True)
    ref = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=ControlTemplate.Kind.choices, required=False, allow_blank=True)
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)


class QuestionQuerySerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["system", "input", "model", "output", "flow"], required=False,
                                    allow_blank=True)
