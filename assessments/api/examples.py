"""OpenAPI examples of the register endpoints (shown in /api/docs/)."""

from drf_spectacular.utils import OpenApiExample

_REFS = [{"tracker": "jira", "external_id": "10042", "key": "SEC-12",
          "url": "https://jira.example.com/browse/SEC-12", "remote_status": "In Progress",
          "remote_updated_at": "2026-03-02T09:30:00Z"}]
_RISK = {
    "id": 41, "system": 3, "component": 7, "template": "AI-IN-001", "title": "Direct prompt injection by users",
    "description": "A user writes instructions into the prompt that override the system's own instructions.",
    "status": "mitigating", "status_reason": "", "stale": False,
    "why": ["input 'Customer chat' has untrusted_content = true", "input 'Customer chat' has purpose = prompt"],
    "likelihood": 5, "impact": 4, "residual_likelihood": 4, "residual_impact": 4, "score": 20, "band": "critical",
    "treatment": "mitigate", "owner": "ana", "due": "2026-04-30",
    "mappings": [{"framework": "NIST-AI-RMF", "ref": "MEASURE 2.7"},
                 {"framework": "OWASP-LLM-2025", "ref": "LLM01:2025"}],
    "mitigations": [12], "external_refs": _REFS, "version": 6,
    "created_at": "2026-02-20T10:00:00Z", "updated_at": "2026-03-02T09:31:12.120000Z",
}
_MITIGATION = {
    "id": 12, "system": 3, "risks": [41], "control": "CTL-001",
    "title": "Validate and filter model inputs for prompt injection", "description": "Gateway checks on every input.",
    "status": "in_progress", "status_reason": "", "owner": "ana", "due": "2026-04-15",
    "evidence": "", "external_refs": _REFS, "version": 4,
    "created_at": "2026-02-21T08:00:00Z", "updated_at": "2026-03-02T09:31:12.120000Z",
}

RISK = OpenApiExample("A risk", value=_RISK, response_only=True)
RISK_LIST = OpenApiExample("A page of risks", value=_RISK, response_only=True)
RISK_CREATE = OpenApiExample("A custom risk with its ticket", request_only=True, value={
    "system": 3, "component": 7, "title": "Model answers leak other customers' orders",
    "description": "Retrieval is not filtered by customer.", "likelihood": 3, "impact": 5, "owner": "ana",
    "due": "2026-05-31", "treatment": "mitigate", "mappings": [{"framework": "NIST-AI-RMF", "ref": "MEASURE 2.10"}],
    "external_refs": [{"tracker": "jira", "external_id": "10077", "key": "SEC-19"}]})
RISK_PATCH = OpenApiExample("Re-score and assign", request_only=True,
                            value={"likelihood": 4, "impact": 4, "owner": "ana", "due": "2026-04-30"})
RISK_DISMISS = OpenApiExample("Dismiss with a reason (a transition)", request_only=True,
                              value={"status": "dismissed", "status_reason": "The chat is internal-only."})
RISK_PUT = OpenApiExample("Replace the editable fields", request_only=True, value={
    "system": 3, "title": "Direct prompt injection by users", "description": "", "likelihood": 5, "impact": 4,
    "treatment": "mitigate", "owner": "ana", "due": None})
REFS_PATCH = OpenApiExample("Write the ticket back (sync client)", request_only=True,
                            value={"external_refs": _REFS})
MITIGATION = OpenApiExample("A mitigation", value=_MITIGATION, response_only=True)
MITIGATION_LIST = OpenApiExample("A page of mitigations", value=_MITIGATION, response_only=True)
MITIGATION_CREATE = OpenApiExample("From a catalog control, linked to a risk", request_only=True, value={
    "system": 3, "control": "CTL-001", "risks": [41], "owner": "ana", "due": "2026-04-15"})
MITIGATION_PATCH = OpenApiExample("Mark implemented with evidence", request_only=True, value={
    "status": "implemented", "evidence": "Gateway filter deployed in release 2026.3, see test report TR-88."})
MITIGATION_PUT = OpenApiExample("Replace the editable fields", request_only=True, value={
    "system": 3, "title": "Validate and filter model inputs", "description": "", "risks": [41], "owner": "ana",
    "due": None, "evidence": ""})
EXTERNAL_REF_LIST = OpenApiExample("Tickets of the team", response_only=True, value={
    "id": 5, **_REFS[0], "risk": None, "mitigation": 12, "updated_at": "2026-03-02T09:31:12.120000Z"})
