"""Webhooks over the API (team owners): register endpoints, see every delivery, ping, retry.

The signing secret is returned once, in the response that creates (or rotates) it, and never again.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors
from ..models import DeliveryStatus, Membership, Role, Webhook, WebhookDelivery
from ..services.common import require_role
from ..webhooks import services as hooks
from ..webhooks.events import ALL_EVENTS, EVENT_TYPES
from .base import ListMixin, RetrieveMixin, TeamScopedViewSet, WriteViewSet

EVENT_CHOICES = [(e, e) for e in [*EVENT_TYPES, ALL_EVENTS]]


class WebhookSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.CharField(max_length=500, help_text="http(s) URL of a public address")
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES), min_length=1,
                                   max_length=len(EVENT_CHOICES), help_text="Event types, or * for all")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)

    class Meta:
        model = Webhook
        fields = ["id", "team", "url", "description", "events", "active", "secret_prefix", "version", "created_at",
                  "updated_at"]
        read_only_fields = ["id", "team", "secret_prefix", "version", "created_at", "updated_at"]


class WebhookCreateSerializer(WebhookSerializer):
    team = serializers.SlugField(required=False, write_only=True,
                                 help_text="Team slug; defaults to the token's team or your only team.")

    class Meta(WebhookSerializer.Meta):
        read_only_fields = ["id", "secret_prefix", "version", "created_at", "updated_at"]


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret: shown this once")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)
    log = serializers.ListField(child=serializers.DictField(), read_only=True,
                                help_text="One entry per attempt: at, response_code, error, ms")

    class Meta:
        model = WebhookDelivery
        fields = ["id", "webhook", "event_id", "event_type", "payload", "status", "attempts", "response_code",
                  "last_error", "log", "next_attempt_at", "delivered_at", "created_at", "updated_at"]
        read_only_fields = fields


WEBHOOK_EXAMPLE = OpenApiExample("Risk and mitigation changes to a sync service", request_only=True, value={
    "url": "https://sync.example.com/hooks/threat-register", "events": ["mitigation.created", "mitigation.updated"],
    "description": "Jira sync"})
WEBHOOK_CREATED = OpenApiExample("Created (the secret is shown once)", response_only=True, status_codes=["201"], value={
    "id": 3, "team": "payments", "url": "https://sync.example.com/hooks/threat-register", "description": "Jira sync",
    "events": ["mitigation.created", "mitigation.updated"], "active": True, "secret_prefix": "whsec_Rk9v",
    "version": 1, "created_at": "2026-03-01T10:00:00Z", "updated_at": "2026-03-01T10:00:00Z",
    "secret": "whsec_Rk9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4"})
DELIVERY_EXAMPLE = OpenApiExample("A delivery retried once", response_only=True, value={
    "id": 88, "webhook": 3, "event_id": "msg_6f1c0d3e9a2b4c5d8e7f6a5b4c3d2e1f", "event_type": "mitigation.updated",
    "payload": {"type": "mitigation.updated", "timestamp": "2026-03-02T09:31:12.120000Z",
                "data": {"object_type": "mitigation", "id": 12, "href": "/api/v1/mitigations/12/", "system": 3,
                         "version": 5, "status": "implemented", "title": "Validate and filter model inputs",
                         "updated_at": "2026-03-02T09:31:12.120000Z"}},
    "status": "delivered", "attempts": 2, "response_code": 204, "last_error": "",
    "log": [{"at": "2026-03-02T09:31:12.300000Z", "response_code": 503, "error": "HTTP 503", "ms": 41},
            {"at": "2026-03-02T09:31:30.100000Z", "response_code": 204, "error": "", "ms": 38}],
    "next_attempt_at": None, "delivered_at": "2026-03-02T09:31:30.100000Z",
    "created_at": "2026-03-02T09:31:12.120000Z", "updated_at": "2026-03-02T09:31:30.100000Z"})


def owned_team_ids(user, token) -> list[int]:
    """Webhooks belong to team owners: a token acts with its user's role in the token's team."""
    team_ids = selectors.team_ids_for(user, token)
    return list(Membership.objects.filter(user=user, team_id__in=team_ids, role=Role.OWNER)
                .values_list("team_id", flat=True))


@extend_schema_view(
    list=extend_schema(summary="Webhooks of the teams you own", tags=["webhooks"]),
    retrieve=extend_schema(summary="Get a webhook", tags=["webhooks"]),
    create=extend_schema(summary="Register a webhook (owners; the secret is returned once)", tags=["webhooks"],
                         request=WebhookCreateSerializer, responses={201: WebhookWithSecretSerializer},
                         examples=[WEBHOOK_EXAMPLE, WEBHOOK_CREATED]),
    partial_update=extend_schema(summary="Change a webhook", tags=["webhooks"],
                                 examples=[OpenApiExample("Pause it", value={"active": False}, request_only=True)]),
    update=extend_schema(summary="Replace a webhook's settings", tags=["webhooks"],
                         examples=[WEBHOOK_EXAMPLE]),
    destroy=extend_schema(summary="Delete a webhook and its delivery records", tags=["webhooks"],
                          ),
    rotate_secret=extend_schema(summary="Replace the signing secret (returned once)", tags=["webhooks"],
                                request=None, responses={200: WebhookWithSecretSerializer}),
    ping=extend_schema(summary="Send a webhook.ping event now", tags=["webhooks"], request=None,
                       responses={202: DeliverySerializer}),
)
class WebhookViewSet(ListMixin, WriteViewSet):
    serializer_class = WebhookSerializer
    create_serializer_class = WebhookCreateSerializer
    resource = "webhooks"
    write_role = Role.OWNER
    require_if_match = True
    if_match_actions = ("rotate_secret",)
    put_defaults = {"description": "", "active": True}
    queryset = Webhook.objects.none()

    def get_queryset(self):
        return Webhook.objects.filter(team_id__in=owned_team_ids(self.request.user, self.token)).select_related(
            "team")

    def get_object(self):
        pk = self.kwargs.get("pk")
        webhook = self.get_queryset().filter(pk=pk).first() if str(pk).isdigit() else None
        if webhook is None:
            raise Http404("No such webhook.")
        return webhook

    def perform_create(self, data):
        team = self.owned_team(data.pop("team", None))
        webhook, self._secret = hooks.webhook_create(actor=self.request.user, team=team, **data)
        return webhook

    def created_body(self, webhook) -> dict:
        return {**self.represent(webhook), "secret": self._secret}

    def perform_update(self, webhook, data):
        return hooks.webhook_update(actor=self.request.user, webhook=webhook, expected_version=webhook.version, **data)

    def perform_destroy(self, webhook):
        hooks.webhook_delete(actor=self.request.user, webhook=webhook, expected_version=webhook.version)

    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, *args, **kwargs):
        webhook = self.get_object()
        require_role(request.user, webhook.team, Role.OWNER)
        webhook, secret = hooks.webhook_rotate_secret(actor=request.user, webhook=webhook,
                                                      expected_version=self.if_match_version(webhook))
        return Response({**WebhookSerializer(webhook).data, "secret": secret})

    @action(detail=True, methods=["post"])
    def ping(self, request, *args, **kwargs):
        webhook = self.get_object()
        delivery = hooks.webhook_ping(actor=request.user, webhook=webhook)
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(summary="Deliveries of a webhook (every attempt recorded)", tags=["webhooks"],
                       parameters=[OpenApiParameter("status", str, enum=DeliveryStatus.values)],
                       examples=[DELIVERY_EXAMPLE]),
    retrieve=extend_schema(summary="One delivery", tags=["webhooks"]),
    retry=extend_schema(summary="Send a failed delivery again", tags=["webhooks"], request=None,
                        responses={202: DeliverySerializer}),
)
class WebhookDeliveryViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    serializer_class = DeliverySerializer
    queryset = WebhookDelivery.objects.none()

    def get_queryset(self):
        qs = WebhookDelivery.objects.filter(
            webhook__team_id__in=owned_team_ids(self.request.user, self.token),
            webhook_id=self.kwargs.get("webhook_pk")).select_related("webhook__team")
        raw = self.request.query_params.get("status")
        if self.action == "list" and raw:
            if raw not in DeliveryStatus.values:
                raise ValidationError({"status": f"One of {', '.join(DeliveryStatus.values)}."})
            qs = qs.filter(status=raw)
        return qs

    def list(self, request, *args, **kwargs):
        if not Webhook.objects.filter(Q(pk=kwargs.get("webhook_pk")),
                                      team_id__in=owned_team_ids(request.user, self.token)).exists():
            raise Http404("No such webhook.")
        return super().list(request, *args, **kwargs)

    def get_object(self):
        pk = self.kwargs.get("pk")
        delivery = self.get_queryset().filter(pk=pk).first() if str(pk).isdigit() else None
        if delivery is None:
            raise Http404("No such delivery.")
        return delivery

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    @action(detail=True, methods=["post"])
    def retry(self, request, *args, **kwargs):
        delivery = hooks.delivery_retry(actor=request.user, delivery=self.get_object())
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
