from django.conf import settings
from django.db import models

from .teams import Team


class AuditEvent(models.Model):
    """Append-only, hash-chained per team (see threatmodel.audit)."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="audit_events")
    seq = models.PositiveBigIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Stable pseudonymous label hashed into the chain (the FK may be nulled on erasure).
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict)
    at = models.DateTimeField(db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["team", "seq"]
        constraints = [models.UniqueConstraint(fields=["team", "seq"], name="uniq_audit_seq_per_team")]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class Tombstone(models.Model):
    """Records deletions so delta-syncing API clients can see them."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="tombstones")
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    deleted_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["deleted_at", "id"]
        indexes = [models.Index(fields=["team", "object_type", "deleted_at"])]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} deleted {self.deleted_at:%Y-%m-%d %H:%M}"
