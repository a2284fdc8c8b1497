from django.conf import settings
from django.db import models

from threatmodel.models import AISystem, Team


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", "Preview"
    APPLYING = "applying", "Importing"
    APPLIED = "applied", "Imported"
    DISCARDED = "discarded", "Discarded"


class ImportRecord(models.Model):
    """One upload of a model from another tool (or a system export): previewed, then applied or discarded.

    Written only by ``assessments.interop.services``. ``content`` holds the uploaded text while the
    preview waits (at most IMPORT_MAX_BYTES) and is cleared once applied or discarded. Confirming queues
    the apply (``assessments.interop.tasks.apply_import``): the record is ``applying`` until the worker's
    transaction commits everything, or back to ``preview`` with ``error`` if the apply failed.
    ``mapping`` then maps the file's ids to ours ({"components": {source_id: pk}, "flows": ..., "risks":
    ..., "mitigations": ...}) so that importing the same model again (same ``sha256``, or same
    ``source_key``: the model's identity in its tool) updates that system instead of duplicating it.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    format = models.CharField(max_length=30)
    filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    source_key = models.CharField(max_length=300, blank=True, db_index=True)
    title = models.CharField(max_length=300, blank=True)
    content = models.TextField(blank=True)
    system = models.ForeignKey(AISystem, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports")
    update_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    mapping = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    # While applying: the person's choices ({"kinds": {...}, "mode": ..., "actor": user id}); after a failed
    # apply (the preview is kept): the problem ({"path": ..., "message": ...}).
    options = models.JSONField(default=dict, blank=True)
    error = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "status", "sha256"]), models.Index(fields=["team", "source_key"])]

    def __str__(self) -> str:
        return f"import #{self.pk} ({self.format}) {self.filename}"
