"""Loading releases: idempotent, diffed, never deleting templates, announcing threat changes."""

import datetime as dt

import pytest
import yaml
from django.core.management import call_command

from catalog import events
from catalog.engine import current_catalog
from catalog.engine.current import clear_cache
from catalog.models import CatalogRelease, ControlTemplate, Framework, FrameworkItem, Question, ThreatTemplate
from catalog.services import catalog_load

pytestmark = pytest.mark.django_db


def _edit(data_dir, name, fn):
    path = data_dir / name
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def hook_calls():
    calls = []

    def hook(release_id):
        calls.append(release_id)

    events.on_catalog_released(hook)
    yield calls
    events._released.remove(hook)


def test_first_load_writes_everything(real_catalog, django_capture_on_commit_callbacks, hook_calls):
    with django_capture_on_commit_callbacks(execute=True):
        result = catalog_load(now=dt.datetime(2026, 11, 3, tzinfo=dt.UTC))
    release = result.release
    assert result.created and release.version == "2026.11.1"
    assert release.checksum == real_catalog.checksum
    assert ThreatTemplate.objects.count() == len(real_catalog.threats)
    assert ControlTemplate.objects.count() == len(real_catalog.controls)
    assert Question.objects.count() == len(real_catalog.questions)
    assert Framework.objects.count() == 8
    assert release.summary["threats"]["added"] == sorted(real_catalog.threats)
    assert release.summary["previous"] is None
    assert hook_calls == [release.id]
    threat = ThreatTemplate.objects.get(ref="AI-IN-001")
    assert threat.changed_in == release and threat.rule == real_catalog.threats["AI-IN-001"]["rule"]
    assert list(threat.controls.values_list("ref", flat=True)) == real_catalog.threats["AI-IN-001"]["controls"]
    assert {(m.framework.key, m.ref) for m in threat.mappings.select_related("framework")} == {
        tuple(m) for m in real_catalog.threats["AI-IN-001"]["mappings"]}
    item = FrameworkItem.objects.get(framework__key="NIST-AI-RMF", ref="MEASURE 2.7")
    assert item.parent.ref == "MEASURE 2" and item.parent.parent.ref == "MEASURE"


def test_reloading_the_same_files_is_a_no_op(loaded, django_capture_on_commit_callbacks, hook_calls, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        again = catalog_load()
    assert not again.created and again.release == loaded.release
    assert hook_calls == [] and CatalogRelease.objects.count() == 1
    call_command("load_catalog")
    assert capsys.readouterr().out.strip() == f"catalog unchanged (release {loaded.release.version})"


def test_a_change_is_a_new_release_with_its_diff(loaded, data_dir, django_capture_on_commit_callbacks, hook_calls,
                                                 capsys):
    risk_target = ThreatTemplate.objects.get(ref="AI-IN-002")

    def edit_threats(doc):
        doc["threats"][0]["title"] = "Direct prompt injection by users (reworded)"
        doc["threats"] = [t for t in doc["threats"] if t["ref"] != "AI-IN-002"]
        doc["threats"].append({**doc["threats"][1], "ref": "AI-IN-900", "title": "A new input threat"})
    _edit(data_dir, "threats_input.yaml", edit_threats)
    _edit(data_dir, "controls.yaml", lambda d: d["controls"][1].update(verification="Other evidence."))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_catalog", data_dir=str(data_dir))
    out = capsys.readouterr().out
    release = CatalogRelease.objects.order_by("-id").first()
    assert release.version.endswith(".2") and release.summary["previous"] == loaded.release.version
    assert release.summary["threats"] == {"added": ["AI-IN-900"], "changed": ["AI-IN-001"], "removed": ["AI-IN-002"]}
    assert release.summary["controls"] == {"added": [], "changed": ["CTL-002"], "removed": []}
    assert "+ AI-IN-900" in out and "~ AI-IN-001" in out and "- AI-IN-002" in out and "~ CTL-002" in out
    assert hook_calls == [release.id]

    # the retired template keeps its row (the register points at it), out of the catalog in force
    risk_target.refresh_from_db()
    assert risk_target.retired and risk_target.changed_in == release
    assert "AI-IN-002" not in current_catalog().threats
    assert ThreatTemplate.objects.get(ref="AI-IN-003").changed_in == loaded.release  # untouched

    # putting it back re-adds the same row
    with django_capture_on_commit_callbacks(execute=True):
        third = catalog_load().release
    assert third.summary["threats"]["added"] == ["AI-IN-002"]
    assert third.summary["threats"]["removed"] == ["AI-IN-900"]
    risk_target.refresh_from_db()
    assert not risk_target.retired and risk_target.pk == ThreatTemplate.objects.get(ref="AI-IN-002").pk


def test_a_release_without_threat_changes_announces_nothing(loaded, data_dir, django_capture_on_commit_callbacks,
                                                             hook_calls):
    _edit(data_dir, "controls.yaml", lambda d: d["controls"][0].update(guidance="Different guidance."))
    with django_capture_on_commit_callbacks(execute=True):
        result = catalog_load(data_dir=data_dir)
    assert result.created and result.release.summary["controls"]["changed"] == ["CTL-001"]
    assert hook_calls == []


def test_versions_count_releases_per_month(loaded, data_dir):
    _edit(data_dir, "controls.yaml", lambda d: d["controls"][0].update(guidance="v2"))
    second = catalog_load(data_dir=data_dir, now=dt.datetime(2031, 1, 5, tzinfo=dt.UTC)).release
    _edit(data_dir, "controls.yaml", lambda d: d["controls"][0].update(guidance="v3"))
    third = catalog_load(data_dir=data_dir, now=dt.datetime(2031, 1, 9, tzinfo=dt.UTC)).release
    assert (second.version, third.version) == ("2031.01.1", "2031.01.2")


def test_current_catalog_follows_the_latest_release(db, data_dir):
    clear_cache()
    from_files = current_catalog()  # nothing loaded yet: compiled from the files
    assert from_files.release_id is None and not ThreatTemplate.objects.exists()
    first = catalog_load().release
    in_force = current_catalog()
    assert (in_force.release_id, in_force.version, in_force.checksum) == (first.id, first.version, first.checksum)
    assert current_catalog() is in_force  # cached
    assert in_force.threats.keys() == from_files.threats.keys()
    assert in_force.threats["AI-IN-001"] == from_files.threats["AI-IN-001"]
    _edit(data_dir, "threats_input.yaml", lambda d: d.update(threats=d["threats"][1:]))
    second = catalog_load(data_dir=data_dir).release
    assert current_catalog().release_id == second.id and "AI-IN-001" not in current_catalog().threats
    clear_cache()


def test_quiet_load_prints_one_line(db, capsys):
    call_command("load_catalog", quiet=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("catalog release ") and "threats" in lines[0]
