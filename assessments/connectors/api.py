"""Connectors over the API (docs/api.md#connectors).

    POST /api/v1/connectors/                 team owners; token and webhook_secret are write-only
    POST /api/v1/connectors/{id}/sync/       pull every linked ticket's state now
    POST /api/v1/mitigations/{id}/ticket/    {"connector": id}: 201 with the new ticket, 200 with the existing one
    POST /api/v1/risks/{id}/ticket/          the same for an accepted risk (when the connector allows it)
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from threatmodel.api.base import ListMixin, RetrieveMixin, TeamScopedViewSet
from threatmodel.api.webhooks import owned_team_ids
from threatmodel.models import Role
from threatmodel.services.common import require_role

from .. import selectors
from ..models import Connector, ConnectorHealth, ConnectorKind
from . import http, services
from .tickets import connector_sync, ticket_create


class ConnectorSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    kind = serializers.ChoiceField(choices=ConnectorKind.choices)
    base_url = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                     help_text="Jira site, or the GitHub API (default https://api.github.com; "
                                               "GitHub Enterprise: https://HOST/api/v3)")
    project_key = serializers.CharField(max_length=40, required=False, allow_blank=True, help_text="Jira only")
    repository = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                       help_text="GitHub only: owner/name")
    username = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                     help_text="Jira: the account's e-mail address; empty for GitHub")
    token = serializers.CharField(max_length=500, write_only=True, min_length=8,
                                  help_text="API token (write-only, encrypted at rest)")
    webhook_secret = serializers.CharField(max_length=500, write_only=True, required=False, allow_blank=True,
                                           help_text="Secret of the inbound webhook (write-only, encrypted at rest)")
    health = serializers.ChoiceField(choices=ConnectorHealth.choices, read_only=True)
    webhook_url = serializers.SerializerMethodField(help_text="Where the tracker's webhook should point")
    has_webhook_secret = serializers.SerializerMethodField()

    class Meta:
        model = Connector
        fields = ["id", "team", "kind", "base_url", "project_key", "repository", "username", "token",
                  "webhook_secret", "token_hint", "has_webhook_secret", "webhook_url", "sync_accepted_risks",
                  "active", "health", "last_error", "failing_since", "rate_limited_until", "last_sync_at", "version",
                  "created_at", "updated_at"]
        read_only_fields = ["id", "team", "token_hint", "health", "last_error", "failing_since",
                            "rate_limited_until", "last_sync_at", "version", "created_at", "updated_at"]

    def get_webhook_url(self, obj) -> str:
        return f"/hooks/{obj.kind}/{obj.pk}/"

    def get_has_webhook_secret(self, obj) -> bool:
        return bool(obj.webhook_secret_encrypted)


class ConnectorCreateSerializer(ConnectorSerializer):
    team = serializers.SlugField(required=False, write_only=True,
                                 help_text="Team slug; defaults to the token's team or your only team.")

    class Meta(ConnectorSerializer.Meta):
        read_only_fields = [f for f in ConnectorSerializer.Meta.read_only_fields if f != "team"]


class ConnectorUpdateSerializer(ConnectorSerializer):
    kind = serializers.ChoiceField(choices=ConnectorKind.choices, read_only=True)
    token = serializers.CharField(max_length=500, write_only=True, min_length=8, required=False,
                                  help_text="A new API token (write-only)")


class SyncResultSerializer(serializers.Serializer):
    checked = serializers.IntegerField()
    applied = serializers.IntegerField()
    conflicts = serializers.IntegerField()
    missing = serializers.IntegerField()
    rate_limited_for = serializers.FloatField(allow_null=True, help_text="Seconds the tracker asked us to wait")
    errors = serializers.ListField(child=serializers.CharField())


class TicketRequestSerializer(serializers.Serializer):
    connector = serializers.IntegerField(min_value=1)


class TicketSerializer(serializers.Serializer):
    connector = serializers.IntegerField(source="connector_id")
    external_ref = serializers.SerializerMethodField(help_text="tracker:key, e.g. jira:SEC-12 or "
                                                               "github:acme/ml-platform#12")
    tracker = serializers.CharField()
    key = serializers.CharField()
    url = serializers.CharField()
    remote_status = serializers.CharField()
    remote_resolution = serializers.CharField()

    def get_external_ref(self, obj) -> str:
        return f"{obj.tracker}:{obj.key}"


JIRA_EXAMPLE = OpenApiExample("A Jira Cloud project", request_only=True, value={
    "kind": "jira", "base_url": "https://example.atlassian.net", "project_key": "SEC",
    "username": "sync-bot@example.com", "token": "ATATT3xFfGF0-example-token",
    "webhook_secret": "a-long-random-secret"})
GITHUB_EXAMPLE = OpenApiExample("A GitHub repository", request_only=True, value={
    "kind": "github", "repository": "acme/ml-platform", "username": "", "token": "github_pat_11AAexample",
    "webhook_secret": "a-long-random-secret"})
TICKET_EXAMPLE = OpenApiExample("The ticket", response_only=True, status_codes=["200", "201"], value={
    "connector": 4, "external_ref": "jira:SEC-12", "tracker": "jira", "key": "SEC-12",
    "url": "https://example.atlassian.net/browse/SEC-12", "remote_status": "new", "remote_resolution": ""})
TRACKER_ERRORS = {502: OpenApiResponse(description="The tracker refused or failed (problem+json names why)"),
                  503: OpenApiResponse(description="The tracker asked us to wait (Retry-After)")}


def tracker_error(exc: http.RemoteError) -> Response:
    if isinstance(exc, http.RateLimited):
        response = Response({"type": "about:blank", "title": "The tracker is rate limiting us", "status": 503,
                             "detail": str(exc)}, status=503, content_type="application/problem+json")
        response["Retry-After"] = str(int(exc.wait_seconds) + 1)
        return response
    return Response({"type": "about:blank", "title": "The tracker refused or failed", "status": 502,
                     "detail": str(exc)}, status=502, content_type="application/problem+json")


@extend_schema_view(
    list=extend_schema(summary="Ticket connectors of the teams you own", tags=["connectors"]),
    retrieve=extend_schema(summary="Get a connector", tags=["connectors"]),
    create=extend_schema(summary="Add a Jira or GitHub connector (owners)", tags=["connectors"],
                         request=ConnectorCreateSerializer, responses={201: ConnectorSerializer},
                         examples=[JIRA_EXAMPLE, GITHUB_EXAMPLE]),
    partial_update=extend_schema(summary="Change a connector (e.g. a new token)", tags=["connectors"],
                                 request=ConnectorUpdateSerializer),
    destroy=extend_schema(summary="Remove a connector (ticket references stay)", tags=["connectors"],
                          ),
    sync=extend_schema(summary="Pull every linked ticket's state now", tags=["connectors"], request=None,
                       responses={200: SyncResultSerializer, **TRACKER_ERRORS}),
)
class ConnectorViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    serializer_class = ConnectorSerializer
    require_if_match = True
    queryset = Connector.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Connector.objects.filter(team_id__in=owned_team_ids(self.request.user, self.token)).select_related(
            "team")

    def get_object(self):
        connector = self.get_queryset().filter(pk=self.kwargs.get("pk")).first()
        if connector is None:
            raise Http404("No such connector.")
        return connector

    def create(self, request, *args, **kwargs):
        serializer = ConnectorCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        team = self.owned_team(data.pop("team", None))
        connector = services.connector_create(actor=request.user, team=team, **data)
        return Response(ConnectorSerializer(connector).data, status=status.HTTP_201_CREATED,
                        headers={"Location": f"/api/v1/connectors/{connector.pk}/"})

    def partial_update(self, request, *args, **kwargs):
        connector = self.get_object()
        expected = self.if_match_version(connector)
        serializer = ConnectorUpdateSerializer(connector, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        connector = services.connector_update(actor=request.user, connector=connector, expected_version=expected,
                                              **serializer.validated_data)
        return Response(ConnectorSerializer(connector).data)

    def destroy(self, request, *args, **kwargs):
        connector = self.get_object()
        services.connector_delete(actor=request.user, connector=connector,
                                  expected_version=self.if_match_version(connector))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def sync(self, request, *args, **kwargs):
        connector = self.get_object()
        try:
            result = connector_sync(connector_id=connector.pk)
        except http.RemoteError as exc:
            return tracker_error(exc)
        return Response(SyncResultSerializer(result.as_dict()).data)


class _TicketViewSet(TeamScopedViewSet):
    """POST {object}/{id}/ticket/: make (or return) the object's ticket in a connector's tracker."""

    created_location = False  # the ticket lives in the tracker: its `url` is in the body

    def target(self):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        target = self.target()
        require_role(request.user, target.system.team, Role.CONTRIBUTOR)
        serializer = TicketRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        connector = Connector.objects.filter(pk=serializer.validated_data["connector"],
                                             team_id=target.system.team_id).first()
        if connector is None:
            raise ValidationError({"connector": "No such connector in this object's team."})
        try:
            ref, created = ticket_create(actor=request.user, connector=connector, target=target)
        except http.RemoteError as exc:
            return tracker_error(exc)
        return Response(TicketSerializer(ref).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


TICKET_SCHEMA = {"request": TicketRequestSerializer, "examples": [
    OpenApiExample("Make the ticket", request_only=True, value={"connector": 4}), TICKET_EXAMPLE],
    "responses": {201: TicketSerializer, 200: TicketSerializer, **TRACKER_ERRORS}}


@extend_schema_view(create=extend_schema(
    operation_id="mitigations_ticket_create", tags=["connectors"],
    summary="Make the mitigation's ticket (repeating returns the existing ticket with 200)", **TICKET_SCHEMA))
class MitigationTicketViewSet(_TicketViewSet):
    def target(self):
        return selectors.mitigation_get(self.request.user, self.kwargs["pk"], self.token)


@extend_schema_view(create=extend_schema(
    operation_id="risks_ticket_create", tags=["connectors"],
    summary="Make an accepted risk's ticket (when the connector has sync_accepted_risks)", **TICKET_SCHEMA))
class RiskTicketViewSet(_TicketViewSet):
    def target(self):
        return selectors.risk_get(self.request.user, self.kwargs["pk"], self.token)

