"""The assurance report's inputs beside the register: the assurance scope of a system and the team's
organisation evidence, edited from pages and over the API (contributors and owners; viewers read)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import services
from assessments.models import AssuranceScope, GovernanceEvidence
from assessments.reports.content.evidence import assurance_scope
from threatmodel.models import AuditEvent, Role

from ..factories import make_component, make_system, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team):
    owner = member(team, Role.OWNER, username="olga")
    viewer = member(team, Role.VIEWER, username="vic")
    system = make_system(team, owner, name="Scoped system")
    model = make_component(system, "model", name="LLM", actor=owner)
    data = make_component(system, "input", name="Tickets", actor=owner)
    return {"owner": owner, "viewer": viewer, "system": system, "model": model, "data": data}


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def api_for(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


# --- pages -------------------------------------------------------------------------------------------

def test_reports_page_links_to_both_editors(world):
    page = client_for(world["owner"]).get(reverse("system_reports", args=[world["system"].pk])).content.decode()
    assert reverse("assurance_scope_edit", args=[world["system"].pk]) in page
    assert reverse("governance_evidence_list", args=[world["system"].team.slug]) in page


def test_scope_page_saves_versions_and_period(world):
    system, model, data = world["system"], world["model"], world["data"]
    url = reverse("assurance_scope_edit", args=[system.pk])
    c = client_for(world["owner"])
    assert f'name="component_{model.pk}"' in c.get(url).content.decode()
    response = c.post(url, {"system_version": "2.3.0", f"component_{model.pk}": "gpt-x 2025-06",
                            f"component_{data.pk}": "tickets-v7", "period_start": "2026-01-01",
                            "period_end": "2026-06-30"})
    assert response.status_code == 302
    scope = AssuranceScope.objects.get(system=system)
    assert scope.system_version == "2.3.0"
    assert scope.component_versions == {str(model.pk): "gpt-x 2025-06", str(data.pk): "tickets-v7"}
    assert scope.period_end == datetime.date(2026, 6, 30)
    assert AuditEvent.objects.filter(team=system.team, action="assurance_scope.saved").count() == 1
    summary = assurance_scope(system)
    assert summary["missing"] == [] and summary["models"][0]["version"] == "gpt-x 2025-06"


def test_scope_page_names_the_bad_field(world):
    url = reverse("assurance_scope_edit", args=[world["system"].pk])
    c = client_for(world["owner"])
    response = c.post(url, {"period_start": "2026-06-30", "period_end": "2026-01-01"})
    assert response.status_code == 200
    assert "period_end" in response.context["form"].errors
    response = c.post(url, {"period_start": "not a date", "period_end": "2026-01-01"})
    assert "period_start" in response.context["form"].errors
    assert not AssuranceScope.objects.exists()


def test_scope_delete_from_the_page(world):
    system = world["system"]
    scope = services.assurance_scope_save(actor=world["owner"], system=system, values={"system_version": "1"})
    response = client_for(world["owner"]).post(reverse("assurance_scope_delete", args=[system.pk]),
                                               {"version": scope.version})
    assert response.status_code == 302 and not AssuranceScope.objects.exists()


def test_viewer_cannot_edit_the_scope(world):
    system = world["system"]
    c = client_for(world["viewer"])
    assert c.get(reverse("assurance_scope_edit", args=[system.pk])).status_code == 403
    assert c.post(reverse("assurance_scope_edit", args=[system.pk]), {"system_version": "9"}).status_code == 403
    assert not AssuranceScope.objects.exists()


def test_governance_evidence_pages(world):
    team, owner = world["system"].team, world["owner"]
    c = client_for(owner)
    listing = c.get(reverse("governance_evidence_list", args=[team.slug])).content.decode()
    assert "GOVERN 1.2" in listing and "MANAGE 4.2" in listing
    new = reverse("governance_evidence_new", args=[team.slug])
    response = c.post(new, {"ref": "GOVERN 1.2", "statement": "AI policy approved by the board",
                            "evidence_links": "https://intranet.example.com/ai-policy\n"})
    assert response.status_code == 302
    entry = GovernanceEvidence.objects.get(team=team)
    assert entry.evidence_links == ["https://intranet.example.com/ai-policy"] and entry.recorded_by == owner
    # bad values: each error names its field
    bad = c.post(reverse("governance_evidence_edit", args=[team.slug, entry.pk]),
                 {"version": entry.version, "ref": "GOVERN 1.2", "statement": "x", "evidence_links": "ftp://nope"})
    assert "evidence_links" in bad.context["form"].errors
    bad = c.post(new, {"ref": "GOVERN 9.9", "statement": "x"})
    assert "ref" in bad.context["form"].errors
    bad = c.post(new, {"ref": "GOVERN 1.3", "statement": ""})
    assert "statement" in bad.context["form"].errors
    response = c.post(reverse("governance_evidence_delete", args=[team.slug, entry.pk]), {"version": entry.version})
    assert response.status_code == 302 and not GovernanceEvidence.objects.exists()
    actions = set(AuditEvent.objects.filter(team=team, object_type__contains="governance").values_list(
        "action", flat=True))
    assert actions == {"governance_evidence.created", "governance_evidence.deleted"}


def test_viewer_reads_but_cannot_edit_governance_evidence(world):
    team = world["system"].team
    entry = services.governance_evidence_create(actor=world["owner"], team=team, ref="MAP 1.2",
                                                statement="Context mapped")
    c = client_for(world["viewer"])
    page = c.get(reverse("governance_evidence_list", args=[team.slug]))
    assert page.status_code == 200 and "Context mapped" in page.content.decode()
    assert reverse("governance_evidence_edit", args=[team.slug, entry.pk]) not in page.content.decode()
    assert c.post(reverse("governance_evidence_new", args=[team.slug]),
                  {"ref": "MAP 1.3", "statement": "x"}).status_code == 403
    assert c.post(reverse("governance_evidence_edit", args=[team.slug, entry.pk]),
                  {"ref": "MAP 1.2", "statement": "changed"}).status_code == 403
    assert c.post(reverse("governance_evidence_delete", args=[team.slug, entry.pk])).status_code == 403
    entry.refresh_from_db()
    assert entry.statement == "Context mapped"


def test_another_teams_evidence_is_a_404(world, other_team):
    stranger = member(other_team, Role.OWNER)
    entry = services.governance_evidence_create(actor=world["owner"], team=world["system"].team, ref="MAP 1.2",
                                                statement="Context mapped")
    c = client_for(stranger)
    assert c.get(reverse("governance_evidence_edit", args=[world["system"].team.slug, entry.pk])).status_code == 404
    assert api_for(stranger).get(f"/api/v1/governance-evidence/{entry.pk}/").status_code == 404


# --- API -----------------------------------------------------------------------------------------------

def test_scope_api_round_trip(world):
    system, model = world["system"], world["model"]
    api = api_for(world["owner"])
    created = api.post("/api/v1/assurance-scopes/", {"system": system.pk, "system_version": "1.0",
                                                     "component_versions": {str(model.pk): "m-1"}}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    again = api.post("/api/v1/assurance-scopes/", {"system": system.pk}, format="json")
    assert again.status_code == 400 and "system" in again.json()["errors"]
    patched = api.patch(f"/api/v1/assurance-scopes/{pk}/", {"period_start": "2026-01-01", "period_end": "2026-03-31"},
                        format="json", HTTP_IF_MATCH='"1"')
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert body["version"] == 2 and body["system_version"] == "1.0" and body["component_versions"] == {
        str(model.pk): "m-1"}
    listed = api.get(f"/api/v1/assurance-scopes/?system={system.pk}").json()
    assert [r["id"] for r in listed["results"]] == [pk]
    assert api.delete(f"/api/v1/assurance-scopes/{pk}/", HTTP_IF_MATCH='"2"').status_code == 204


def test_scope_api_400_names_the_field(world):
    system = world["system"]
    api = api_for(world["owner"])
    bad_period = api.post("/api/v1/assurance-scopes/", {"system": system.pk, "period_start": "2026-05-01",
                                                        "period_end": "2026-01-01"}, format="json")
    assert bad_period.status_code == 400 and "period_end" in bad_period.json()["errors"]
    stranger = make_component(system, "output", name="Answer", actor=world["owner"])
    bad_component = api.post("/api/v1/assurance-scopes/", {"system": system.pk,
                                                           "component_versions": {str(stranger.pk): "1"}},
                             format="json")
    assert bad_component.status_code == 400 and "component_versions" in bad_component.json()["errors"]
    bad_date = api.post("/api/v1/assurance-scopes/", {"system": system.pk, "period_start": "soon"}, format="json")
    assert bad_date.status_code == 400 and "period_start" in bad_date.json()["errors"]


def test_governance_evidence_api(world):
    team = world["system"].team
    api = api_for(world["owner"])
    created = api.post("/api/v1/governance-evidence/", {"team": team.slug, "ref": "measure 1.1",
                                                        "statement": "Metrics chosen",
                                                        "evidence_links": ["https://wiki.example.com/metrics"]},
                       format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["ref"] == "MEASURE 1.1" and body["recorded_by"] == "olga" and body["team"] == team.slug
    dup = api.post("/api/v1/governance-evidence/", {"team": team.slug, "ref": "MEASURE 1.1", "statement": "x"},
                   format="json")
    assert dup.status_code == 400 and "ref" in dup.json()["errors"]
    bad_link = api.patch(f"/api/v1/governance-evidence/{body['id']}/", {"evidence_links": ["javascript:alert(1)"]},
                         format="json", HTTP_IF_MATCH='"1"')
    assert bad_link.status_code == 400 and "evidence_links" in bad_link.json()["errors"]
    bad_ref = api.post("/api/v1/governance-evidence/", {"team": team.slug, "ref": "GOVERN 9", "statement": "x"},
                       format="json")
    assert bad_ref.status_code == 400 and "ref" in bad_ref.json()["errors"]
    viewer = api_for(world["viewer"])
    assert viewer.get(f"/api/v1/governance-evidence/{body['id']}/").status_code == 200
    assert viewer.patch(f"/api/v1/governance-evidence/{body['id']}/", {"statement": "y"}, format="json",
                        HTTP_IF_MATCH='"1"').status_code == 403
    assert viewer.post("/api/v1/governance-evidence/", {"team": team.slug, "ref": "MAP 1.2", "statement": "y"},
                       format="json").status_code == 403
    assert api.delete(f"/api/v1/governance-evidence/{body['id']}/", HTTP_IF_MATCH='"1"').status_code == 204


def test_recorded_evidence_counts_in_the_assurance_content(world):
    from assessments.reports.content import build_content

    system, owner = world["system"], world["owner"]
    services.governance_evidence_create(actor=owner, team=system.team, ref="GOVERN 1.2", statement="AI policy")
    services.assurance_scope_save(actor=owner, system=system, values={"system_version": "4.2"})
    content = build_content("assurance", system, generated_by=owner)
    assert content["scope"]["system_version"] == "4.2"
    row = next(r for r in content["checklist"] if r["ref"] == "GOVERN 1.2")
    assert row["recorded"] and row["statement"] == "AI policy"
