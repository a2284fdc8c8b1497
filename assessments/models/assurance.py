"""What an auditor needs beside the register: organisation-level evidence and the assurance report's scope.

- ``GovernanceEvidence``: one entry per team and NIST AI RMF subcategory that no threat maps to
  (policies, roles, training, stakeholder engagement...): what the organisation does, the evidence
  links, who recorded it and until when it holds. The assurance report counts it as coverage.
- ``AssuranceScope``: per system, the versions in scope (the system release, each model's and
  dataset's version) and the reporting period; printed on the report and part of its content hash.
"""

from django.conf import settings
from django.db import models

from threatmodel.models import AISystem, Team
from threatmodel.models.base import Versioned

# NIST AI RMF subcategories about the organisation rather than the system: no threat of the catalog maps
# to them, so only organisation-level evidence (policies, training, engagement, metrics) covers them.
ORG_CHECKLIST = (
    "GOVERN 1.2", "GOVERN 1.3", "GOVERN 2.2", "GOVERN 5.2", "MAP 1.2", "MAP 1.3", "MAP 1.4", "MAP 3.1", "MAP 5.2",
    "MEASURE 1.1", "MEASURE 1.2", "MEASURE 2.2", "MEASURE 2.3", "MEASURE 3.2", "MEASURE 4.1", "MEASURE 4.2",
    "MEASURE 4.3", "MANAGE 2.1", "MANAGE 4.2",
)
# The components whose versions an assurance scope records: models, and inputs (the data sets).
SCOPE_COMPONENT_KINDS = ("input", "model")


class GovernanceEvidence(Versioned):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="governance_evidence")
    ref = models.CharField(max_length=40)  # e.g. "GOVERN 1.2"
    statement = models.TextField()
    evidence_links = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    review_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["team", "ref"]
        constraints = [models.UniqueConstraint(fields=["team", "ref"], name="uniq_governance_evidence_ref")]

    def __str__(self) -> str:
        return f"{self.ref} evidence of {self.team}"


class AssuranceScope(Versioned):
    system = models.OneToOneField(AISystem, on_delete=models.CASCADE, related_name="assurance_scope")
    system_version = models.CharField(max_length=120, blank=True)
    # {component id (as text): version label} for model and input (dataset) components.
    component_versions = models.JSONField(default=dict, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"assurance scope of {self.system}"
