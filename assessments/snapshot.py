"""A canonical snapshot of a system's register, and its SHA-256: what a sign-off (and a report) pins.

The snapshot holds the decisions, not the bookkeeping: every risk and mitigation with its status,
scores, treatment, owner and dates, and the links between them; no timestamps or versions, so the
same register always hashes the same. Four queries whatever the size of the register.
"""

import hashlib
import json
from collections import Counter

from django.core.serializers.json import DjangoJSONEncoder

from . import scoring
from .fields import MITIGATION_SNAPSHOT, RISK_SNAPSHOT
from .models import Mitigation, Risk

RISK_COLUMNS = RISK_SNAPSHOT
MITIGATION_COLUMNS = MITIGATION_SNAPSHOT


def register_snapshot(system) -> dict:
    risks = [dict(zip(RISK_COLUMNS, row, strict=True)) for row in
             Risk.objects.filter(system=system).order_by("id").values_list(*RISK_COLUMNS)]
    mitigations = [dict(zip(MITIGATION_COLUMNS, row, strict=True)) for row in
                   Mitigation.objects.filter(system=system).order_by("id").values_list(*MITIGATION_COLUMNS)]
    links = sorted(Mitigation.risks.through.objects.filter(mitigation__system=system)
                   .values_list("risk_id", "mitigation_id"))
    custom = sorted(Risk.custom_mappings.through.objects.filter(risk__system=system)
                    .values_list("risk_id", "frameworkitem_id"))
    for r in risks:
        r["template"] = r.pop("template__ref")
    for m in mitigations:
        m["control"] = m.pop("control__ref")
    return {"system": system.pk, "risks": risks, "mitigations": mitigations,
            "links": [list(pair) for pair in links], "custom_mappings": [list(pair) for pair in custom]}


def canonical_bytes(snapshot: dict) -> bytes:
    return json.dumps(snapshot, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def register_hash(snapshot: dict) -> str:
    return hashlib.sha256(canonical_bytes(snapshot)).hexdigest()


def register_summary(snapshot: dict, matrix=None) -> dict:
    risks = snapshot["risks"]
    return {
        "risks": len(risks),
        "mitigations": len(snapshot["mitigations"]),
        "risks_by_status": dict(sorted(Counter(r["status"] for r in risks).items())),
        "risks_by_band": dict(sorted(Counter(scoring.band(r["likelihood"], r["impact"], matrix) for r in risks
                                             if r["status"] != "dismissed").items())),
        "residual_by_band": dict(sorted(Counter(scoring.band(r["residual_likelihood"], r["residual_impact"], matrix)
                                                for r in risks if r["status"] != "dismissed").items())),
        "mitigations_by_status": dict(sorted(Counter(m["status"] for m in snapshot["mitigations"]).items())),
    }
