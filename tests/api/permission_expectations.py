"""The expectation table of the permission matrix (tests/api/test_permission_matrix.py): one line per
route name and method, one outcome per kind of caller. Add a line when you add a route; the outcomes are
explained in the test module's docstring."""

from dataclasses import dataclass, field

COLLAPSED_NAMESPACES = {"admin"}  # Django's admin: one staff check for hundreds of routes, tested at its index
ROLES = ("anonymous", "viewer", "contributor", "owner", "other_owner", "read_token", "revoked_token", "expired_token")
ERROR_CODES = {401: "401", 403: "403", 404: "404", 405: "405"}
INVALID = {400, 409, 412, 415, 422, 428}

# --- the usual shapes of an expectation (one outcome per role, in ROLES order) --------------------------
PUBLIC = ("ok",) * 8
ANYTHING = ("any",) * 8
PAGE_ANY_USER = ("login", "ok", "ok", "ok", "ok", "login", "login", "login")
PAGE_READ = ("login", "ok", "ok", "ok", "404", "login", "login", "login")
PAGE_WRITE = ("login", "403", "auth", "auth", "404", "login", "login", "login")
PAGE_VIEWER_WRITE = ("login", "auth", "auth", "auth", "404", "login", "login", "login")
PAGE_OWNER = ("login", "403", "403", "ok", "404", "login", "login", "login")
PAGE_OWNER_WRITE = ("login", "403", "403", "auth", "404", "login", "login", "login")
PAGE_POST_ONLY = ("login", "405", "405", "405", "405", "login", "login", "login")
API_LIST = ("401", "ok", "ok", "ok", "ok", "ok", "401", "401")
API_READ = ("401", "ok", "ok", "ok", "404", "ok", "401", "401")
API_WRITE = ("401", "403", "ok", "ok", "404", "403", "401", "401")
API_OWNER_WRITE_OBJ = ("401", "403", "403", "ok", "404", "403", "401", "401")
API_CREATE = ("401", "403", "ok", "ok", "invalid", "403", "401", "401")  # another team's system: 400 naming it
API_CREATE_OWN_TEAM = ("401", "403", "ok", "ok", "ok", "403", "401", "401")  # lands in the caller's own team
API_OWNER_READ = ("401", "404", "404", "ok", "404", "ok", "401", "401")  # webhooks: owners only, else 404
API_OWNER_WRITE = ("401", "404", "404", "ok", "404", "403", "401", "401")
API_OWNER_CREATE = ("401", "403", "403", "ok", "ok", "403", "401", "401")
API_THEIRS_WRITE = ("401", "any", "any", "auth", "404", "403", "401", "401")  # other apps' write rules


@dataclass(frozen=True)
class Row:
    expect: tuple
    kwargs: str = ""  # which objects fill the URL (see World.kwargs)
    body: str = ""  # which body a write sends (see World.body)
    if_match: str = ""  # the object whose version goes in If-Match
    extra: dict = field(default_factory=dict)


E = Row
EXPECTATIONS: dict[tuple[str, str], Row] = {
    # --- operations and accounts --------------------------------------------------------------------
    ("healthz", "GET"): E(PUBLIC),
    ("favicon", "GET"): E(PUBLIC),  # a redirect to the static icon
    ("readyz", "GET"): E(ANYTHING),  # 200 or 503 depending on the services, for anyone
    ("login", "GET"): E(("ok",) * 8),  # a signed-in user is sent on to the dashboard
    ("logout", "POST"): E(("login",) * 8),
    ("password_change", "GET"): E(PAGE_ANY_USER),
    ("password_change", "POST"): E(("login", "auth", "auth", "auth", "auth", "login", "login", "login")),
    ("password_change_done", "GET"): E(PAGE_ANY_USER),
    ("password_reset", "GET"): E(PUBLIC),
    ("password_reset", "POST"): E(PUBLIC),  # the form again, with its errors; a known address or not alike
    ("password_reset_done", "GET"): E(PUBLIC),
    ("password_reset_confirm", "GET"): E(PUBLIC, "reset"),  # an invalid link says so
    ("password_reset_complete", "GET"): E(PUBLIC),
    ("invitation_accept", "GET"): E(("404",) * 8, "invitation_link"),  # unknown, used or expired links
    ("admin:*", "GET"): E(("login",) * 8),  # every admin page needs a staff account; none of these callers is
    # --- pages: dashboard, workshop -----------------------------------------------------------------
    ("dashboard", "GET"): E(PAGE_ANY_USER),
    ("workshop", "GET"): E(PAGE_READ, "system"),
    ("workshop_live", "GET"): E(PAGE_READ, "system"),
    ("workshop_diagram_export", "GET"): E(PAGE_READ, "system_svg"),
    ("workshop_presence", "POST"): E(PAGE_VIEWER_WRITE, "system"),
    ("workshop_leave", "POST"): E(PAGE_VIEWER_WRITE, "system"),
    ("workshop_system_questions", "POST"): E(PAGE_WRITE, "system"),
    ("workshop_component_new", "POST"): E(PAGE_WRITE, "system"),
    ("workshop_flow_new", "POST"): E(PAGE_WRITE, "system"),
    ("workshop_risk_new", "POST"): E(PAGE_WRITE, "system"),
    ("workshop_triage", "POST"): E(PAGE_WRITE, "system"),
    ("workshop_triage_undo", "POST"): E(PAGE_WRITE, "system"),
    ("workshop_lane_reorder", "POST"): E(PAGE_WRITE, "system"),
    ("workshop_component", "GET"): E(PAGE_READ, "component"),
    ("workshop_component_delete", "POST"): E(PAGE_WRITE, "component"),
    ("workshop_flow", "GET"): E(PAGE_READ, "flow"),
    ("workshop_flow_delete", "POST"): E(PAGE_WRITE, "flow"),
    ("workshop_risk", "GET"): E(PAGE_READ, "risk"),
    ("workshop_risk_transition", "POST"): E(PAGE_WRITE, "risk"),
    ("workshop_risk_dismiss", "POST"): E(PAGE_WRITE, "risk"),
    ("workshop_risk_edit", "POST"): E(PAGE_WRITE, "risk"),
    ("workshop_risk_mitigate", "POST"): E(PAGE_WRITE, "risk"),
    ("workshop_mitigation", "GET"): E(PAGE_READ, "mitigation"),
    ("workshop_mitigation_edit", "POST"): E(PAGE_WRITE, "mitigation"),
    ("workshop_risk_comments", "GET"): E(PAGE_READ, "risk"),
    ("workshop_risk_comments", "POST"): E(PAGE_WRITE, "risk"),
    ("workshop_mitigation_comments", "GET"): E(PAGE_READ, "mitigation"),
    ("workshop_mitigation_comments", "POST"): E(PAGE_WRITE, "mitigation"),
    # --- pages: teams and settings ------------------------------------------------------------------
    ("team_create", "GET"): E(PAGE_ANY_USER),
    ("team_settings", "GET"): E(PAGE_READ, "team"),
    ("team_settings", "POST"): E(PAGE_OWNER_WRITE, "team"),
    ("team_member_role", "POST"): E(PAGE_OWNER_WRITE, "member"),
    ("team_token_revoke", "POST"): E(PAGE_OWNER_WRITE, "token"),
    ("team_invitation_revoke", "POST"): E(PAGE_OWNER_WRITE, "invitation"),
    ("team_webhook", "GET"): E(PAGE_OWNER, "webhook_page"),
    ("team_webhook", "POST"): E(PAGE_OWNER_WRITE, "webhook_page"),
    ("team_webhook_retry", "POST"): E(PAGE_OWNER_WRITE, "delivery_page"),
    # --- pages: modeling ----------------------------------------------------------------------------
    ("system_create", "GET"): E(("login", "403", "ok", "ok", "ok", "login", "login", "login")),
    ("system_detail", "GET"): E(PAGE_READ, "system"),
    ("system_edit", "GET"): E(("login", "403", "ok", "ok", "404", "login", "login", "login"), "system"),
    ("component_create", "GET"): E(("login", "403", "ok", "ok", "404", "login", "login", "login"), "system"),
    ("component_edit", "GET"): E(("login", "403", "ok", "ok", "404", "login", "login", "login"), "component"),
    ("component_delete", "POST"): E(PAGE_WRITE, "component"),
    ("flow_create", "GET"): E(("login", "403", "ok", "ok", "404", "login", "login", "login"), "system"),
    ("flow_edit", "GET"): E(("login", "403", "ok", "ok", "404", "login", "login", "login"), "flow"),
    ("flow_delete", "POST"): E(PAGE_WRITE, "flow"),
    # --- pages: register ----------------------------------------------------------------------------
    ("register_home", "GET"): E(PAGE_ANY_USER),
    ("team_register", "GET"): E(PAGE_READ, "team"),
    ("team_register_export", "GET"): E(PAGE_READ, "team_csv"),
    ("risk_matrix", "GET"): E(PAGE_READ, "team"),
    ("system_register", "GET"): E(PAGE_READ, "system"),
    ("system_register_export", "GET"): E(PAGE_READ, "system_csv"),
    ("system_mark_reviewed", "POST"): E(PAGE_WRITE, "system"),
    ("risk_create", "GET"): E(("login", "403", "ok", "ok", "404", "login", "login", "login"), "system"),
    ("mitigation_list", "GET"): E(PAGE_READ, "system"),
    ("mitigation_create", "GET"): E(("login", "403", "ok", "ok", "404", "login", "login", "login"), "system"),
    ("system_reviews", "GET"): E(PAGE_READ, "system"),
    ("risk_detail", "GET"): E(PAGE_READ, "risk"),
    ("risk_history", "GET"): E(PAGE_READ, "risk"),
    ("risk_transition", "POST"): E(PAGE_WRITE, "risk"),
    ("risk_accept", "POST"): E(PAGE_WRITE, "risk"),
    ("risk_residual", "POST"): E(PAGE_WRITE, "risk"),
    ("risk_add_control", "POST"): E(PAGE_WRITE, "risk"),
    ("mitigation_detail", "GET"): E(PAGE_READ, "mitigation"),
    ("mitigation_history", "GET"): E(PAGE_READ, "mitigation"),
    ("risk_comment", "POST"): E(PAGE_WRITE, "risk"),
    ("mitigation_comment", "POST"): E(PAGE_WRITE, "mitigation"),
    # --- pages: reports, privacy, import/export -----------------------------------------------------
    ("report_list", "GET"): E(PAGE_ANY_USER),
    ("report_detail", "GET"): E(PAGE_READ, "report"),
    ("report_status", "GET"): E(PAGE_READ, "report"),
    ("report_pdf", "GET"): E(PAGE_READ, "report"),
    ("system_reports", "GET"): E(PAGE_READ, "system"),
    ("report_create", "POST"): E(PAGE_VIEWER_WRITE, "system"),
    ("report_preview", "GET"): E(PAGE_READ, "system_kind"),
    ("privacy_detail", "GET"): E(PAGE_READ, "system"),
    ("privacy_edit", "GET"): E(("login", "403", "ok", "ok", "404", "login", "login", "login"), "system"),
    ("privacy_sign_off", "POST"): E(PAGE_WRITE, "system"),
    ("privacy_dpo_advice", "POST"): E(PAGE_VIEWER_WRITE, "system"),  # then only a designated DPO succeeds
    ("privacy_docx", "GET"): E(PAGE_READ, "system"),
    ("assurance_scope_edit", "GET"): E(("login", "403", "ok", "ok", "404", "login", "login", "login"), "system"),
    ("assurance_scope_edit", "POST"): E(PAGE_WRITE, "system"),
    ("assurance_scope_delete", "POST"): E(PAGE_WRITE, "system"),
    ("governance_evidence_list", "GET"): E(PAGE_READ, "team"),
    ("governance_evidence_new", "GET"): E(("login", "403", "ok", "ok", "404", "login", "login", "login"), "team"),
    ("governance_evidence_new", "POST"): E(PAGE_WRITE, "team"),
    ("governance_evidence_edit", "GET"): E(("login", "403", "ok", "ok", "404", "login", "login", "login"),
                                           "evidence_page"),
    ("governance_evidence_edit", "POST"): E(PAGE_WRITE, "evidence_page"),
    ("governance_evidence_delete", "POST"): E(PAGE_WRITE, "evidence_page"),
    ("team_processing_record", "GET"): E(PAGE_READ, "team_csv"),
    ("import_home", "GET"): E(PAGE_ANY_USER),
    ("import_detail", "GET"): E(PAGE_READ, "import"),
    ("import_discard", "POST"): E(PAGE_WRITE, "import"),
    ("system_export", "GET"): E(PAGE_READ, "system"),
    ("system_test_plan", "GET"): E(PAGE_READ, "system_csv"),
    ("system_coverage_csv", "GET"): E(PAGE_READ, "system"),
    ("team_coverage_csv", "GET"): E(PAGE_READ, "team"),
    ("system_export_schema", "GET"): E(PUBLIC),
    # --- pages: catalog (shared reference data: any signed-in user) ----------------------------------
    ("catalog:threat_list", "GET"): E(PAGE_ANY_USER),
    ("catalog:threat_detail", "GET"): E(PAGE_ANY_USER, "threat"),
    ("catalog:control_list", "GET"): E(PAGE_ANY_USER),
    ("catalog:control_detail", "GET"): E(PAGE_ANY_USER, "control"),
    ("catalog:framework_detail", "GET"): E(PAGE_ANY_USER, "framework"),
    ("catalog:coverage", "GET"): E(PAGE_ANY_USER),
    # --- API: schema and docs (public, served from local assets) ------------------------------------
    ("api-schema", "GET"): E(PUBLIC[:6] + ("401", "401")),  # public, but bad credentials are refused
    ("api-docs", "GET"): E(PUBLIC[:6] + ("401", "401")),
    ("api-not-found", "GET"): E(("404",) * 8),  # problem+json for any unmatched path under /api/
    # --- API: modeling --------------------------------------------------------------------------------
    ("system-list", "GET"): E(API_LIST),
    ("system-list", "POST"): E(API_CREATE_OWN_TEAM, body="system"),
    ("system-detail", "GET"): E(API_READ, "system"),
    ("system-detail", "PATCH"): E(API_WRITE, "system", body="describe", if_match="system"),
    ("system-detail", "DELETE"): E(API_OWNER_WRITE_OBJ, "system", if_match="system"),
    ("system-components-list", "GET"): E(API_READ, "system_pk"),
    ("system-components-list", "POST"): E(API_WRITE, "system_pk", body="component"),
    ("system-flows-list", "GET"): E(API_READ, "system_pk"),
    ("system-flows-list", "POST"): E(API_WRITE, "system_pk", body="flow"),
    ("component-detail", "GET"): E(API_READ, "component"),
    ("component-detail", "PATCH"): E(API_WRITE, "component", body="rename", if_match="component"),
    ("component-detail", "DELETE"): E(API_WRITE, "component", if_match="component"),
    ("flow-detail", "GET"): E(API_READ, "flow"),
    ("flow-detail", "PATCH"): E(API_WRITE, "flow", body="label", if_match="flow"),
    ("flow-detail", "DELETE"): E(API_WRITE, "flow", if_match="flow"),
    ("audit-event-list", "GET"): E(API_LIST),
    ("audit-event-detail", "GET"): E(API_READ, "audit_event"),
    ("audit-event-detail", "DELETE"): E(("401", "405", "405", "405", "405", "403", "401", "401"), "audit_event"),
    ("deletion-list", "GET"): E(API_LIST),
    # --- API: register ----------------------------------------------------------------------------------
    ("risk-list", "GET"): E(API_LIST),
    ("risk-list", "POST"): E(API_CREATE, body="risk"),
    ("risk-detail", "GET"): E(API_READ, "risk"),
    ("risk-detail", "PATCH"): E(API_WRITE, "risk", body="retitle", if_match="risk"),
    ("risk-detail", "PUT"): E(API_WRITE, "risk", body="risk_put", if_match="risk"),
    ("risk-detail", "DELETE"): E(API_WRITE, "risk", if_match="risk"),
    ("mitigation-list", "GET"): E(API_LIST),
    ("mitigation-list", "POST"): E(API_CREATE, body="mitigation"),
    ("mitigation-detail", "GET"): E(API_READ, "mitigation"),
    ("mitigation-detail", "PATCH"): E(API_WRITE, "mitigation", body="refs", if_match="mitigation"),
    ("mitigation-detail", "DELETE"): E(API_WRITE, "mitigation", if_match="mitigation"),
    ("external-ref-list", "GET"): E(API_LIST),
    ("risk-comments-list", "GET"): E(API_READ, "risk_pk"),
    ("risk-comments-list", "POST"): E(API_WRITE, "risk_pk", body="comment"),
    ("mitigation-comments-list", "GET"): E(API_READ, "mitigation_pk"),
    ("mitigation-comments-list", "POST"): E(API_WRITE, "mitigation_pk", body="comment"),
    # --- API: webhooks (team owners) ------------------------------------------------------------------
    ("webhook-list", "GET"): E(API_LIST),
    ("webhook-list", "POST"): E(API_OWNER_CREATE, body="webhook"),
    ("webhook-detail", "GET"): E(API_OWNER_READ, "webhook"),
    ("webhook-detail", "PATCH"): E(API_OWNER_WRITE, "webhook", body="pause", if_match="webhook"),
    ("webhook-detail", "DELETE"): E(API_OWNER_WRITE, "webhook", if_match="webhook"),
    ("webhook-ping", "POST"): E(API_OWNER_WRITE, "webhook"),
    ("webhook-rotate-secret", "POST"): E(API_OWNER_WRITE, "webhook", if_match="webhook"),
    ("webhook-delivery-list", "GET"): E(API_OWNER_READ, "webhook_pk"),
    ("webhook-delivery-detail", "GET"): E(API_OWNER_READ, "delivery"),
    ("webhook-delivery-retry", "POST"): E(API_OWNER_WRITE, "delivery"),
    # --- API: ticket connectors (team owners; tickets: contributors) --------------------------------------
    ("connector-list", "GET"): E(API_LIST),
    ("connector-list", "POST"): E(API_OWNER_CREATE, body="connector"),
    ("connector-detail", "GET"): E(API_OWNER_READ, "connector"),
    ("connector-detail", "PATCH"): E(API_OWNER_WRITE, "connector", body="pause", if_match="connector"),
    ("connector-detail", "DELETE"): E(API_OWNER_WRITE, "connector", if_match="connector"),
    ("connector-sync", "POST"): E(API_OWNER_WRITE, "connector"),
    # a connector of no team: the caller is let in and the body judged (no tracker is called)
    ("mitigation-ticket", "POST"): E(("401", "403", "invalid", "invalid", "404", "403", "401", "401"), "mitigation",
                                     body="ticket"),
    ("risk-ticket", "POST"): E(("401", "403", "invalid", "invalid", "404", "403", "401", "401"), "risk",
                               body="ticket"),
    ("connector_hook_github", "POST"): E(("401",) * 8, "connector_hook"),  # unsigned: refused, whoever asks
    ("connector_hook_jira", "POST"): E(("404",) * 8, "connector_hook"),  # the id is a GitHub connector's
    ("team_connectors", "GET"): E(PAGE_OWNER, "team"),
    ("team_connectors", "POST"): E(PAGE_OWNER_WRITE, "team"),
    ("team_connector_token", "POST"): E(PAGE_OWNER_WRITE, "connector_page"),
    ("team_connector_sync", "POST"): E(PAGE_OWNER_WRITE, "connector_page"),
    ("team_connector_delete", "POST"): E(PAGE_OWNER_WRITE, "connector_page"),
    # --- API: reports, privacy, import/export (their rules for writes, the base's for everything else) ---
    ("system-reports-list", "GET"): E(API_READ, "system_pk"),
    ("system-reports-list", "POST"): E(("401", "ok", "ok", "ok", "404", "403", "401", "401"), "system_pk",
                                       body="report"),
    ("report-list", "GET"): E(API_LIST),
    ("report-detail", "GET"): E(API_READ, "report"),
    ("report-pdf", "GET"): E(API_READ, "report"),
    ("report-verify-stored", "GET"): E(("401", "any", "any", "any", "404", "any", "401", "401"), "report"),
    ("report-verify", "POST"): E(("401", "invalid", "invalid", "invalid", "invalid", "any", "401", "401"),
                                 body="empty"),
    ("import-list", "GET"): E(API_LIST),
    ("import-list", "POST"): E(API_THEIRS_WRITE[:4] + ("auth",) + API_THEIRS_WRITE[5:], body="import"),
    ("import-detail", "GET"): E(API_READ, "import"),
    ("import-detail", "DELETE"): E(API_THEIRS_WRITE, "import"),
    ("import-confirm", "POST"): E(API_THEIRS_WRITE, "import"),
    ("system-privacy", "GET"): E(API_READ, "system_pk"),
    ("system-privacy", "PATCH"): E(API_THEIRS_WRITE, "system_pk", body="empty"),
    ("system-privacy-sign-off", "POST"): E(API_THEIRS_WRITE, "system_pk", body="empty"),
    ("system-privacy-dpo-advice", "POST"): E(API_THEIRS_WRITE, "system_pk", body="empty"),
    ("assurance-scope-list", "GET"): E(API_LIST),
    ("assurance-scope-list", "POST"): E(API_CREATE, body="scope"),
    ("assurance-scope-detail", "GET"): E(API_READ, "scope"),
    ("assurance-scope-detail", "PATCH"): E(API_WRITE, "scope", body="scope_patch", if_match="scope"),
    ("assurance-scope-detail", "DELETE"): E(API_WRITE, "scope", if_match="scope"),
    ("governance-evidence-list", "GET"): E(API_LIST),
    ("governance-evidence-list", "POST"): E(API_CREATE, body="evidence"),
    ("governance-evidence-detail", "GET"): E(API_READ, "evidence"),
    ("governance-evidence-detail", "PATCH"): E(API_WRITE, "evidence", body="evidence_patch", if_match="evidence"),
    ("governance-evidence-detail", "DELETE"): E(API_WRITE, "evidence", if_match="evidence"),
    ("team-dpos", "GET"): E(("401", "ok", "ok", "ok", "404", "any", "401", "401"), "team_slug"),
    ("team-dpos", "POST"): E(API_THEIRS_WRITE, "team_slug", body="empty"),
    ("system-export", "GET"): E(API_READ, "system_pk"),
    ("system-diagram", "GET"): E(API_READ, "system_pk"),
    ("system-test-plan", "GET"): E(API_READ, "system_pk"),
    # --- API: catalog (shared reference data: any valid credentials) ----------------------------------
    ("api-catalog-questions", "GET"): E(API_LIST),
    ("api-catalog-threats", "GET"): E(API_LIST),
    ("api-catalog-threat", "GET"): E(API_LIST, "threat"),
    ("api-catalog-controls", "GET"): E(API_LIST),
    ("api-catalog-control", "GET"): E(API_LIST, "control"),
    ("api-catalog-releases", "GET"): E(API_LIST),
    ("api-frameworks", "GET"): E(API_LIST),
    ("api-framework-items", "GET"): E(API_LIST, "framework"),
}
