from django.conf import settings
from django.db import models

from threatmodel.models import AISystem


class Presence(models.Model):
    """Who has a system's workshop page open: one row per (system, user), refreshed by a heartbeat.

    Kept in the database (never in process memory) so that every web process sees the same
    participants. A row whose `last_seen` is older than the presence window
    (assessments.workshop.presence.WINDOW) no longer counts; leaving the page deletes it at once.
    Ephemeral by design: not audited, not exported.
    """

    system = models.ForeignKey(AISystem, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["system", "joined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["system", "user"], name="uniq_presence_per_system_user")]
        indexes = [models.Index(fields=["system", "last_seen"])]

    def __str__(self) -> str:
        return f"user-{self.user_id} on system {self.system_id}"
