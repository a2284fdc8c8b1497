from django.conf import settings
from django.db import models
from django.utils import timezone

from threatmodel.models import AISystem
from threatmodel.models.base import Versioned

from .risks import Risk


class MitigationStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    IMPLEMENTED = "implemented", "Implemented"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"


MITIGATION_TRANSITIONS: dict[str, frozenset[str]] = {
    MitigationStatus.PROPOSED: frozenset({MitigationStatus.PLANNED, MitigationStatus.IN_PROGRESS,
                                          MitigationStatus.REJECTED}),
    MitigationStatus.PLANNED: frozenset({MitigationStatus.PROPOSED, MitigationStatus.IN_PROGRESS,
                                         MitigationStatus.REJECTED}),
    MitigationStatus.IN_PROGRESS: frozenset({MitigationStatus.PLANNED, MitigationStatus.IMPLEMENTED,
                                             MitigationStatus.REJECTED}),
    MitigationStatus.IMPLEMENTED: frozenset({MitigationStatus.VERIFIED, MitigationStatus.IN_PROGRESS}),
    # Verification that no longer holds sends it back to work.
    MitigationStatus.VERIFIED: frozenset({MitigationStatus.IN_PROGRESS}),
    MitigationStatus.REJECTED: frozenset({MitigationStatus.PROPOSED}),
}
MITIGATION_REASON_REQUIRED = frozenset({MitigationStatus.REJECTED})
MITIGATION_DONE = frozenset({MitigationStatus.IMPLEMENTED, MitigationStatus.VERIFIED, MitigationStatus.REJECTED})


class ControlKind(models.TextChoices):
    PREVENTIVE = "preventive", "Preventive"
    DETECTIVE = "detective", "Detective"
    CORRECTIVE = "corrective", "Corrective"


class Mitigation(Versioned):
    """What the team does about one or more risks: from a control template or custom."""

    system = models.ForeignKey(AISystem, on_delete=models.CASCADE, related_name="mitigations")
    risks = models.ManyToManyField(Risk, blank=True, related_name="mitigations")
    control = models.ForeignKey("catalog.ControlTemplate", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="mitigations")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    # Preventive mitigations lower residual likelihood; detective and corrective ones lower impact.
    kind = models.CharField(max_length=12, choices=ControlKind.choices, default=ControlKind.PREVENTIVE)
    status = models.CharField(max_length=12, choices=MitigationStatus.choices, default=MitigationStatus.PROPOSED)
    status_reason = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_mitigations")
    due = models.DateField(null=True, blank=True)
    evidence = models.TextField(blank=True)
    evidence_links = models.JSONField(default=list, blank=True)
    # Who moved it to implemented and to verified, and when (set by mitigation_transition): the assurance
    # report names them; a mitigation counts as evidence only once someone other than nobody verified it.
    implemented_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    implemented_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["system", "id"]
        indexes = [
            models.Index(fields=["system", "status"]),
            models.Index(fields=["updated_at", "id"]),
            # Delta sync of one team's register walks (updated_at, id) within its systems: keys from the index.
            models.Index(fields=["system", "updated_at", "id"], name="mitigation_sync_keys"),
            models.Index(fields=["owner", "due"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.due is not None and self.status not in MITIGATION_DONE and self.due < timezone.localdate()

    def allowed_transitions(self) -> list[str]:
        return sorted(MITIGATION_TRANSITIONS.get(self.status, ()), key=list(MitigationStatus.values).index)

    @property
    def mappings(self) -> list:
        if self.control_id is None:
            return []
        return list(self.control.mappings.all())
