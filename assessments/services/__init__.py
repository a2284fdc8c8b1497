"""Writes for the risk register. Every function is keyword-only, validates (a ValidationError names the
field), writes in one transaction, records its audit events and queues side effects on commit."""

from .assurance import (
    assurance_scope_delete,
    assurance_scope_save,
    governance_evidence_create,
    governance_evidence_delete,
    governance_evidence_update,
)
from .comments import comment_add
from .matrix import risk_matrix_update
from .mitigations import (
    mitigation_apply,
    mitigation_create,
    mitigation_delete,
    mitigation_link,
    mitigation_transition,
    mitigation_unlink,
    mitigation_update,
)
from .refs import external_ref_delete, external_ref_set
from .reviews import review_sign_off, system_mark_reviewed
from .risks import risk_accept, risk_apply, risk_create, risk_delete, risk_set_residual, risk_transition, risk_update
from .sync import external_refs_replace, mitigation_follow_remote
from .triage import risks_triage, triage_undo

__all__ = [
    "assurance_scope_delete",
    "assurance_scope_save",
    "comment_add",
    "external_ref_delete",
    "external_ref_set",
    "external_refs_replace",
    "governance_evidence_create",
    "governance_evidence_delete",
    "governance_evidence_update",
    "mitigation_apply",
    "mitigation_create",
    "mitigation_delete",
    "mitigation_follow_remote",
    "mitigation_link",
    "mitigation_transition",
    "mitigation_unlink",
    "mitigation_update",
    "review_sign_off",
    "risk_accept",
    "risk_apply",
    "risk_create",
    "risk_delete",
    "risk_matrix_update",
    "risk_set_residual",
    "risk_transition",
    "risk_update",
    "risks_triage",
    "system_mark_reviewed",
    "triage_undo",
]
