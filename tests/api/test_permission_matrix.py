"""The permission matrix, generated from the URL conf: every route the project serves x every kind of caller.

Each route is requested (with its main method, and the API's write methods) as: anonymous, a viewer, a
contributor and an owner of the team that owns the objects, the owner of another team, a read-only token,
a revoked token and an expired token. The outcome must match the EXPECTATIONS table below, one line per
route name (and method). A route with no line fails `test_every_route_has_an_expectation`: add a line
when you add a route.

Outcomes: "ok" (2xx or a redirect elsewhere than the login page), "invalid" (400/409/412/422/428: the
caller was let in and the request judged on its content), "auth" (ok or invalid: used for page forms posted
empty), "login" (redirect to the login page), "401", "403", "404", "405", "any" (not checked beyond
"not a 5xx"). Tokens only authenticate the API: on pages they are ignored (a login redirect).
"""

import io
import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assessments import services as reg
from threatmodel import services as tm
from threatmodel.api.throttling import TokenRateThrottle
from threatmodel.models import ApiToken, DeliveryStatus, Role, WebhookDelivery
from threatmodel.webhooks.services import webhook_create

from ..factories import TeamFactory, make_component, make_flow, make_system, member

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


# --- the URL conf ------------------------------------------------------------------------------------

def served_routes() -> list[str]:
    """Every named route the project serves ("namespace:*" stands for a whole namespace such as admin)."""
    names = []

    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace])) or None
                if ns in COLLAPSED_NAMESPACES:
                    names.append(f"{ns}:*")
                    continue
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern):
                name = p.name or f"<unnamed {p.pattern}>"
                names.append(f"{namespace}:{name}" if namespace else name)

    walk(get_resolver().url_patterns)
    return sorted(set(names))


def route_methods(name: str) -> list[str]:
    return [m for (n, m) in EXPECTATIONS if n == name]


def test_every_route_has_an_expectation():
    missing = [name for name in served_routes() if not route_methods(name)]
    assert not missing, f"routes without a line in EXPECTATIONS (add one per route): {missing}"
    stale = sorted({n for n, _ in EXPECTATIONS} - set(served_routes()))
    assert not stale, f"EXPECTATIONS lines for routes that no longer exist: {stale}"


# --- the world the callers act on ---------------------------------------------------------------------

class _Null:
    def write(self, *_args, **_kwargs):
        return 0

    def flush(self):
        return None


class World:
    def __init__(self):
        from assessments.models.reports import Report

        call_command("load_catalog", quiet=True, stdout=_Null())
        self.team, self.other_team = TeamFactory(), TeamFactory()
        self.users = {"viewer": member(self.team, Role.VIEWER), "contributor": member(self.team, Role.CONTRIBUTOR),
                      "owner": member(self.team, Role.OWNER), "other_owner": member(self.other_team, Role.OWNER)}
        owner = self.users["owner"]
        self.system = make_system(self.team, owner, name="Matrix system")
        self.component = make_component(self.system, "input", name="Chat", actor=owner)
        self.model = make_component(self.system, "model", name="LLM", actor=owner)
        self.flow = make_flow(self.system, self.component, self.model, actor=owner)
        self.risk = reg.risk_create(actor=owner, system=self.system, title="Matrix risk")
        self.mitigation = reg.mitigation_create(actor=owner, system=self.system, title="Matrix mitigation",
                                                risks=[self.risk])
        self.bare_system = make_system(self.team, owner, name="Matrix system without a scope")
        self.scope = reg.assurance_scope_save(actor=owner, system=self.system, values={"system_version": "1.0"})
        self.evidence = reg.governance_evidence_create(actor=owner, team=self.team, ref="GOVERN 1.2",
                                                       statement="An AI policy")
        self.webhook, _ = webhook_create(actor=owner, team=self.team, url="http://127.0.0.1:9/hook", events=["*"])
        self.delivery = WebhookDelivery.objects.create(
            webhook=self.webhook, event_id="msg_matrix", event_type="risk.created", payload={},
            status=DeliveryStatus.FAILED, attempts=8)
        from assessments.connectors.services import connector_create

        self.connector = connector_create(actor=owner, team=self.team, kind="github", base_url="http://127.0.0.1:9",
                                          repository="acme/matrix", token="ghp_matrix_token",
                                          webhook_secret="s3cret-s3cret")
        self.invitation, _ = tm.invitation_create(actor=owner, team=self.team, email="invitee@example.org")
        self.token_row, _ = tm.api_token_create(actor=owner, team=self.team, user=owner, name="revoke me",
                                                scopes=["read"])
        self.report = Report.objects.create(system=self.system, kind="assurance", status="done", progress=100,
                                            requested_by=owner, sha256="0" * 64)
        self.report.file.save("matrix.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
        export = Client()
        export.force_login(owner)
        from assessments.interop.services import import_preview

        data = export.get(reverse("system_export", kwargs={"pk": self.system.pk})).content
        self.import_record = import_preview(actor=owner, team=self.team, data=data, filename="matrix.json")
        self.raw = {
            "read_token": tm.api_token_create(actor=owner, team=self.team, user=owner, name="ro", scopes=["read"])[1],
            "revoked_token": self._revoked(owner), "expired_token": self._expired(owner)}
        from threatmodel.models import AuditEvent

        self.audit_event = AuditEvent.objects.filter(team=self.team).first()

    def _revoked(self, owner):
        token, raw = tm.api_token_create(actor=owner, team=self.team, user=owner, name="revoked",
                                         scopes=["read", "write"])
        tm.api_token_revoke(actor=owner, token=token)
        return raw

    def _expired(self, owner):
        token, raw = tm.api_token_create(actor=owner, team=self.team, user=owner, name="expired",
                                         scopes=["read", "write"], expires_at=timezone.now() + timedelta(days=1))
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        return raw

    def kwargs(self, key: str) -> dict:
        return {
            "": {}, "system": {"pk": self.system.pk}, "system_pk": {"system_pk": self.system.pk},
            "system_csv": {"pk": self.system.pk, "fmt": "csv"},
            "system_svg": {"pk": self.system.pk, "fmt": "svg"}, "system_kind": {"pk": self.system.pk, "kind": "pia"},
            "component": {"pk": self.component.pk}, "flow": {"pk": self.flow.pk}, "risk": {"pk": self.risk.pk},
            "mitigation": {"pk": self.mitigation.pk}, "team": {"slug": self.team.slug},
            "risk_pk": {"risk_pk": self.risk.pk}, "mitigation_pk": {"mitigation_pk": self.mitigation.pk},
            "team_csv": {"slug": self.team.slug, "fmt": "csv"}, "team_slug": {"team_slug": self.team.slug},
            "member": {"slug": self.team.slug, "user_id": self.users["viewer"].pk},
            "token": {"slug": self.team.slug, "token_id": self.token_row.pk},
            "invitation": {"slug": self.team.slug, "invitation_id": self.invitation.pk},
            "invitation_link": {"token": "inv_not-a-real-invitation"}, "reset": {"uidb64": "MQ", "token": "x-y"},
            "webhook": {"pk": self.webhook.pk}, "webhook_pk": {"webhook_pk": self.webhook.pk},
            "webhook_page": {"slug": self.team.slug, "webhook_id": self.webhook.pk},
            "delivery": {"webhook_pk": self.webhook.pk, "pk": self.delivery.pk},
            "delivery_page": {"slug": self.team.slug, "webhook_id": self.webhook.pk,
                              "delivery_id": self.delivery.pk},
            "report": {"pk": self.report.pk}, "import": {"pk": self.import_record.pk},
            "audit_event": {"pk": self.audit_event.pk}, "threat": {"ref": "AI-IN-001"},
            "control": {"ref": "CTL-001"}, "framework": {"key": "NIST-AI-RMF"},
            "connector": {"pk": self.connector.pk}, "connector_hook": {"connector_id": self.connector.pk},
            "connector_page": {"slug": self.team.slug, "pk": self.connector.pk},
            "scope": {"pk": self.scope.pk}, "evidence": {"pk": self.evidence.pk},
            "evidence_page": {"slug": self.team.slug, "pk": self.evidence.pk},
        }[key]

    def body(self, key: str):
        return {
            "": None, "empty": {}, "system": {"name": "Made by the matrix"}, "describe": {"description": "x"},
            "component": {"kind": "output", "name": "Answer"}, "rename": {"name": "Renamed"},
            "flow": {"source": self.component.pk, "target": self.model.pk}, "label": {"label": "prompt"},
            "risk": {"system": self.system.pk, "title": "From the matrix"}, "retitle": {"title": "Retitled"},
            "risk_put": {"system": self.system.pk, "title": "Replaced"},
            "mitigation": {"system": self.system.pk, "title": "From the matrix"},
            "refs": {"external_refs": [{"tracker": "jira", "external_id": "M-1"}]},
            "webhook": {"url": "http://127.0.0.1:9/other", "events": ["risk.created"]}, "pause": {"active": False},
            "report": {"kind": "pia"}, "import": {}, "comment": {"body": "From the matrix"},
            "ticket": {"connector": 999999},
            "scope": {"system": self.bare_system.pk, "system_version": "2.0"}, "scope_patch": {"system_version": "3"},
            "evidence": {"team": self.team.slug, "ref": "MAP 1.3", "statement": "From the matrix"},
            "evidence_patch": {"statement": "Changed by the matrix"},
            "connector": {"kind": "jira", "base_url": "http://127.0.0.1:9", "project_key": "SEC",
                          "username": "bot@example.com", "token": "matrix-token-1"},
        }[key]

    def version(self, key: str) -> int:
        obj = getattr(self, key)
        return type(obj).objects.get(pk=obj.pk).version


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield World()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _room(monkeypatch, settings):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "100000/min"})
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


def classify(response) -> str:
    code = response.status_code
    if code >= 500:
        return f"error {code}"
    if code in (301, 302, 303, 307, 308):
        return "login" if "/login/" in response.get("Location", "") else "ok"
    if code in ERROR_CODES:
        return ERROR_CODES[code]
    if code in INVALID:
        return "invalid"
    return "ok" if code < 400 else str(code)


def matches(expected: str, got: str) -> bool:
    if got.startswith("error"):
        return False
    return expected == "any" or got == expected or (expected == "auth" and got in ("ok", "invalid"))


def request_as(world: World, role: str, name: str, method: str, row: Row):
    client = Client()
    headers = {}
    if role in world.users:
        client.force_login(world.users[role])
    elif role in world.raw:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {world.raw[role]}"
    url = reverse(f"{name[:-2]}:index") if name.endswith(":*") else reverse(name, kwargs=world.kwargs(row.kwargs))
    if row.if_match:
        headers["HTTP_IF_MATCH"] = f'"{world.version(row.if_match)}"'
    body = world.body(row.body)
    call = getattr(client, method.lower())
    if name.startswith(("api-", "api:")) or url.startswith("/api/"):
        if body is None:
            return call(url, **headers)
        return call(url, json.dumps(body), content_type="application/json", **headers)
    if name == "import-list":
        return call(url, {"file": io.BytesIO(b"{}")}, **headers)
    return call(url, body or {}, **headers) if method != "GET" else call(url, **headers)


CASES = sorted(EXPECTATIONS)


@pytest.mark.django_db
@pytest.mark.parametrize("name, method", CASES, ids=[f"{n} {m}" for n, m in CASES])
def test_route_by_role(world, name, method):
    row = EXPECTATIONS[(name, method)]
    mismatches = []
    for role, expected in zip(ROLES, row.expect, strict=True):
        with transaction.atomic():  # each caller acts on the same world: writes are undone
            response = request_as(world, role, name, method, row)
            got = classify(response)
            transaction.set_rollback(True)
        if not matches(expected, got):
            mismatches.append(f"{role}: expected {expected}, got {got} ({response.status_code} "
                              f"{response.content[:160]!r})")
    assert not mismatches, f"{method} {name}:\n" + "\n".join(mismatches)


def test_matrix_size():
    routes = served_routes()
    print(f"permission matrix: {len(routes)} routes, {len(CASES)} route x method rows, {len(ROLES)} callers, "
          f"{len(CASES) * len(ROLES)} requests")
    assert len(CASES) * len(ROLES) >= 8 * len(routes)
