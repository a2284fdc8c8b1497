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
from .privacy import DpiaResult, PrivacyAssessment
from .refs import ExternalRef
from .reports import REPORT_FINISHED, Report, ReportKind, ReportStatus
from .reviews import Review, ReviewDecision, ReviewRole, SystemReviewState
from .risks import RISK_INACTIVE, RISK_REASON_REQUIRED, RISK_TRANSITIONS, Risk, RiskStatus, Treatment

__all__ = [
    "GITHUB_API",
    "Connector",
    "ConnectorHealth",
    "ConnectorKind",
    "MITIGATION_DONE",
    "MITIGATION_REASON_REQUIRED",
    "MITIGATION_TRANSITIONS",
    "RISK_INACTIVE",
    "RISK_REASON_REQUIRED",
    "REPORT_FINISHED",
    "RISK_TRANSITIONS",
    "ControlKind",
    "DpiaResult",
    "ExternalRef",
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
