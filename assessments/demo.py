"""The second demo system: this application's own threat model (see SECURITY.md).

New users see the product used on itself: its inputs, its rule engine and its outputs, with the
web-application risks we defend against and the mitigations that implement them, each with the
tests that verify it as evidence.
"""

from django.db import transaction

from threatmodel import services as model_services
from threatmodel.models import AISystem

from . import services

SELF_SYSTEM = "AI Threat Register (this application)"

# (title, description, component name or None, likelihood, impact, mitigations: [(title, evidence)])
SELF_RISKS = [
    ("Another team's threat model read or changed through guessed ids",
     "A member of one team requests another team's system, risk or report by id (IDOR) and learns its "
     "weak points.", None, 3, 5,
     [("Scope every read to the requester's teams; other teams' objects are 404",
       "tests/threatmodel/test_views.py, tests/threatmodel/test_api.py and the permission matrix in tests/api/")]),
    ("Lost updates between workshop participants or sync clients",
     "Two people (or a person and a ticket-sync job) edit the same risk; the later write silently erases the "
     "earlier decision.", "Workshop participants (browser)", 4, 3,
     [("Version every object; refuse stale writes (If-Match / hidden version field)",
       "tests/threatmodel/test_api.py::test_stale_if_match_is_412_and_nothing_written")]),
    ("Server-side request forgery through webhook targets",
     "A team owner registers a webhook pointing at an internal address or the cloud metadata service; the "
     "delivery worker fetches it from inside the network.", "Webhooks to trackers", 3, 4,
     [("Refuse private, loopback, link-local and metadata targets at registration and delivery; no redirects",
       "tests/api/ webhook SSRF tests with a local receiver")]),
    ("Report renderer fetches local files or internal URLs",
     "Names and answers containing HTML make the PDF renderer load file:///etc/passwd or an internal URL and "
     "embed it in a report.", "PDF reports", 3, 4,
     [("Serve only the project's static files to WeasyPrint; escape all user text",
       "tests/reports/test_safety.py")]),
    ("Formula injection through CSV/XLSX exports",
     "A risk title starting with '=' runs as a formula when an auditor opens the export in a spreadsheet.",
     "CSV/XLSX exports", 2, 3,
     [("Escape cells starting with = + - @, tab or carriage return", "tests/assessments/test_exports.py")]),
    ("Stolen API token used to read or alter the register",
     "A sync token leaks from a CI log or a tracker's configuration and is used from elsewhere.",
     "Ticket sync clients (API)", 3, 4,
     [("Store tokens as digests, show them once, scope and expire them, record last use",
       "tests/threatmodel/test_services.py::test_api_token_is_stored_as_digest_only")]),
    ("Audit trail edited to hide a decision",
     "Someone with database access rewrites who accepted a risk.", None, 2, 4,
     [("Hash-chain audit events per team and verify the chain", "tests/assessments/test_audit.py; "
       "python manage.py verify_audit")]),
    ("Password guessing against the login page",
     "Credential stuffing against facilitator accounts.", "Workshop participants (browser)", 3, 3,
     [("Lock out after repeated failures per user and address (django-axes); password validators",
       "tests/threatmodel/test_security_settings.py::test_login_lockout_after_repeated_failures")]),
]


def _advance_to_verified(actor, mitigation, evidence):
    from .models import Mitigation

    for status in ("planned", "in_progress", "implemented"):
        mitigation = services.mitigation_transition(actor=actor, mitigation=mitigation, status=status)
    mitigation = services.mitigation_update(actor=actor, mitigation=mitigation, evidence=evidence)
    mitigation = services.mitigation_transition(actor=actor, mitigation=mitigation, status="verified")
    return Mitigation.objects.get(pk=mitigation.pk)


def build_self_model(*, actor, team) -> AISystem:
    system = model_services.system_create(
        actor=actor, team=team, name=SELF_SYSTEM, lifecycle_stage="production", owner=actor,
        description="This application, modeled with itself: workshop pages, the ticket-sync API, the catalog "
                    "and its rule engine, PDF reports, webhooks and exports. See SECURITY.md.",
        answers={"internet_facing": True, "users": ["employees", "partners"], "sector": "general",
                 "regimes": ["gdpr"], "data_classification": "confidential"})
    comps = {}
    for kind, name, answers in [
        ("input", "Workshop participants (browser)", {"source": "employees", "untrusted_content": True,
                                                      "personal_data": "basic"}),
        ("input", "Ticket sync clients (API)", {"source": "internal_systems", "untrusted_content": True,
                                                "personal_data": "basic"}),
        ("input", "Catalog YAML files", {"source": "internal_systems", "untrusted_content": False,
                                         "personal_data": "none", "provenance_verified": True}),
        ("input", "Imported threat models", {"source": "partners", "untrusted_content": True,
                                             "personal_data": "none", "provenance_verified": False}),
        ("model", "Suggestion rule engine", {"provider": "in_house", "model_type": "other",
                                             "hosting": "self_hosted_cloud", "tool_access": False,
                                             "executes_code": False, "exposed_via_api": True,
                                             "trained_on_personal_data": False, "continuous_learning": False}),
        ("output", "Workshop pages", {"consumer": ["internal_user", "web_page"], "publicly_exposed": False,
                                      "affects_individuals": False, "human_review": True}),
        ("output", "PDF reports", {"consumer": ["internal_user"], "publicly_exposed": False,
                                   "may_contain_personal_data": True, "human_review": True}),
        ("output", "Webhooks to trackers", {"consumer": ["downstream_system"], "publicly_exposed": False}),
        ("output", "CSV/XLSX exports", {"consumer": ["internal_user"], "may_contain_personal_data": True}),
    ]:
        comps[name] = model_services.component_create(actor=actor, system=system, kind=kind, name=name,
                                                      answers=answers)
    engine = comps["Suggestion rule engine"]
    for c in comps.values():
        if c.kind == "input":
            model_services.flow_create(actor=actor, system=system, source=c, target=engine,
                                       answers={"crosses_trust_boundary": c.answers.get("untrusted_content", False),
                                                "encrypted_in_transit": True})
        elif c.kind == "output":
            model_services.flow_create(actor=actor, system=system, source=engine, target=c,
                                       answers={"encrypted_in_transit": True})
    for title, description, component, likelihood, impact, mitigations in SELF_RISKS:
        risk = services.risk_create(actor=actor, system=system, title=title, description=description,
                                    component=comps.get(component), likelihood=likelihood, impact=impact,
                                    owner=actor, treatment="mitigate")
        for m_title, evidence in mitigations:
            mitigation = services.mitigation_create(actor=actor, system=system, title=m_title, owner=actor,
                                                    risks=[risk])
            _advance_to_verified(actor, mitigation, evidence)
    return system


def seed_self_model(*, actor, team) -> bool:
    """Idempotent: creates the system once per team."""
    if AISystem.objects.filter(team=team, name=SELF_SYSTEM).exists():
        return False
    with transaction.atomic():
        build_self_model(actor=actor, team=team)
    return True
