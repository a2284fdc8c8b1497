"""The privacy impact assessment report's content: the answers (marked where inferred), DPIA screening, risks."""

from ...privacy import vocab
from ...privacy.resolve import INFERRED
from ...privacy.schema import FIELD_LABELS, categories_special
from ...privacy.selectors import personal_data_flows, privacy_risks, privacy_state
from .assurance import risk_ref
from .dpia import dpia_sections
from .scope import audit_section, catalog_section, generated_section, iso_date, person, scope_section, stamp

YES_NO = {True: "Yes", False: "No", None: "Not answered"}
STATE_LABELS = {"inferred": "Inferred from the model, not yet confirmed", "confirmed": "Confirmed",
                "edited": "Set by a person"}


def _labels(choices, values) -> list[str]:
    return [vocab.label_of(choices, v) for v in values or []]


def _answer(state, path: str, text) -> dict:
    a = state.resolved.answers[path]
    return {"path": path, "label": FIELD_LABELS.get(path.split(".")[0], path), "text": text, "state": a.state,
            "state_label": STATE_LABELS.get(a.state, ""), "because": list(a.because)}


def _describe(state) -> dict:
    v = state.values
    residency = v["residency"]
    erasure = []
    for key, label in vocab.ERASURE_TARGETS:
        entry = v["erasure"][key]
        erasure.append({"key": key, "label": label, "applies": YES_NO[entry["applies"]],
                        "mechanism": vocab.label_of(vocab.ERASURE_MECHANISMS, entry["mechanism"])
                        if entry["mechanism"] else "", "detail": entry["detail"]})
    transfers = [{**t, "role_label": vocab.label_of(vocab.TRANSFER_ROLES, t["role"]) if t["role"] else "",
                  "safeguard_labels": _labels(vocab.SAFEGUARDS, t["safeguards"])} for t in v["transfers"]]
    purposes = [{**p, "legal_basis_label": vocab.label_of(vocab.LEGAL_BASES, p["legal_basis"])
                 if p["legal_basis"] else "Not determined"} for p in v["purposes"]]
    secondary = v["secondary_use"]
    deid = v["deidentification"]
    categories = categories_special(v["data_categories"])
    return {
        "processes_personal_data": _answer(state, "processes_personal_data", YES_NO[v["processes_personal_data"]]),
        "processing_description": v["processing_description"],
        "purposes": purposes,
        "data_subjects": _answer(state, "data_subjects", _labels(vocab.DATA_SUBJECTS, v["data_subjects"])),
        "data_categories": _answer(state, "data_categories", categories),
        "special_categories": [c["label"] for c in categories if c["special"]],
        "sources": _answer(state, "sources", _labels(vocab.SOURCES, v["sources"])),
        "regimes": _answer(state, "regimes", _labels(vocab.REGIMES, v["regimes"])),
        "residency": {"stored_in": residency.get("stored_in", []), "processed_in": residency.get("processed_in", []),
                      "note": residency.get("note", "")},
        "transfers": _answer(state, "transfers", transfers),
        "rights_process": v["rights_process"],
        "erasure": _answer(state, "erasure", erasure),
        "secondary_use": _answer(state, "secondary_use", {
            "training": YES_NO[secondary["training"]],
            "basis": vocab.label_of(vocab.SECONDARY_USE_BASES, secondary["basis"]) if secondary["basis"] else "",
            "detail": secondary["detail"]}),
        "deidentification": {
            "techniques": _labels(vocab.DEIDENTIFICATION_TECHNIQUES, deid.get("techniques")),
            "risk": vocab.label_of(vocab.REIDENTIFICATION_RISK, deid.get("reidentification_risk"))
            if deid.get("reidentification_risk") else "Not assessed",
            "detail": deid.get("detail", "")},
    }


def _inferred_list(state) -> list[dict]:
    out = []
    for path, a in state.resolved.answers.items():
        if a.state != INFERRED:
            continue
        name, _, key = path.partition(".")
        label = FIELD_LABELS.get(name, name)
        if key:
            label = f"DPIA criterion: {vocab.label_of(vocab.EDPB_CRITERIA, key)}"
        out.append({"path": path, "label": label, "because": list(a.because)})
    return out


def pia_content(system, *, generated_by=None, generated_at=None) -> dict:
    state = privacy_state(system)
    a = state.assessment
    risks = privacy_risks(system)
    for r in risks:
        r.system = system
    flows = personal_data_flows(system)
    return {
        "kind": "pia",
        "title": f"Privacy impact assessment: {system.name}",
        "system": scope_section(system),
        "catalog": catalog_section(system),
        "assessment": {"exists": a is not None, "version": state.version,
                       "updated_at": stamp(a.updated_at) if a else ""},
        "answers": _describe(state),
        "dpia_sections": dpia_sections(state.values),
        "inferred": _inferred_list(state),
        "dpia": state.screening.as_dict(),
        "risks": [{"ref": risk_ref(r.pk), "title": r.title, "template": r.template.ref if r.template_id else "",
                   "component": r.component.name if r.component_id else "", "status": r.get_status_display(),
                   "band": r.band, "residual_band": r.residual_band, "owner": person(r.owner), "due": iso_date(r.due),
                   "treatment": r.get_treatment_display() if r.treatment else "Undecided"} for r in risks],
        "personal_data_flows": [{"source": f.source.name, "target": f.target.name, "label": f.label,
                                 "crosses_boundary": (f.answers or {}).get("crosses_trust_boundary") is True,
                                 "encrypted": YES_NO[(f.answers or {}).get("encrypted_in_transit")]} for f in flows],
        "sign_off": {"signed": bool(a and a.signed_off_at), "current": bool(a and a.signed_off),
                     "by": a.signed_off_label if a else "", "at": stamp(a.signed_off_at) if a else "",
                     "date": a.signed_off_at.date().isoformat() if a and a.signed_off_at else "",
                     "version": a.signed_off_version if a else None, "comment": a.sign_off_comment if a else "",
                "measures_approved_by": a.measures_approved_by if a else "",
                "residual_approved_by": a.residual_approved_by if a else "",
                "dpo_advice": a.dpo_advice if a else "", "dpo_advice_by": a.dpo_advice_label if a else "",
                "dpo_advice_followed": a.dpo_advice_followed if a else None,
                "dpo_overruled_reason": a.dpo_overruled_reason if a else "",
                "review_date": iso_date(a.review_date) if a else ""},
        "audit": audit_section(system),
        "generated": generated_section(generated_by, generated_at),
    }
