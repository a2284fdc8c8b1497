"""Benchmark: a 1 MB Threat Dragon model with 2,000 threats, previewed and applied, end to end.

The model: 100 processes and stores in a chain of flows, 20 threats on each element (every threat its own
risk, a quarter with mitigation text), padded descriptions so the file is about 1 MB. Measured: the
preview (parse + check), the apply (one transaction: new objects in bulk, the audit chain, the engine's
on-commit hook, run eagerly here) and a re-import of a new version with one threat changed (an update:
only what changed is written). Target from issue 16: the apply within 10 s. Anchor: parsing
the file alone.
"""

import json
import time
import uuid

from tests.bench.common import result, size, throwaway_database

ELEMENTS = size(100, 5)
THREATS_PER_ELEMENT = 20
TARGET_APPLY_S = 10.0


def threat_dragon_model(elements: int = ELEMENTS, per_element: int = THREATS_PER_ELEMENT) -> bytes:
    cells = []
    for i in range(elements):
        threats = [{
            "id": str(uuid.UUID(int=i * 1000 + t + 1)), "title": f"Threat {t} of element {i}",
            "type": "Tampering", "status": ["Open", "Mitigated", "NotApplicable"][t % 3],
            "severity": ["Low", "Medium", "High"][t % 3], "modelType": "STRIDE",
            "description": f"How element {i} can be attacked, variant {t}. " + "Detail. " * 40,
            "mitigation": f"Control {t % 5} for element {i}" if t % 4 == 0 else ""} for t in range(per_element)]
        cells.append({"id": f"e{i}", "shape": "process" if i % 2 else "store",
                      "position": {"x": 40 * i, "y": 100}, "size": {"width": 80, "height": 80},
                      "data": {"name": f"Element {i}", "type": "tm.Process" if i % 2 else "tm.Store",
                               "description": "", "threats": threats}})
        if i:
            cells.append({"id": f"f{i}", "shape": "flow", "source": {"cell": f"e{i - 1}"}, "target": {"cell": f"e{i}"},
                          "data": {"name": f"flow {i}", "type": "tm.Flow", "threats": []}})
    doc = {"version": "2.2.0", "summary": {"title": "Bench model", "description": "generated"},
           "detail": {"contributors": [], "diagrams": [{"id": 0, "title": "Main", "diagramType": "STRIDE",
                                                         "version": "2.2.0", "cells": cells}]}}
    return json.dumps(doc).encode()


def measure() -> dict:
    from django.core.management import call_command

    from assessments.interop import detect, services
    from assessments.models import Risk
    from tests.factories import UserFactory
    from threatmodel.models import Membership, Team

    call_command("load_catalog", quiet=True)
    data = threat_dragon_model()
    started = time.perf_counter()
    detect.read(data, filename="bench.json")
    parse_s = time.perf_counter() - started
    team = Team.objects.create(name="Bench interop", slug=f"bench-interop-{uuid.uuid4().hex[:8]}")
    user = UserFactory(username=f"bench-{team.slug}")
    Membership.objects.create(team=team, user=user, role="owner")
    started = time.perf_counter()
    record = services.import_preview(actor=user, team=team, data=data, filename="bench.json")
    preview_s = time.perf_counter() - started
    started = time.perf_counter()
    record = services.import_confirm(actor=user, record=record, background=False)
    apply_s = time.perf_counter() - started
    # A new version of the model: one threat renamed. The import updates the system, writing only that risk.
    doc = json.loads(data)
    doc["detail"]["diagrams"][0]["cells"][0]["data"]["threats"][0]["title"] = "Renamed threat"
    again = services.import_preview(actor=user, team=team, data=json.dumps(doc).encode(), filename="bench.json")
    started = time.perf_counter()
    again = services.import_confirm(actor=user, record=again, background=False)
    reimport_s = time.perf_counter() - started
    assert again.system_id == record.system_id and again.summary["updated"] == {"risks": 1}, again.summary
    return {"bytes": len(data), "parse": parse_s, "preview": preview_s, "apply": apply_s, "reimport": reimport_s,
            "risks": Risk.objects.filter(system=record.system).count()}


def run() -> list[dict]:
    with throwaway_database("bench_interop") as where:
        m = measure()
    what = f"{m['bytes'] / 1e6:.2f} MB, {m['risks']} risks; {where}"
    anchor = f"parsing the file alone: {m['parse']:.2f} s"
    return [
        result(name=f"Threat Dragon import, apply ({what})", value=round(m["apply"], 2), unit="s",
               target=TARGET_APPLY_S, anchor=anchor, anchor_value=m["parse"]),
        result(name=f"Threat Dragon re-import of a new version, one threat changed ({what})",
               value=round(m["reimport"], 2), unit="s", target=TARGET_APPLY_S, anchor=anchor,
               anchor_value=m["parse"]),
        result(name=f"Threat Dragon import, preview ({what})", value=round(m["preview"], 2), unit="s",
               target=TARGET_APPLY_S, anchor=anchor, anchor_value=m["parse"]),
    ]
