from .mitigations import (
    MITIGATION_DONE,
    MITIGATION_REASON_REQUIRED,
    MITIGATION_TRANSITIONS,
    ControlKind,
    Mitigation,
    MitigationStatus,
)
from .notifications import NotificationLog
from .refs import ExternalRef
from .reviews import Review, ReviewDecision, ReviewRole, SystemReviewState
from .risks import RISK_INACTIVE, RISK_REASON_REQUIRED, RISK_TRANSITIONS, Risk, RiskStatus, Treatment

__all__ = [
    "MITIGATION_DONE",
    "MITIGATION_REASON_REQUIRED",
    "MITIGATION_TRANSITIONS",
    "RISK_INACTIVE",
    "RISK_REASON_REQUIRED",
    "RISK_TRANSITIONS",
    "ControlKind",
    "ExternalRef",
    "Mitigation",
    "MitigationStatus",
    "NotificationLog",
    "Review",
    "ReviewDecision",
    "ReviewRole",
    "Risk",
    "RiskStatus",
    "SystemReviewState",
    "Treatment",
]
