from django.db import models
from django.db.models import Q

from threatmodel.models import Team

from .connectors import Connector
from .mitigations import Mitigation
from .risks import Risk


class ExternalRef(models.Model):
    """A ticket in an outside tracker (Jira, GitHub, ...) that mirrors a risk or a mitigation.

    Written by ticket-sync clients; unique per team on (tracker, external_id). Changing it does not
    touch the risk's or mitigation's own fields or version.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="external_refs")
    risk = models.ForeignKey(Risk, null=True, blank=True, on_delete=models.CASCADE, related_name="external_refs")
    mitigation = models.ForeignKey(Mitigation, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="external_refs")
    tracker = models.SlugField(max_length=40)
    external_id = models.CharField(max_length=200)
    key = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    remote_status = models.CharField(max_length=100, blank=True)
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    # Set for tickets a connector created or pulls (assessments.connectors); a sync client's own refs have none.
    connector = models.ForeignKey(Connector, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="refs")
    remote_resolution = models.CharField(max_length=100, blank=True)  # Jira resolution / GitHub state_reason
    synced_status = models.CharField(max_length=12, blank=True)  # our status when the two sides last agreed
    missing_at = models.DateTimeField(null=True, blank=True)  # the ticket was deleted on the other side
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["tracker", "key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "tracker", "external_id"], name="uniq_external_ref_per_team"),
            models.CheckConstraint(
                condition=(Q(risk__isnull=False, mitigation__isnull=True)
                           | Q(risk__isnull=True, mitigation__isnull=False)),
                name="external_ref_one_target"),
        ]
        indexes = [models.Index(fields=["team", "tracker", "key"])]

    def __str__(self) -> str:
        return f"{self.tracker}:{self.key or self.external_id}"

    @property
    def target(self):
        return self.risk if self.risk_id else self.mitigation
