"""A risk's and a mitigation's fields, declared once, by what reads them.

Adding a field to Risk (or Mitigation) touches the model, its migration and this module: the audit
snapshot of the services, the API's rows (api/relations), the workshop's card rows, the re-suggest
(reconcile), the register snapshot that sign-offs hash (snapshot) and the system export and its
restore (interop: written as they are, read back by their model field's type) read these tuples. Order is
part of the contract (rows are zipped with them), so a new field is appended to its group.
"""

# --- risks: the groups -----------------------------------------------------------------------
RISK_TEXT = ("title", "description")
RISK_STATE = ("status", "status_reason", "stale", "stale_reason")
RISK_SCORES = ("likelihood", "impact", "residual_likelihood", "residual_impact")
RISK_OVERRIDE = ("residual_overridden", "residual_override_reason")
RISK_ACCEPTANCE = ("accepted_by", "acceptance_review_date", "acceptance_reason")
RISK_KEYS = ("id", "system_id", "component_id", "template_id")
TIMESTAMPS = ("version", "created_at", "updated_at")

# --- risks: who reads what -------------------------------------------------------------------
# What a person changes and the audit trail records (services.risks.risk_snapshot).
RISK_AUDITED = (*RISK_TEXT, "component", *RISK_STATE, *RISK_SCORES, *RISK_OVERRIDE, "treatment",
                "owner", "due", *RISK_ACCEPTANCE)
# A risk's columns in the API (api.relations.risk_rows).
RISK_API_ROW = (*RISK_KEYS, *RISK_TEXT, *RISK_STATE, "why", *RISK_SCORES, "treatment", "due", *TIMESTAMPS)
# What a workshop card, the heat maps and the progress read (workshop.selectors).
RISK_CARD_ROW = (*RISK_KEYS, "title", *RISK_STATE, "why", *RISK_SCORES, RISK_OVERRIDE[0], "treatment", "owner_id",
                 "due", "version")
# What the re-suggest reads of an existing suggestion, and what it may write back (reconcile).
RISK_RECONCILE_READ = ("id", "system_id", "template_id", "component_id", "title", *RISK_STATE, "why", "fingerprint",
                       *RISK_SCORES, RISK_OVERRIDE[0], "acted_at", "version")
RISK_RECONCILE_WRITE = ("title", *RISK_STATE, "why", "fingerprint", *RISK_SCORES, "version", "updated_at")
# The register as a sign-off hashes it (snapshot.register_snapshot).
RISK_SNAPSHOT = ("id", "template__ref", "component_id", *RISK_TEXT, *RISK_STATE[:3], *RISK_SCORES, *RISK_OVERRIDE,
                 "treatment", "owner_id", "due", "accepted_by_id", *RISK_ACCEPTANCE[1:])

# The system export (interop.export): a risk's own columns, written as they are; the system-export reader
# checks each by its model field (interop.formats.columns) and a restore writes back as they were those
# the services do not set (interop.restore). Relations, the residual and the acceptance are nested apart.
RISK_EXPORTED = (*RISK_TEXT, *RISK_STATE, "why", "fingerprint", "likelihood", "impact", "treatment")

# --- mitigations -------------------------------------------------------------------------------
MITIGATION_STATE = ("status", "status_reason")
MITIGATION_EVIDENCE = ("evidence", "evidence_links")
MITIGATION_AUDITED = (*RISK_TEXT, "kind", *MITIGATION_STATE, "owner", "due", *MITIGATION_EVIDENCE)
MITIGATION_API_ROW = ("id", "system_id", "control_id", *RISK_TEXT, *MITIGATION_STATE, "due", MITIGATION_EVIDENCE[0],
                      *TIMESTAMPS)
MITIGATION_EXPORTED = (*RISK_TEXT, "kind", *MITIGATION_STATE, *MITIGATION_EVIDENCE)
MITIGATION_SNAPSHOT = ("id", "control__ref", *RISK_TEXT, "kind", *MITIGATION_STATE, "owner_id", "due",
                       *MITIGATION_EVIDENCE)
