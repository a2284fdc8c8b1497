"""The register appends many audit events at once (re-suggesting writes one per risk it
changes); the chain itself lives in threatmodel.audit."""

from threatmodel.audit import AuditEntry, audit_record_many

__all__ = ["AuditEntry", "audit_record_many"]
