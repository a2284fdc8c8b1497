"""`import_model` and `export_system`: the same pipeline as the pages, from the command line."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from assessments.models import ImportRecord
from threatmodel.models import AISystem

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_dry_run_prints_the_preview_and_writes_nothing(catalog, team):
    out = run("import_model", str(FIXTURES / "threat-dragon-v2.json"), "--team", team.slug, "--dry-run")
    assert "OWASP Threat Dragon: 'Support assistant (Threat Dragon)'" in out
    assert "create: 6 components, 6 flows, 6 risks, 3 mitigations" in out
    assert "component c-llm 'Support LLM': model" in out
    assert "skipped: $.detail.diagrams[0].cells[13].target" in out and "dry run: nothing was written" in out
    assert AISystem.objects.count() == 0 and ImportRecord.objects.count() == 0


def test_import_then_update_then_copy(catalog, team, contributor, django_capture_on_commit_callbacks):
    path = str(FIXTURES / "rag-assistant.otm.json")
    with django_capture_on_commit_callbacks(execute=True):
        out = run("import_model", path, "--team", team.slug, "--user", contributor.username, "--kind",
                  "wiki-index=output")
    system = AISystem.objects.get(team=team)
    assert out.startswith("Open Threat Model") and f"imported system {system.pk}" in out
    assert system.components.get(name="Wiki vector index").kind == "output"
    assert ImportRecord.objects.get().created_by == contributor
    with django_capture_on_commit_callbacks(execute=True):
        out = run("import_model", path, "--team", team.slug)
    assert f"updates system {system.pk}" in out and f"updated system {system.pk}" in out
    # the kind the team chose is kept on update
    assert system.components.get(name="Wiki vector index").kind == "output"
    with django_capture_on_commit_callbacks(execute=True):
        run("import_model", path, "--team", team.slug, "--new")
    assert AISystem.objects.filter(team=team).count() == 2


def test_errors(catalog, team, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": 1, "threats": [{"id": "t", "status": 7}]}')
    with pytest.raises(CommandError, match=r"\$\.threats\[0\]\.status: must be text"):
        run("import_model", str(bad), "--team", team.slug)
    with pytest.raises(CommandError, match="no team"):
        run("import_model", str(bad), "--team", "nope")
    with pytest.raises(CommandError, match="no such file"):
        run("import_model", str(tmp_path / "missing.json"), "--team", team.slug)
    with pytest.raises(CommandError, match="ID=KIND"):
        run("import_model", str(FIXTURES / "rag-assistant.otm.json"), "--team", team.slug, "--kind", "llm")
    with pytest.raises(CommandError, match="is not one of input, model, output"):
        run("import_model", str(FIXTURES / "rag-assistant.otm.json"), "--team", team.slug, "--kind", "llm=robot")
    with pytest.raises(CommandError, match="no system"):
        run("export_system", "999999")


def test_export_then_restore_from_the_command_line(catalog, team, other_team, contributor, tmp_path,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run("import_model", str(FIXTURES / "claims-triage.tc.json"), "--team", team.slug)
    system = AISystem.objects.get(team=team)
    doc = json.loads(run("export_system", str(system.pk)))
    assert doc["format"] == "ai-threat-register/system-export" and len(doc["risks"]) >= 4
    assert json.loads(run("export_system", system.slug, "--team", team.slug, "--format", "otm"))["otmVersion"]
    target = tmp_path / "export.json"
    call_command("export_system", str(system.pk), "--output", str(target), stdout=io.StringIO(),
                 stderr=io.StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        out = run("import_model", str(target), "--team", other_team.slug)
    restored = AISystem.objects.get(team=other_team)
    assert "AI Threat Register system export" in out and restored.name == system.name
    assert restored.risks.count() == system.risks.count()
