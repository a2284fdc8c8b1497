from .assurance import ORG_CHECKLIST, SCOPE_COMPONENT_KINDS, AssuranceScope, GovernanceEvidence
from .comments import COMMENT_MAX_LENGTH, Comment
from .connectors import GITHUB_API, Connector, ConnectorHealth, ConnectorKind
from .interop import ImportRecord, ImportStatus
from .mitigations import (
    MITIGATION_DONE,
    MITIGATION_REASON_REQUIRED,
    MITIGATION_TRANSITIONS,
    ControlKind,
    Mitigation,
    MitigationStatus,
)
from .notifications import NotificationLog
from .presence import Presence
from .privacy import DataProtectionOfficer, DpiaResult, PrivacyAssessment
from .refs import ExternalRef
from .reports import REPORT_FINISHED, Report, ReportKind, ReportStatus
from .reviews import Review, ReviewDecision, ReviewRole, SystemReviewState
from .risks import (
    RISK_ACTIVE,
    RISK_COUNTED,
    RISK_INACTIVE,
    RISK_REASON_REQUIRED,
    RISK_TRANSITIONS,
    RISK_TRIAGED,
    Risk,
    RiskStatus,
    Treatment,
)

__all__ = [
    "COMMENT_MAX_LENGTH",
    "Comment",
    "GITHUB_API",
    "Connector",
    "ConnectorHealth",
    "ConnectorKind",
    "MITIGATION_DONE",
    "MITIGATION_REASON_REQUIRED",
    "MITIGATION_TRANSITIONS",
    "RISK_ACTIVE",
    "RISK_COUNTED",
    "RISK_INACTIVE",
    "RISK_TRIAGED",
    "RISK_REASON_REQUIRED",
    "REPORT_FINISHED",
    "RISK_TRANSITIONS",
    "ORG_CHECKLIST",
    "SCOPE_COMPONENT_KINDS",
    "AssuranceScope",
    "ControlKind",
    "DataProtectionOfficer",
    "DpiaResult",
    "ExternalRef",
    "GovernanceEvidence",
    "Mitigation",
    "MitigationStatus",
    "ImportRecord",
    "ImportStatus",
    "NotificationLog",
    "Presence",
    "PrivacyAssessment",
    "Report",
    "ReportKind",
    "ReportStatus",
    "Review",
    "ReviewDecision",
    "ReviewRole",
    "Risk",
    "RiskStatus",
    "SystemReviewState",
    "Treatment",
]
