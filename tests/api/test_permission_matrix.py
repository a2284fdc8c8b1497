"""The permission matrix, generated from the URL conf: every route the project serves x every kind of caller.

Each route is requested (with its main method, and the API's write methods) as: anonymous, a viewer, a
contributor and an owner of the team that owns the objects, the owner of another team, a read-only token,
a revoked token and an expired token. The outcome must match the EXPECTATIONS table
(permission_expectations.py), one line per route name (and method). A route with no line fails
`test_every_route_has_an_expectation`: add a line when you add a route.

Outcomes: "ok" (2xx or a redirect elsewhere than the login page), "invalid" (400/409/412/422/428: the
caller was let in and the request judged on its content), "auth" (ok or invalid: used for page forms posted
empty), "login" (redirect to the login page), "401", "403", "404", "405", "any" (not checked beyond
"not a 5xx"). Tokens only authenticate the API: on pages they are ignored (a login redirect).
"""

import io
import json
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
from .permission_expectations import COLLAPSED_NAMESPACES, ERROR_CODES, EXPECTATIONS, INVALID, ROLES, Row

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
