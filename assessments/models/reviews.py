from django.conf import settings
from django.db import models

from threatmodel.models import AISystem


class ReviewRole(models.TextChoices):
    AUTHOR = "author", "Author"
    APPROVER = "approver", "Approver"
    PUBLISHER = "publisher", "Publisher"


class ReviewDecision(models.TextChoices):
    SIGNED = "signed", "Signed off"
    REJECTED = "rejected", "Sent back"


class Review(models.Model):
    """One sign-off on a system's register. Append-only.

    A round starts with the author's sign-off; the approver (never the author of the round) signs
    off or sends it back; the publisher signs off last. Each sign-off records the catalog release
    and the SHA-256 of the register snapshot at that moment (assessments.snapshot).
    """

    system = models.ForeignKey(AISystem, on_delete=models.CASCADE, related_name="reviews")
    round = models.PositiveIntegerField()
    role = models.CharField(max_length=10, choices=ReviewRole.choices)
    decision = models.CharField(max_length=10, choices=ReviewDecision.choices, default=ReviewDecision.SIGNED)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    user_label = models.CharField(max_length=150)
    comment = models.TextField(blank=True)
    catalog_release = models.ForeignKey("catalog.CatalogRelease", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    catalog_version = models.CharField(max_length=60, blank=True)
    catalog_checksum = models.CharField(max_length=128, blank=True)
    register_hash = models.CharField(max_length=64)
    register_summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["system", "-round", "-id"]
        constraints = [models.UniqueConstraint(fields=["system", "round", "role"], name="uniq_review_role_per_round")]

    def __str__(self) -> str:
        return f"{self.system} round {self.round}: {self.get_role_display()} {self.get_decision_display()}"


class SystemReviewState(models.Model):
    """What the engine added from new catalog releases since the team last reviewed the register."""

    system = models.OneToOneField(AISystem, on_delete=models.CASCADE, related_name="review_state")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_catalog_version = models.CharField(max_length=60, blank=True)
    # Checksum of the catalog the register was last re-suggested with.
    reconciled_checksum = models.CharField(max_length=128, blank=True)
    reconciled_catalog_version = models.CharField(max_length=60, blank=True)
    # Risks suggested because the catalog changed (not the model) since the last review.
    new_risk_ids = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"review state of {self.system}"
