"""Pages: upload -> preview (kinds confirmed by the person) -> import; errors as form errors; downloads; scoping."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from assessments import services as register_services
from assessments.models import ImportRecord
from threatmodel.models import AISystem, Role

from ..factories import make_component, make_system, member
from .conftest import fixture_bytes

pytestmark = pytest.mark.django_db


def upload(name: str, data: bytes | None = None):
    return SimpleUploadedFile(name, data if data is not None else fixture_bytes(name), content_type="application/json")


def test_import_page_needs_login(client):
    response = client.get("/import/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_upload_preview_confirm(catalog, login, team, contributor, django_capture_on_commit_callbacks):
    client = login(contributor)
    page = client.get("/import/")
    assert page.status_code == 200 and b"Upload and preview" in page.content
    response = client.post("/import/", {"team": team.pk, "file": upload("threat-dragon-v2.json")})
    assert response.status_code == 302
    record = ImportRecord.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200 and "What could not be mapped, and why" in html
    assert "$.detail.diagrams[0].cells[13].target" in html and "Übersetzungs-Modell 🤖" in html
    assert 'name="kind-5"' in html and "downstream" not in html  # the reasons are the rules' own words
    assert AISystem.objects.filter(team=team).count() == 0
    form = {"kind-0": "input", "kind-1": "model", "kind-2": "input", "kind-3": "output", "kind-4": "output",
            "kind-5": "model"}
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/import/{record.pk}/", form)
        # queued: the import page shows progress (and refreshes itself) until the worker has applied it
        assert done.status_code == 302 and done["Location"] == f"/import/{record.pk}/"
        progress = client.get(done["Location"]).content.decode()
        assert 'http-equiv="refresh"' in progress and "Importing" in progress
    system = AISystem.objects.get(team=team)
    assert system.components.get(name__startswith="Übersetzungs").kind == "model"
    result = client.get(f"/import/{record.pk}/")
    assert result.status_code == 200 and b"Imported" in result.content


def test_second_upload_offers_an_update(catalog, login, team, contributor, django_capture_on_commit_callbacks):
    client = login(contributor)
    first = client.post("/import/", {"team": team.pk, "file": upload("claims-triage.tc.json")})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(first["Location"], {})
    second = client.post("/import/", {"team": team.pk, "file": upload("claims-triage.tc.json")})
    page = client.get(second["Location"]).content.decode()
    assert "You imported this same file before" in page and 'value="update"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(second["Location"], {"mode": "update"})
    assert AISystem.objects.filter(team=team).count() == 1


def test_a_bad_file_is_a_form_error_with_its_path(catalog, login, team, contributor):
    response = login(contributor).post("/import/", {"team": team.pk, "file": upload(
        "bad.json", b'{"otmVersion": "0.2.0", "project": {"name": "p", "id": "p"}, "components": [{"id": 1, '
                    b'"name": ["x"]}]}')})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The file cannot be imported: must be text, found an array (at $.components[0].name)." in html
    assert ImportRecord.objects.count() == 0


@override_settings(IMPORT_MAX_BYTES=1000)
def test_an_oversized_file_is_a_form_error(catalog, login, team, contributor):
    response = login(contributor).post("/import/", {"team": team.pk, "file": upload("threat-dragon-v2.json")})
    assert response.status_code == 400 and "larger than the limit" in response.content.decode()


def test_roles_and_scoping(catalog, login, client, team, contributor, outsider):
    viewer = member(team, Role.VIEWER)
    response = login(contributor).post("/import/", {"team": team.pk, "file": upload("rag-assistant.otm.json")})
    url = response["Location"]
    client.logout()
    assert login(outsider).get(url).status_code == 404
    assert login(outsider).post(url, {}).status_code == 404
    client.logout()
    viewing = login(viewer)
    assert viewing.get(url).status_code == 200 and b"Discard this preview" not in viewing.get(url).content
    assert viewing.post(url, {}).status_code == 403
    assert viewing.post("/import/", {"team": team.pk, "file": upload("rag-assistant.otm.json")}).status_code == 403


def test_discard(catalog, login, team, contributor):
    client = login(contributor)
    url = client.post("/import/", {"team": team.pk, "file": upload("rag-assistant.otm.json")})["Location"]
    record_id = int(url.rstrip("/").rsplit("/", 1)[-1])
    assert client.post(f"/import/{record_id}/discard/").status_code == 302
    assert ImportRecord.objects.get(pk=record_id).status == "discarded"


def test_export_downloads(catalog, login, client, team, contributor, outsider):
    system = make_system(team, contributor, name="Download me")
    make_component(system, "model", name="=HYPERLINK(\"http://evil\")", actor=contributor,
                   answers={"model_type": "llm"})
    register_services.risk_create(actor=contributor, system=system, title="-cmd|' /C calc'!A0",
                                  mappings=["OWASP-LLM-2025:LLM01:2025"])
    client = login(contributor)
    page = client.get("/import/").content.decode()
    assert f"/systems/{system.pk}/export/" in page and f"/teams/{team.slug}/coverage.csv" in page
    response = client.get(f"/systems/{system.pk}/export/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["system"]["name"] == "Download me"
    assert json.loads(client.get(f"/systems/{system.pk}/export/?format=otm").content)["otmVersion"] == "0.2.0"
    assert client.get(f"/systems/{system.pk}/export/?format=pdf").status_code == 404
    coverage = client.get(f"/systems/{system.pk}/coverage.csv")
    assert coverage.status_code == 200 and coverage["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(coverage.streaming_content).decode().lstrip("\ufeff"))))
    assert rows[0][:7] == ["Framework", "Ref", "Title", "Kind", "Parent", "Threats mapped", "Controls mapped"]
    assert rows[0][7:] == ["Download me: state", "Download me: why"]
    llm01 = next(r for r in rows if r[0] == "OWASP-LLM-2025" and r[1] == "LLM01:2025")
    assert llm01[7] == "gap" and "without mitigation" in llm01[8] and llm01[5]  # catalog threats map to it
    team_csv = b"".join(client.get(f"/teams/{team.slug}/coverage.csv").streaming_content).decode()
    assert "Download me: state" in team_csv
    client.logout()
    outsider_client = login(outsider)
    for url in (f"/systems/{system.pk}/export/", f"/systems/{system.pk}/coverage.csv",
                f"/teams/{team.slug}/coverage.csv"):
        assert outsider_client.get(url).status_code == 404


def test_coverage_states_follow_the_mitigations(catalog, login, team, contributor):
    system = make_system(team, contributor, name="Covered")
    risk = register_services.risk_create(actor=contributor, system=system, title="Injection",
                                         mappings=["OWASP-LLM-2025:LLM01:2025"])
    mitigation = register_services.mitigation_create(actor=contributor, system=system, title="Guardrail",
                                                     risks=[risk.pk])

    def state():
        content = b"".join(login(contributor).get(f"/systems/{system.pk}/coverage.csv?framework=OWASP-LLM-2025")
                           .streaming_content).decode().lstrip("\ufeff")
        rows = list(csv.reader(io.StringIO(content)))
        assert {r[0] for r in rows[1:]} == {"OWASP-LLM-2025"}
        return next(r for r in rows if r[1] == "LLM01:2025")[7]

    assert state() == "planned"
    for status in ("in_progress", "implemented"):
        mitigation = register_services.mitigation_transition(actor=contributor, mitigation=mitigation, status=status)
    assert state() == "planned"  # implemented, but nobody verified it with evidence yet
    mitigation = register_services.mitigation_update(actor=contributor, mitigation=mitigation,
                                                     evidence="Pen test 2026-03: 0 of 40 payloads passed")
    register_services.mitigation_transition(actor=contributor, mitigation=mitigation, status="verified")
    assert state() == "covered"


def test_the_schema_is_published(client):
    response = client.get("/interop/schema/system-export-v1.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/schema+json"
    assert json.loads(b"".join(response.streaming_content))["title"].startswith("AI Threat Register system export")


def test_the_nav_links_to_import(login, contributor):
    page = login(contributor).get("/import/").content.decode()
    assert 'href="/import/" aria-current="page"' in page


def test_a_failed_apply_shows_the_problem_on_the_preview(catalog, login, team, contributor,
                                                          django_capture_on_commit_callbacks):
    doc = (b'{"format": "ai-threat-register/system-export", "version": 1, "system": {"name": "Broken"}, '
           b'"components": [], "flows": [], "mitigations": [], "privacy_assessment": null, "reviews": [], '
           b'"reports": [], "risks": [{"id": 1, "title": "R", "status": "open", "likelihood": 3, "impact": 3}], '
           b'"external_refs": [{"risk": 1, "tracker": "jira", "external_id": "1", "url": "not a url"}]}')
    client = login(contributor)
    url = client.post("/import/", {"team": team.pk, "file": upload("broken.json", doc)})["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {})
    page = client.get(url).content.decode()
    assert "The file cannot be imported" in page and "$.external_refs[0]" in page
    assert AISystem.objects.filter(team=team).count() == 0
