from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from threatmodel.models import AISystem, Component
from threatmodel.models.base import Versioned

from .. import scoring

LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class RiskStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    OPEN = "open", "Open"
    MITIGATING = "mitigating", "Mitigating"
    CLOSED = "closed", "Closed"
    DISMISSED = "dismissed", "Dismissed"


# The status graph. Anything else is refused (ValidationError on "status").
# The engine (no actor) may also move dismissed -> suggested when the facts behind a dismissal change.
RISK_TRANSITIONS: dict[str, frozenset[str]] = {
    RiskStatus.SUGGESTED: frozenset({RiskStatus.OPEN, RiskStatus.DISMISSED}),
    RiskStatus.OPEN: frozenset({RiskStatus.MITIGATING, RiskStatus.CLOSED, RiskStatus.DISMISSED}),
    RiskStatus.MITIGATING: frozenset({RiskStatus.OPEN, RiskStatus.CLOSED, RiskStatus.DISMISSED}),
    RiskStatus.CLOSED: frozenset({RiskStatus.OPEN}),
    RiskStatus.DISMISSED: frozenset({RiskStatus.OPEN}),
}
RISK_REASON_REQUIRED = frozenset({RiskStatus.DISMISSED})
RISK_INACTIVE = frozenset({RiskStatus.CLOSED, RiskStatus.DISMISSED})


class Treatment(models.TextChoices):
    UNDECIDED = "", "Undecided"
    MITIGATE = "mitigate", "Mitigate"
    ACCEPT = "accept", "Accept"
    TRANSFER = "transfer", "Transfer"
    AVOID = "avoid", "Avoid"


class Risk(Versioned):
    """A threat identified on a system: suggested by the engine from a template, or custom."""

    system = models.ForeignKey(AISystem, on_delete=models.CASCADE, related_name="risks")
    # SET_NULL: deleting a component keeps the decisions taken on its risks (they turn stale).
    component = models.ForeignKey(Component, null=True, blank=True, on_delete=models.SET_NULL, related_name="risks")
    # Catalog rows are never deleted (retired instead); null means a custom risk.
    template = models.ForeignKey("catalog.ThreatTemplate", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="risks")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=RiskStatus.choices, default=RiskStatus.SUGGESTED)
    status_reason = models.TextField(blank=True)
    stale = models.BooleanField(default=False)
    stale_reason = models.TextField(blank=True)
    why = models.JSONField(default=list, blank=True)
    fingerprint = models.CharField(max_length=128, blank=True)
    likelihood = models.PositiveSmallIntegerField(default=3, validators=LEVEL_VALIDATORS)
    impact = models.PositiveSmallIntegerField(default=3, validators=LEVEL_VALIDATORS)
    residual_likelihood = models.PositiveSmallIntegerField(default=3, validators=LEVEL_VALIDATORS)
    residual_impact = models.PositiveSmallIntegerField(default=3, validators=LEVEL_VALIDATORS)
    residual_overridden = models.BooleanField(default=False)
    residual_override_reason = models.TextField(blank=True)
    treatment = models.CharField(max_length=10, choices=Treatment.choices, blank=True, default=Treatment.UNDECIDED)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_risks")
    due = models.DateField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    acceptance_review_date = models.DateField(null=True, blank=True)
    acceptance_reason = models.TextField(blank=True)
    custom_mappings = models.ManyToManyField("catalog.FrameworkItem", blank=True, related_name="custom_risks")
    # First time a person (not the engine) changed this risk: a suggestion nobody acted on has none.
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["system", "id"]
        indexes = [
            models.Index(fields=["system", "status"]),
            models.Index(fields=["updated_at", "id"]),
            # Delta sync of one team's register walks (updated_at, id) within its systems: keys from the index.
            models.Index(fields=["system", "updated_at", "id"], name="risk_sync_keys"),
            models.Index(fields=["owner", "due"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["system", "template", "component"],
                                    condition=Q(template__isnull=False, component__isnull=False),
                                    name="uniq_risk_template_per_component"),
            models.CheckConstraint(condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
                                   name="risk_levels_1_to_5"),
            models.CheckConstraint(condition=Q(residual_likelihood__gte=1, residual_likelihood__lte=5,
                                               residual_impact__gte=1, residual_impact__lte=5),
                                   name="risk_residual_levels_1_to_5"),
        ]

    def __str__(self) -> str:
        return self.title

    # --- scoring -------------------------------------------------------------
    def _matrix(self):
        team = self.system.team
        cached = getattr(team, "_risk_matrix_cache", None)
        if cached is None:
            cached = team._risk_matrix_cache = scoring.matrix_for(team)
        return cached

    @property
    def score(self) -> int | None:
        return scoring.score(self.likelihood, self.impact)

    @property
    def band(self) -> str | None:
        return scoring.band(self.likelihood, self.impact, self._matrix())

    @property
    def residual_score(self) -> int | None:
        return scoring.score(self.residual_likelihood, self.residual_impact)

    @property
    def residual_band(self) -> str | None:
        return scoring.band(self.residual_likelihood, self.residual_impact, self._matrix())

    # --- state ---------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.status not in RISK_INACTIVE

    @property
    def acted(self) -> bool:
        """Someone took a decision on it: such a risk is never removed by the engine."""
        return self.status != RiskStatus.SUGGESTED or self.acted_at is not None

    @property
    def acceptance_expired(self) -> bool:
        return (self.treatment == Treatment.ACCEPT and self.acceptance_review_date is not None
                and self.acceptance_review_date < timezone.localdate())

    @property
    def is_overdue(self) -> bool:
        if not self.is_active:
            return False
        if self.acceptance_expired:
            return True
        return self.due is not None and self.due < timezone.localdate() and self.treatment != Treatment.ACCEPT

    def allowed_transitions(self) -> list[str]:
        return sorted(RISK_TRANSITIONS.get(self.status, ()), key=list(RiskStatus.values).index)

    @property
    def mappings(self) -> list:
        """Framework items: the template's for a suggested risk, the hand-made ones for a custom risk.

        Prefetch ``template__mappings__framework`` and ``custom_mappings__framework`` to read this
        without a query per risk (``assessments.selectors.with_register_relations`` does).
        """
        if self.template_id is not None:
            return list(self.template.mappings.all())
        return list(self.custom_mappings.all())
