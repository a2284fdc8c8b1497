from django.conf import settings
from django.db import models

from threatmodel.models import AISystem
from threatmodel.models.base import Versioned


class DpiaResult(models.TextChoices):
    REQUIRED = "required", "DPIA likely required"
    NOT_REQUIRED = "not_required", "DPIA not required"
    UNDETERMINED = "undetermined", "Screening incomplete"


class PrivacyAssessment(Versioned):
    """The privacy impact assessment of one AI system (at most one per system).

    The answers are structured JSON validated by ``assessments.privacy.schema`` and written only by
    ``assessments.privacy.services``. ``provenance`` records, per inferable answer, whether a person
    confirmed or edited it; an answer without a human state follows the model (inferred). The DPIA
    screening result is recomputed on every save and kept here for lists and filters.
    """

    system = models.OneToOneField(AISystem, on_delete=models.CASCADE, related_name="privacy_assessment")
    processes_personal_data = models.BooleanField(null=True, blank=True)
    processing_description = models.TextField(blank=True)
    purposes = models.JSONField(default=list, blank=True)
    data_subjects = models.JSONField(default=list, blank=True)
    data_categories = models.JSONField(default=list, blank=True)
    sources = models.JSONField(default=list, blank=True)
    regimes = models.JSONField(default=list, blank=True)
    residency = models.JSONField(default=dict, blank=True)
    transfers = models.JSONField(default=list, blank=True)
    rights_process = models.TextField(blank=True)
    erasure = models.JSONField(default=dict, blank=True)
    secondary_use = models.JSONField(default=dict, blank=True)
    deidentification = models.JSONField(default=dict, blank=True)
    dpia_criteria = models.JSONField(default=dict, blank=True)
    # The DPIA proper (assessments.privacy.dpia_fields): parties, scope, context, consultation, necessity and
    # proportionality, risks to individuals with their measures and residual risk, conclusion, regime modules.
    parties = models.JSONField(default=dict, blank=True)
    scope = models.JSONField(default=dict, blank=True)
    context = models.JSONField(default=dict, blank=True)
    consultation = models.JSONField(default=dict, blank=True)
    necessity = models.JSONField(default=dict, blank=True)
    individual_risks = models.JSONField(default=list, blank=True)
    conclusion = models.JSONField(default=dict, blank=True)
    regime_details = models.JSONField(default=dict, blank=True)
    provenance = models.JSONField(default=dict, blank=True)
    dpia_result = models.CharField(max_length=14, choices=DpiaResult.choices, default=DpiaResult.UNDETERMINED)
    dpia_criteria_met = models.PositiveSmallIntegerField(default=0)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    signed_off_label = models.CharField(max_length=150, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_version = models.PositiveIntegerField(null=True, blank=True)
    sign_off_comment = models.TextField(blank=True)
    # ICO step 7: who approved the measures and the residual risks, the DPO's advice and whether it was
    # followed (why not, when overruled), and when the assessment is reviewed next.
    measures_approved_by = models.CharField(max_length=150, blank=True)
    residual_approved_by = models.CharField(max_length=150, blank=True)
    dpo_advice = models.TextField(blank=True)
    dpo_advice_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    dpo_advice_label = models.CharField(max_length=150, blank=True)
    dpo_advice_followed = models.BooleanField(null=True, blank=True)
    dpo_overruled_reason = models.TextField(blank=True)
    review_date = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["updated_at", "id"])]

    def __str__(self) -> str:
        return f"Privacy assessment of {self.system}"

    @property
    def signed_off(self) -> bool:
        return self.signed_off_at is not None and self.signed_off_version == self.version


class DataProtectionOfficer(models.Model):
    """A team member designated as data protection officer: only they may give the DPO's advice on a DPIA."""

    team = models.ForeignKey("threatmodel.Team", on_delete=models.CASCADE, related_name="data_protection_officers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    designated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    designated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="uniq_dpo_per_team")]

    def __str__(self) -> str:
        return f"DPO {self.user} of {self.team}"
