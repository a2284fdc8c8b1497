"""Read-only catalog endpoints: thin views over catalog.selectors, paginated like every list.

Any signed-in user or valid API token may read the catalog (it is shared reference data).
Lists use the project's default pagination (settings: threatmodel.api.pagination.PageNumberPagination,
`page` and `page_size` up to 200), so catalog imports nothing from threatmodel.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics

from .. import selectors
from .serializers import (
    ControlQuerySerializer,
    ControlSerializer,
    FrameworkItemSerializer,
    FrameworkSerializer,
    QuestionQuerySerializer,
    QuestionSerializer,
    ReleaseSerializer,
    ThreatQuerySerializer,
    ThreatSerializer,
)

THREAT_EXAMPLE = {
    "ref": "AI-IN-001",
    "title": "Direct prompt injection by users",
    "description": "A user writes instructions into the prompt that override the system's own instructions.",
    "applies_to": ["input"],
    "rule": {"all": [{"answer": "purpose", "contains": "prompt"}, {"answer": "untrusted_content", "is": True}]},
    "category": "prompt-injection",
    "phase": "operation",
    "default_likelihood": 5,
    "default_impact": 4,
    "likelihood_rationale": "Needs only typing skills and public techniques.",
    "impact_rationale": "Can bypass policy, leak data or trigger tool actions.",
    "privacy_relevant": False,
    "mappings": [{"framework": "NIST-AI-RMF", "ref": "MEASURE 2.7"},
                 {"framework": "MITRE-ATLAS", "ref": "AML.T0051.000"},
                 {"framework": "OWASP-LLM-2025", "ref": "LLM01:2025"}],
    "controls": ["CTL-001", "CTL-002"],
    "retired": False,
}
CONTROL_EXAMPLE = {
    "ref": "CTL-001",
    "title": "Validate and filter model inputs for prompt injection",
    "description": "Check every input before it reaches the model.",
    "verification": "Test results showing a current set of injection payloads is blocked or flagged.",
    "kind": "preventive",
    "guidance": "Do the checks in one shared gateway so no client path skips them.",
    "mappings": [{"framework": "NIST-AI-RMF", "ref": "MEASURE 2.7"},
                 {"framework": "CAF-AI-SEC", "ref": "application-security/input"}],
    "retired": False,
}
FILTER_PARAMETERS = [
    OpenApiParameter("framework", str, description="Framework key, e.g. NIST-AI-RMF: only items mapped to it.",
                     examples=[OpenApiExample("AI RMF", value="NIST-AI-RMF")]),
    OpenApiParameter("ref", str, description="Framework item ref (with `framework`, or alone): mapped to this item "
                                             "or one of its children, e.g. MEASURE 2.7 or MEASURE 2.",
                     examples=[OpenApiExample("Subcategory", value="MEASURE 2.7")]),
    OpenApiParameter("q", str, description="Search in ref, title and description."),
]


class CatalogListView(generics.ListAPIView):
    filter_backends: list = []  # filters are validated query serializers, handed to the selectors
    query_serializer_class = None

    def query(self) -> dict:
        if self.query_serializer_class is None:
            return {}
        params = self.query_serializer_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return {k: v for k, v in params.validated_data.items() if v}


@extend_schema_view(get=extend_schema(
    summary="The component questionnaire",
    tags=["catalog"],
    parameters=[OpenApiParameter("scope", str, enum=["system", "input", "model", "output", "flow"],
                                 description="Only the questions of this scope.")],
    examples=[OpenApiExample("A question", response_only=True, value={
        "scope": "input", "key": "source", "label": "Where does this input come from?",
        "help": "Pick the party that ultimately controls the content.", "type": "choice",
        "choices": [{"value": "end_users", "label": "End users"},
                    {"value": "public_web", "label": "The public web"}]})],
))
class QuestionList(CatalogListView):
    serializer_class = QuestionSerializer
    query_serializer_class = QuestionQuerySerializer

    def get_queryset(self):
        return selectors.question_rows(self.query().get("scope"))


@extend_schema_view(get=extend_schema(
    summary="Threat templates",
    tags=["catalog"],
    parameters=[*FILTER_PARAMETERS,
                OpenApiParameter("applies_to", str, enum=list(selectors.SCOPES_OF_THREATS),
                                 description="Only threats evaluated for this scope."),
                OpenApiParameter("category", str, description="Only this category, e.g. prompt-injection.")],
    examples=[OpenApiExample("A threat", response_only=True, value=THREAT_EXAMPLE)],
))
class ThreatList(CatalogListView):
    serializer_class = ThreatSerializer
    query_serializer_class = ThreatQuerySerializer

    def get_queryset(self):
        return selectors.threat_list(**self.query())


@extend_schema_view(get=extend_schema(
    summary="One threat template (retired ones too)",
    tags=["catalog"],
    examples=[OpenApiExample("A threat", response_only=True, value=THREAT_EXAMPLE)],
))
class ThreatDetail(generics.RetrieveAPIView):
    serializer_class = ThreatSerializer

    def get_object(self):
        return selectors.threat_get(self.kwargs["ref"])


@extend_schema_view(get=extend_schema(
    summary="Control templates",
    tags=["catalog"],
    parameters=[*FILTER_PARAMETERS,
                OpenApiParameter("kind", str, enum=["preventive", "detective", "corrective"])],
    examples=[OpenApiExample("A control", response_only=True, value=CONTROL_EXAMPLE)],
))
class ControlList(CatalogListView):
    serializer_class = ControlSerializer
    query_serializer_class = ControlQuerySerializer

    def get_queryset(self):
        return selectors.control_list(**self.query())


@extend_schema_view(get=extend_schema(
    summary="One control template (retired ones too)",
    tags=["catalog"],
    examples=[OpenApiExample("A control", response_only=True, value=CONTROL_EXAMPLE)],
))
class ControlDetail(generics.RetrieveAPIView):
    serializer_class = ControlSerializer

    def get_object(self):
        return selectors.control_get(self.kwargs["ref"])


@extend_schema_view(get=extend_schema(
    summary="Catalog releases, newest first",
    tags=["catalog"],
    examples=[OpenApiExample("A release", response_only=True, value={
        "version": "2026.11.1", "checksum": "3f5a…", "loaded_at": "2026-11-22T00:10:00Z",
        "summary": {"previous": None, "threats": {"added": ["AI-IN-001"], "changed": [], "removed": []},
                    "controls": {"added": ["CTL-001"], "changed": [], "removed": []}}})],
))
class ReleaseList(CatalogListView):
    serializer_class = ReleaseSerializer

    def get_queryset(self):
        return selectors.release_list()


@extend_schema_view(get=extend_schema(
    summary="Frameworks the catalog maps to",
    tags=["catalog"],
    examples=[OpenApiExample("A framework", response_only=True, value={
        "key": "NIST-AI-RMF", "name": "NIST AI Risk Management Framework", "version": "1.0",
        "url": "https://doi.org/10.6028/NIST.AI.100-1", "item_count": 95})],
))
class FrameworkList(CatalogListView):
    serializer_class = FrameworkSerializer

    def get_queryset(self):
        return selectors.framework_list()


@extend_schema_view(get=extend_schema(
    summary="The items of one framework, in published order",
    tags=["catalog"],
    examples=[OpenApiExample("An item", response_only=True, value={
        "ref": "MEASURE 2.7", "title": "Evaluate and document AI system security and resilience",
        "kind": "subcategory", "parent": "MEASURE 2"})],
))
class FrameworkItemList(CatalogListView):
    serializer_class = FrameworkItemSerializer

    def get_queryset(self):
        return selectors.framework_items(selectors.framework_get(self.kwargs["key"]))
