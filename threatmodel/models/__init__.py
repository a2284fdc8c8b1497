from .api import IdempotencyRecord
from .audit import AuditEvent, Tombstone
from .files import StoredFile
from .invitations import Invitation
from .ops import WorkerHeartbeat
from .queue import PendingTask
from .systems import AISystem, Component, ComponentKind, DataFlow, LifecycleStage
from .teams import ApiToken, Membership, Role, Team
from .webhooks import DELIVERY_OPEN, DeliveryStatus, Webhook, WebhookDelivery

__all__ = [
    "DELIVERY_OPEN",
    "AISystem",
    "ApiToken",
    "AuditEvent",
    "Component",
    "ComponentKind",
    "DataFlow",
    "DeliveryStatus",
    "IdempotencyRecord",
    "Invitation",
    "LifecycleStage",
    "PendingTask",
    "Membership",
    "Role",
    "StoredFile",
    "Team",
    "Tombstone",
    "Webhook",
    "WebhookDelivery",
    "WorkerHeartbeat",
]
