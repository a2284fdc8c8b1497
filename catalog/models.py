"""The catalog as loaded from catalog/data/*.yaml (the YAML files are the source of truth).

Rows are written only by `catalog.services.catalog_load`. Template rows are never deleted:
a template that disappears from the data is marked `retired`, so risks and mitigations in the
register that point at it keep a valid reference. Framework items are retired the same way.
"""

from django.db import models


class Scope(models.TextChoices):
    SYSTEM = "system", "System"
    INPUT = "input", "Input"
    MODEL = "model", "Model"
    OUTPUT = "output", "Output"
    FLOW = "flow", "Flow"


class CatalogRelease(models.Model):
    """One successful load of the catalog files. `version` is `YYYY.MM.N` (N counts loads in that month)."""

    version = models.CharField(max_length=20, unique=True)
    checksum = models.CharField(max_length=64, db_index=True, help_text="SHA-256 over the data files")
    loaded_at = models.DateTimeField()
    # {"threats": {"added": [...], "changed": [...], "removed": [...]}, "controls": {...}, "counts": {...}}
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"catalog {self.version}"

    @property
    def threats_changed(self) -> bool:
        t = (self.summary or {}).get("threats", {})
        return any(t.get(k) for k in ("added", "changed", "removed"))


class Framework(models.Model):
    key = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=40, blank=True)
    url = models.URLField(max_length=500, blank=True)
    position = models.PositiveIntegerField(default=0)
    attribution = models.TextField(blank=True, help_text="Source and licence of the ids and titles")
    generative_only = models.BooleanField(default=False, help_text="Its items only concern generative AI")

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.key


class FrameworkItem(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="items")
    ref = models.CharField(max_length=60)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=40)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    position = models.PositiveIntegerField(default=0)
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["framework", "position", "ref"]
        constraints = [models.UniqueConstraint(fields=["framework", "ref"], name="uniq_framework_item_ref")]

    def __str__(self) -> str:
        return f"{self.framework.key} {self.ref}"


class Question(models.Model):
    scope = models.CharField(max_length=8, choices=Scope.choices)
    key = models.CharField(max_length=60)
    label = models.CharField(max_length=300)
    help = models.TextField(blank=True)
    type = models.CharField(max_length=8, choices=[("bool", "Yes / no"), ("choice", "One of"), ("multi", "Any of")])
    choices = models.JSONField(default=list, blank=True)  # [{"value": ..., "label": ...}]
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="uniq_question_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope}.{self.key}"


class ControlTemplate(models.Model):
    class Kind(models.TextChoices):
        PREVENTIVE = "preventive", "Preventive"
        DETECTIVE = "detective", "Detective"
        CORRECTIVE = "corrective", "Corrective"

    ref = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=300)
    description = models.TextField()
    verification = models.TextField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    guidance = models.TextField(blank=True)
    mappings = models.ManyToManyField(FrameworkItem, related_name="controls", blank=True)
    retired = models.BooleanField(default=False, db_index=True)
    content_hash = models.CharField(max_length=64)
    changed_in = models.ForeignKey(CatalogRelease, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="The release that last added or changed it")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["ref"]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"


class ThreatTemplate(models.Model):
    class Phase(models.TextChoices):
        DESIGN = "design", "Design"
        DATA = "data", "Data"
        DEVELOPMENT = "development", "Development"
        DEPLOYMENT = "deployment", "Deployment"
        OPERATION = "operation", "Operation"

    ref = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=300)
    description = models.TextField()
    applies_to = models.JSONField(default=list)  # ["input", ...] or ["system"]
    rule = models.JSONField(default=dict)  # the `when` tree, as in the YAML
    category = models.CharField(max_length=60, db_index=True)
    phase = models.CharField(max_length=12, choices=Phase.choices)
    default_likelihood = models.PositiveSmallIntegerField()
    default_impact = models.PositiveSmallIntegerField()
    likelihood_rationale = models.TextField()
    impact_rationale = models.TextField()
    privacy_relevant = models.BooleanField(default=False)
    # [{when, likelihood, impact, reason, context?}]: answers that move the default score
    adjust = models.JSONField(default=list, blank=True)
    # [{when, control, reason}]: answers that show one of its controls is in place
    in_place = models.JSONField(default=list, blank=True)
    mapping_notes = models.JSONField(default=dict, blank=True)  # {item ref: why it maps there}
    references = models.JSONField(default=list, blank=True)  # [{title, url, ref}]
    detection = models.JSONField(default=dict, blank=True)  # {signals: [...], log_sources: [...]}
    probes = models.JSONField(default=list, blank=True)  # [{check, expect, payload, kind}]
    mappings = models.ManyToManyField(FrameworkItem, related_name="threats", blank=True)
    controls = models.ManyToManyField(ControlTemplate, related_name="threats", blank=True)
    retired = models.BooleanField(default=False, db_index=True)
    content_hash = models.CharField(max_length=64)
    changed_in = models.ForeignKey(CatalogRelease, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="The release that last added or changed it")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["ref"]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"
