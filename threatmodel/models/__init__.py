from .api import IdempotencyRecord
from .audit import AuditEvent, Tombstone
from .ops import WorkerHeartbeat
from .systems import AISystem, Component, ComponentKind, DataFlow, LifecycleStage
from .teams import ApiToken, Membership, Role, Team

__all__ = [
    "AISystem",
    "ApiToken",
    "AuditEvent",
    "Component",
    "ComponentKind",
    "DataFlow",
    "IdempotencyRecord",
    "LifecycleStage",
    "Membership",
    "Role",
    "Team",
    "Tombstone",
    "WorkerHeartbeat",
]
