"""Malformed and hostile files: a clear error naming the JSON path of the first problem, and nothing written.

The hypothesis tests feed every parser random JSON, and the hand-written fixtures with random parts
replaced: the result is a plan that satisfies the invariants ``apply`` relies on, or an ImportProblem;
never any other exception.
"""

import copy
import json

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.interop import detect, limits, services
from assessments.interop.errors import ImportProblem
from assessments.interop.formats import otm, system_export, threat_composer, threat_dragon
from assessments.interop.plan import normalise
from assessments.interop.prepare import prepare
from assessments.interop.reader import Node
from assessments.models import ImportRecord
from threatmodel.models import AISystem, ComponentKind

from .conftest import fixture_bytes

PARSERS = (threat_dragon, threat_composer, otm, system_export)
FIXTURES = {"threat-dragon": "threat-dragon-v2.json", "threat-composer": "claims-triage.tc.json",
            "otm": "rag-assistant.otm.json"}


def problem(data: bytes) -> ImportProblem:
    with pytest.raises(ImportProblem) as info:
        detect.read(data, filename="hostile.json")
    return info.value


def td(**detail) -> bytes:
    return json.dumps({"summary": {"title": "x"}, "detail": {"diagrams": [], **detail}}).encode()


# --- limits -------------------------------------------------------------------------------------------------------

@override_settings(IMPORT_MAX_BYTES=1000)
def test_size_limit():
    err = problem(b" " * 1001)
    assert err.path == "$" and "limit is 1000 bytes" in err.message


def test_not_utf8_not_json_not_an_object():
    assert "not UTF-8" in problem(b'{"summary": "\xff\xfe"}').message
    err = problem(b'{"summary": {"title": "x",}}')
    assert err.path == "$" and "not valid JSON" in err.message and "line 1" in err.message
    assert "NaN is not allowed" in problem(b'{"otmVersion": NaN}').message
    assert "found an array" in problem(b"[1, 2]").message
    assert "empty" in problem(b"   ").message
    assert "not valid JSON" in problem(b'{"otmVersion": 1' + b"0" * 5000 + b"}").message


def test_deep_nesting_at_any_depth():
    assert "nested" in problem(b"[" * 200_000 + b"]" * 200_000).message
    deep = {"x": "y"}
    for _ in range(70):
        deep = {"a": deep}
    err = problem(td(reviewer="r", extra=deep))
    assert err.path.startswith("$.detail.extra.a.a.a") and f"more than {limits.MAX_DEPTH} levels" in err.message


def test_huge_strings_and_too_many_values():
    long_title = {"summary": {"title": "x" * (limits.MAX_STRING + 1)}, "detail": {"diagrams": []}}
    err = problem(json.dumps(long_title).encode())
    assert err.path == "$.summary.title" and "the limit is" in err.message
    err = problem(td(padding=[0] * (limits.MAX_NODES + 1)))
    assert f"more than {limits.MAX_NODES} JSON values" in err.message
    # Threat Composer's embedded images are ignored, so they may be long
    doc = json.loads(fixture_bytes("claims-triage.tc.json"))
    doc["architecture"]["image"] = "data:image/png;base64," + "A" * (limits.MAX_STRING * 2)
    assert detect.read(json.dumps(doc).encode()).format == "threat-composer"


@pytest.mark.parametrize(("doc", "path", "message"), [
    ({"summary": {}, "detail": []}, "$.detail", "must be an object, found an array"),
    ({"detail": {"diagrams": {}}}, "$.detail.diagrams", "must be an array, found an object"),
    ({"detail": {"diagrams": [{"cells": [{"id": "a", "shape": "actor", "data": {"name": 5}}]}]}},
     "$.detail.diagrams[0].cells[0].data.name", "must be text, found a number"),
    ({"detail": {"diagrams": [{"cells": [{"shape": "actor", "data": {"name": "x"}}]}]}},
     "$.detail.diagrams[0].cells[0].id", "is required"),
    ({"detail": {"diagrams": [{"cells": [{"id": "a", "shape": "actor"}, {"id": "b", "shape": "process"},
                                         {"id": "c", "shape": "store"},
                                         {"id": "f", "shape": "flow", "source": "a", "target": {"cell": "b"}}]}]}},
     "$.detail.diagrams[0].cells[3].source", "must be an object"),
    ({"detail": {"diagrams": [{"cells": [{"id": "a", "shape": "actor", "data": {"threats": [
        {"title": ["x"]}]}}]}]}}, "$.detail.diagrams[0].cells[0].data.threats[0].title", "must be text"),
    ({"schema": 1, "threats": [{"id": 3.5}]}, "$.threats[0].id", "must be text"),
    ({"schema": 1, "threats": [{"id": "t", "tags": [1]}]}, "$.threats[0].tags[0]", "must be text"),
    ({"otmVersion": "0.2.0"}, "$.project", "is required"),
    ({"otmVersion": "0.2.0", "project": {"name": "p", "id": "p"}, "components": [{"id": "c", "name": "c",
                                                                                "parent": []}]},
     "$.components[0].parent", "must be an object"),
    ({"format": "ai-threat-register/system-export", "version": 2}, "$.version", "not supported"),
    ({"format": "ai-threat-register/system-export", "version": 1, "system": {"name": "s"},
      "risks": [{"id": 1, "title": "t", "status": "won", "likelihood": 3, "impact": 3}]},
     "$.risks[0].status", "'won' is not one of"),
    ({"format": "ai-threat-register/system-export", "version": 1, "system": {"name": "s"},
      "risks": [{"id": 1, "title": "t", "status": "open", "likelihood": 9, "impact": 3}]},
     "$.risks[0].likelihood", "from 1 to 5"),
])
def test_wrong_types_name_their_path(doc, path, message):
    err = problem(json.dumps(doc).encode())
    assert err.path == path and message in err.message, err


@pytest.mark.django_db
def test_unstorable_text_is_replaced(catalog, team, contributor):
    doc = {"summary": {"title": "Nul\u0000 and \ud800 surrogate"}, "detail": {"diagrams": [{"cells": [
        {"id": "a\ud800", "shape": "actor", "data": {"name": "A\u0000"}}]}]}}
    plan = detect.read(json.dumps(doc).encode())
    assert plan.system.name == "Nul and \ufffd surrogate" and plan.components[0].name == "A"
    assert plan.components[0].source_id == "a\ufffd"
    record = services.import_preview(actor=contributor, team=team, data=json.dumps(doc).encode())
    record = services.import_confirm(actor=contributor, record=record, background=False)
    assert record.system.name == "Nul and \ufffd surrogate"


# --- nothing written ---------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_bad_file_writes_nothing(catalog, team, contributor):
    before = (AISystem.objects.count(), ImportRecord.objects.count())
    with pytest.raises(ImportProblem):
        services.import_preview(actor=contributor, team=team, data=td(diagrams=[{"cells": [{"shape": "actor"}]}]))
    assert (AISystem.objects.count(), ImportRecord.objects.count()) == before


@pytest.mark.django_db
def test_a_problem_while_applying_rolls_everything_back(catalog, team, contributor):
    doc = {"format": "ai-threat-register/system-export", "version": 1, "system": {"name": "Broken restore"},
           "components": [{"id": 1, "kind": "input", "name": "In"}, {"id": 2, "kind": "model", "name": "LLM"}],
           "flows": [{"id": 1, "source": 1, "target": 2}],
           "risks": [{"id": 1, "title": "Custom", "status": "open", "likelihood": 3, "impact": 3}],
           "mitigations": [], "privacy_assessment": None, "reviews": [], "reports": [],
           "external_refs": [{"risk": 1, "tracker": "jira", "external_id": "1", "url": "not a url"}]}
    record = services.import_preview(actor=contributor, team=team, data=json.dumps(doc).encode())
    systems = AISystem.objects.count()
    with pytest.raises(ImportProblem) as info:
        services.import_confirm(actor=contributor, record=record, background=False)
    assert info.value.path == "$.external_refs[0]" and "url" in info.value.message
    assert AISystem.objects.count() == systems
    record.refresh_from_db()
    assert record.status == "preview" and record.system is None


@pytest.mark.django_db
def test_object_limits(catalog, team, contributor, monkeypatch):
    from assessments.interop import prepare as prepare_module

    monkeypatch.setattr(prepare_module, "MAX_RISKS", 2)
    with pytest.raises(ImportProblem) as info:
        services.import_preview(actor=contributor, team=team, data=fixture_bytes("claims-triage.tc.json"))
    assert info.value.path == "$.threats[2]" and "at most 2" in info.value.message


# --- hypothesis ----------------------------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False,
                                                                                  allow_infinity=False) | st.text(
    max_size=20)
json_values = st.recursive(json_scalars, lambda children: st.lists(children, max_size=4) | st.dictionaries(
    st.text(max_size=12), children, max_size=4), max_leaves=25)
# Keys the parsers look for, so random documents reach deep into them.
KEYS = ["summary", "detail", "diagrams", "cells", "id", "shape", "type", "data", "name", "threats", "source",
        "target", "cell", "title", "status", "severity", "mitigation", "schema", "applicationInfo", "assumptions",
        "mitigations", "mitigationLinks", "assumptionLinks", "tags", "metadata", "key", "value", "otmVersion",
        "project", "components", "dataflows", "trustZones", "parent", "trustZone", "destination", "risk",
        "likelihood", "impact", "state", "format", "version", "system", "flows", "risks", "kind", "isEncrypted",
        "isPublicNetwork", "isBidirectional", "position", "x", "y", "vertices", "statement", "linkedId",
        "mitigationId", "threat", "attributes", "bidirectional", "external_refs", "residual", "acceptance"]
keyed_values = st.recursive(json_scalars | st.sampled_from(["actor", "process", "store", "flow", "tm.Flow", "Open",
                                                            "High", "exposed", "a", "b"]),
                            lambda children: st.lists(children, max_size=4) | st.dictionaries(
                                st.sampled_from(KEYS), children, max_size=6), max_leaves=40)


def check_plan(plan) -> None:
    """The invariants apply relies on."""
    components = {c.source_id for c in plan.components}
    assert len(components) == len(plan.components)
    for c in plan.components:
        assert c.kind in ComponentKind.values and isinstance(c.name, str) and 0 < len(c.name) <= 200
    for f in plan.flows:
        assert f.source in components and f.target in components and f.source != f.target and len(f.label) <= 200
    for r in plan.risks:
        assert 1 <= r.likelihood <= 5 and 1 <= r.impact <= 5 and 0 < len(r.title) <= 300
        assert r.status in ("suggested", "open", "mitigating", "closed", "dismissed")
        assert r.component is None or isinstance(r.component, str)
    for m in plan.mitigations:
        assert m.status in ("proposed", "planned", "in_progress", "implemented", "verified", "rejected")
        assert 0 < len(m.title) <= 300


def parse_or_problem(module, doc) -> None:
    try:
        plan = normalise(module.parse(Node(doc), filename="fuzz.json"))
    except ImportProblem as exc:
        assert exc.path.startswith("$") and exc.message
        return
    check_plan(plan)


@pytest.mark.parametrize("module", PARSERS, ids=lambda m: m.FORMAT)
@settings(max_examples=300, deadline=None)
@given(doc=json_values | keyed_values)
def test_random_json_never_crashes_a_parser(module, doc):
    parse_or_problem(module, doc)


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))


def _replace(doc, path, new):
    doc = copy.deepcopy(doc)
    if not path:
        return new
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return doc


@pytest.mark.parametrize("fmt", sorted(FIXTURES))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_fixtures_with_random_parts_never_crash(fmt, data):
    doc = json.loads(fixture_bytes(FIXTURES[fmt]))
    paths = list(_paths(doc))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        doc = _replace(doc, path, data.draw(json_values | keyed_values))
        paths = list(_paths(doc))
    parse_or_problem(detect.FORMATS[fmt], doc)


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_random_bytes_never_crash_the_reader(raw):
    try:
        check_plan(detect.read(raw))
    except ImportProblem as exc:
        assert exc.path.startswith("$")


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_prepared_fuzzed_plans_are_checked_or_refused(catalog, team, data):
    """What survives parsing is prepared (answers, users, framework items) without an unexpected error."""
    fmt = data.draw(st.sampled_from(sorted(FIXTURES)))
    doc = json.loads(fixture_bytes(FIXTURES[fmt]))
    path = data.draw(st.sampled_from(list(_paths(doc))))
    doc = _replace(doc, path, data.draw(json_values | keyed_values))
    try:
        plan = detect.read(json.dumps(doc).encode())
        prepared = prepare(plan, team=team)
    except ImportProblem:
        return
    assert set(prepared.kinds) == {c.source_id for c in plan.components}
