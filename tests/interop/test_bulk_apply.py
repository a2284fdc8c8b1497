"""A new model is written in bulk: the queries do not grow with the number of objects, every new object has
its own audit event in the chain, starts at the file's status, and one `system.imported` webhook event is
sent for the whole import (issue 16: a 2,000-threat Threat Dragon model in at most 10 s)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.interop import services
from assessments.models import Mitigation, Risk
from tests.bench.bench_interop import threat_dragon_model
from threatmodel.audit import audit_verify
from threatmodel.models import AuditEvent, WebhookDelivery
from threatmodel.webhooks.services import webhook_create

pytestmark = pytest.mark.django_db


def apply(team, actor, data: bytes):
    record = services.import_preview(actor=actor, team=team, data=data, filename="td.json")
    return services.import_confirm(actor=actor, record=record, mode="new", background=False)


def queries_to_apply(team, actor, elements: int) -> int:
    record = services.import_preview(actor=actor, team=team, data=threat_dragon_model(elements, 6),
                                     filename=f"td-{elements}.json")
    with CaptureQueriesContext(connection) as queries:
        services.import_confirm(actor=actor, record=record, mode="new", background=False)
    return len(queries)


def test_the_queries_of_an_apply_do_not_grow_with_the_model(catalog, team, owner):
    small = queries_to_apply(team, owner, 4)
    large = queries_to_apply(team, owner, 16)  # four times the components, flows, risks and mitigations
    assert large <= small + 10, (small, large)


def test_new_objects_are_audited_one_by_one_and_start_at_their_status(catalog, team, owner):
    record = apply(team, owner, threat_dragon_model(3, 6))
    system = record.system
    risks = Risk.objects.filter(system=system, template__isnull=True)
    assert risks.count() == 18
    # Threat Dragon: Open -> open, Mitigated -> closed, NotApplicable -> dismissed (with the import's reason)
    assert sorted(set(risks.values_list("status", flat=True))) == ["closed", "dismissed", "open"]
    assert all(r.status_reason for r in risks.filter(status="dismissed"))
    assert all(r.version == 1 and r.acted_at is not None for r in risks)
    events = AuditEvent.objects.filter(team=team)
    assert events.filter(action="risk.created").count() == 18
    assert events.filter(action="component.created").count() == 3
    assert events.filter(action="flow.created").count() == 2
    assert events.filter(action="mitigation.created").count() == Mitigation.objects.filter(system=system).count() > 0
    assert events.filter(action="system.imported", object_id=str(system.pk)).count() == 1
    assert audit_verify(team=team).ok
    created = events.get(action="risk.created", object_id=str(risks.filter(status="closed").first().pk))
    assert created.changes["status"] == [None, "closed"]


def test_a_mitigated_risk_has_the_residual_its_mitigations_give_it(catalog, team, owner):
    doc = json.loads(threat_dragon_model(1, 1))
    threat = doc["detail"]["diagrams"][0]["cells"][0]["data"]["threats"][0]
    threat.update(status="Mitigated", severity="High", mitigation="Block it at the gateway")
    system = apply(team, owner, json.dumps(doc).encode()).system
    risk = Risk.objects.get(system=system, template__isnull=True)
    mitigation = Mitigation.objects.get(system=system)
    assert list(mitigation.risks.all()) == [risk]
    from assessments.services.residual import suggested_residual_for

    assert (risk.residual_likelihood, risk.residual_impact) == suggested_residual_for(risk)


def test_one_webhook_event_for_the_whole_import(catalog, team, owner, django_capture_on_commit_callbacks):
    imported, _ = webhook_create(actor=owner, team=team, url="http://127.0.0.1:9/imports",
                                 events=["system.imported"])
    created, _ = webhook_create(actor=owner, team=team, url="http://127.0.0.1:9/risks",
                                events=["risk.created", "mitigation.created"])
    with django_capture_on_commit_callbacks(execute=False):
        record = apply(team, owner, threat_dragon_model(3, 4))
    deliveries = WebhookDelivery.objects.all()
    assert [(d.webhook_id, d.event_type) for d in deliveries] == [(imported.pk, "system.imported")]
    data = deliveries[0].payload["data"]
    assert data["id"] == record.system_id and data["created"]["risks"] == 12 and not created.deliveries.exists()


def test_a_new_version_writes_only_what_changed(catalog, team, owner):
    first = apply(team, owner, threat_dragon_model(4, 5))
    doc = json.loads(threat_dragon_model(4, 5))
    cells = doc["detail"]["diagrams"][0]["cells"]
    cells[0]["data"]["threats"][1]["title"] = "Renamed threat"
    cells[0]["data"]["threats"][2]["status"] = "Mitigated"  # was NotApplicable (dismissed): reopened, then closed
    versions = dict(Risk.objects.filter(system=first.system).values_list("pk", "version"))
    events = AuditEvent.objects.filter(team=team).count()
    record = services.import_preview(actor=owner, team=team, data=json.dumps(doc).encode(), filename="td.json")
    with CaptureQueriesContext(connection) as queries:
        second = services.import_confirm(actor=owner, record=record, background=False)
    assert second.system == first.system and second.summary["updated"] == {"risks": 2}
    assert not second.summary["created"]
    changed = {pk for pk, version in Risk.objects.filter(system=first.system).values_list("pk", "version")
               if version != versions[pk]}
    assert changed == {second.mapping["risks"][t["id"]] for t in cells[0]["data"]["threats"][1:3]}
    assert Risk.objects.get(pk=second.mapping["risks"][cells[0]["data"]["threats"][2]["id"]]).status == "closed"
    new_events = set(AuditEvent.objects.filter(team=team).order_by("seq")[events:].values_list("action", flat=True))
    assert new_events == {"risk.updated", "risk.transitioned", "system.imported"}
    assert len(queries) < 150  # not one service call per object of the model
