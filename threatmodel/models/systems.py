from django.conf import settings
from django.db import models

from .base import Versioned
from .teams import Team


class LifecycleStage(models.TextChoices):
    IDEA = "idea", "Idea"
    DESIGN = "design", "Design"
    DEVELOPMENT = "development", "Development"
    PRODUCTION = "production", "Production"
    RETIRED = "retired", "Retired"


class AISystem(Versioned):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="systems")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    description = models.TextField(blank=True)
    lifecycle_stage = models.CharField(max_length=16, choices=LifecycleStage.choices, default=LifecycleStage.DESIGN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_systems"
    )
    answers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "slug"], name="uniq_system_slug_per_team")]

    def __str__(self) -> str:
        return self.name


class ComponentKind(models.TextChoices):
    """The three lanes of a model, in lane order. Every surface reads the kinds and their labels here."""

    INPUT = "input", "Input"
    MODEL = "model", "Model"
    OUTPUT = "output", "Output"

    @property
    def lane_title(self) -> str:
        """The heading of the kind's lane: Inputs, Models, Outputs."""
        return f"{self.label}s"


class Component(Versioned):
    system = models.ForeignKey(AISystem, on_delete=models.CASCADE, related_name="components")
    kind = models.CharField(max_length=8, choices=ComponentKind.choices)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    answers = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)
    # The named trust zone it sits in ("Corporate network", "Vendor cloud"); blank: none named. The workshop
    # diagram draws each zone around its components.
    trust_zone = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["system", "kind", "position", "id"]
        indexes = [models.Index(fields=["system", "kind", "position"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} '{self.name}'"


class DataFlow(Versioned):
    system = models.ForeignKey(AISystem, on_delete=models.CASCADE, related_name="flows")
    source = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="outgoing_flows")
    target = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="incoming_flows")
    label = models.CharField(max_length=200, blank=True)
    answers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["system", "id"]

    def __str__(self) -> str:
        return f"{self.source.name} → {self.target.name}"
