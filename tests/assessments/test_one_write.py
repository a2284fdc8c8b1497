"""One user intent is one write: one transaction, one version bump, one audit event, one webhook,
whichever surface (API, workshop) sends it."""

import pytest
from django.db.models import F
from django.urls import reverse

from assessments import services as reg
from assessments.models import Mitigation, Risk
from threatmodel.models import AuditEvent, WebhookDelivery
from threatmodel.webhooks.services import webhook_create

from ..api.conftest import bearer, make_token
from ..factories import make_component, make_system

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world(team, owner):
    system = make_system(team, owner, name="One write")
    chat = make_component(system, "input", "Chat", actor=owner)
    risk = reg.risk_create(actor=owner, system=system, title="Prompt injection", component=chat)
    mitigation = reg.mitigation_create(actor=owner, system=system, title="Filter inputs", risks=[risk])
    webhook_create(actor=owner, team=team, url="http://127.0.0.1:9/hook", events=["*"])
    risk.refresh_from_db()
    return {"system": system, "risk": risk, "mitigation": mitigation}


def _events(obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("seq"))


def _deliveries(kind: str) -> int:
    return WebhookDelivery.objects.filter(event_type=f"{kind}.updated").count()


def test_an_api_patch_of_fields_status_and_tickets_is_one_event_and_one_webhook(world, team, owner):
    risk = world["risk"]
    client = bearer(make_token(team, owner))
    events, hooks = len(_events(risk)), _deliveries("risk")
    response = client.patch(f"/api/v1/risks/{risk.pk}/", {
        "title": "Indirect prompt injection", "likelihood": 4, "status": "dismissed", "status_reason": "Internal",
        "external_refs": [{"tracker": "jira", "external_id": "10001", "key": "SEC-1"}]},
        format="json", HTTP_IF_MATCH=f'"{risk.version}"')
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == risk.version + 1
    new = _events(risk)[events:]
    assert [e.action for e in new] == ["risk.updated"]
    assert {"title", "likelihood", "status", "external_refs"} <= set(new[0].changes)
    assert _deliveries("risk") - hooks == 1


def test_an_api_mitigation_patch_with_tickets_and_the_remote_rule_is_one_event_and_one_webhook(world, team, owner):
    m = world["mitigation"]
    client = bearer(make_token(team, owner))
    events, hooks = len(_events(m)), _deliveries("mitigation")
    response = client.patch(f"/api/v1/mitigations/{m.pk}/?apply_remote_status=true", {
        "owner": owner.username, "external_refs": [{"tracker": "jira", "external_id": "7", "remote_status": "Done"}]},
        format="json", HTTP_IF_MATCH=f'"{m.version}"')
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "implemented" and body["version"] == m.version + 1
    new = _events(m)[events:]
    assert len(new) == 1 and {"owner", "status", "external_refs"} <= set(new[0].changes)
    assert _deliveries("mitigation") - hooks == 1


def test_an_api_create_with_status_and_tickets_is_one_event(world, team, owner):
    client = bearer(make_token(team, owner))
    response = client.post("/api/v1/risks/", {
        "system": world["system"].pk, "title": "Model theft", "status": "mitigating",
        "external_refs": [{"tracker": "github", "external_id": "42"}]}, format="json")
    assert response.status_code == 201, response.json()
    risk = Risk.objects.get(pk=response.json()["id"])
    assert risk.status == "mitigating" and risk.version == 1
    assert [e.action for e in _events(risk)] == ["risk.created"]


def test_the_workshop_risk_save_is_one_event(world, login, owner):
    risk = world["risk"]
    events, version = len(_events(risk)), risk.version
    response = login(owner).post(reverse("workshop_risk_edit", args=[risk.pk]), {
        "version": risk.version, "title": "Prompt injection via chat", "likelihood": 5, "impact": 4,
        "override_residual": "on", "residual_likelihood": 2, "residual_impact": 2, "residual_reason": "WAF"}, **HX)
    assert response.status_code == 200
    risk.refresh_from_db()
    assert risk.version == version + 1
    assert (risk.title, risk.likelihood, risk.residual_likelihood, risk.residual_overridden) == (
        "Prompt injection via chat", 5, 2, True)
    assert [e.action for e in _events(risk)[events:]] == ["risk.updated"]


def test_the_workshop_risk_save_is_atomic(world, login, owner, monkeypatch):
    """A failure while the residual override is written leaves the risk as it was (nothing half-saved)."""
    from assessments.services import risks as risk_services

    original = risk_services.audit_record

    def failing(**kwargs):
        if "residual_overridden" in (kwargs.get("changes") or {}):
            raise RuntimeError("audit store unavailable")
        return original(**kwargs)

    monkeypatch.setattr(risk_services, "audit_record", failing)
    risk = world["risk"]
    with pytest.raises(RuntimeError):
        login(owner).post(reverse("workshop_risk_edit", args=[risk.pk]), {
            "version": risk.version, "title": "Half saved?", "likelihood": 5, "impact": 4,
            "override_residual": "on", "residual_likelihood": 2, "residual_impact": 2, "residual_reason": "WAF"},
            **HX)
    fresh = Risk.objects.get(pk=risk.pk)
    assert (fresh.title, fresh.likelihood, fresh.version) == (risk.title, risk.likelihood, risk.version)


def test_mitigate_with_an_existing_mitigation_never_loses_a_concurrent_link(world, login, owner, monkeypatch):
    """Another request links a risk to the mitigation between this request's read and its write."""
    from assessments.services import mitigations as mitigation_services

    system, m = world["system"], world["mitigation"]
    mine = reg.risk_create(actor=owner, system=system, title="Jailbreak")
    theirs = reg.risk_create(actor=owner, system=system, title="Data leak")
    original, raced = mitigation_services.require_role, []

    def concurrent_link_first(*args):
        if not raced:  # the other request commits its link after this one read the mitigation, before its write
            raced.append(True)
            Mitigation.risks.through.objects.create(mitigation_id=m.pk, risk_id=theirs.pk)
            Mitigation.objects.filter(pk=m.pk).update(version=F("version") + 1)
        return original(*args)

    monkeypatch.setattr(mitigation_services, "require_role", concurrent_link_first)
    response = login(owner).post(reverse("workshop_risk_mitigate", args=[mine.pk]), {
        "source": f"existing:{m.pk}", "kind": "preventive", "risks": [mine.pk]}, **HX)
    assert response.status_code in (200, 409), response.content.decode()[:500]
    linked = set(Mitigation.objects.get(pk=m.pk).risks.values_list("pk", flat=True))
    assert theirs.pk in linked and world["risk"].pk in linked
