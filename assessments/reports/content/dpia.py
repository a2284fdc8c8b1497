"""The DPIA sections of the privacy report (ICO's seven steps, GDPR Art. 35(7)(a)-(d)) and its regime modules.

Every element says what was answered; what is not is listed under ``missing`` for its section, so the
report flags it instead of printing a blank.
"""

from ...privacy import dpia_fields as f
from ...privacy import vocab

REGIME_MODULES = {
    "gdpr": "GDPR (EU / UK)",
    "coppa": "COPPA (children's privacy, US)",
    "ccpa": "CCPA / CPRA (California)",
    "hipaa": "HIPAA (US health data)",
    "pdpa": "PDPA (Singapore, Thailand and similar)",
}
YES_NO = {True: "Yes", False: "No", None: "Not answered"}


def _label(choices, value, empty="Not answered") -> str:
    return vocab.label_of(choices, value) if value else empty


def _regime_rows(regime: str, d: dict) -> list[dict]:
    if regime == "coppa":
        return [{"q": "Verifiable parental consent, or the school's authorisation", "a": _label(f.COPPA_CONSENT,
                                                                                               d.get("consent"))}]
    if regime == "ccpa":
        return [{"q": "Notice at collection", "a": YES_NO[d.get("notice_at_collection")]},
                {"q": "Opt-out of sale or sharing", "a": _label(f.CCPA_OPT_OUT, d.get("opt_out"))},
                {"q": "Use of sensitive personal information limited", "a": YES_NO[d.get("sensitive_limit")]}]
    if regime == "hipaa":
        return [{"q": "Business associate agreement signed", "a": YES_NO[d.get("baa")]},
                {"q": "Minimum necessary standard: how it is met", "a": d.get("minimum_necessary") or "Not answered"}]
    if regime == "pdpa":
        return [{"q": "Consent obtained", "a": YES_NO[d.get("consent")]},
                {"q": "Purposes notified", "a": YES_NO[d.get("purpose_notification")]},
                {"q": "Transfer limitation: how transfers abroad meet it",
                 "a": d.get("transfer_limitation") or "Not answered"}]
    return []


def regime_modules(values: dict) -> list[dict]:
    out = []
    for regime in values["regimes"]:
        if regime == "gdpr":
            continue  # the DPIA itself is the GDPR module
        d = values["regime_details"].get(regime) or {}
        out.append({"key": regime, "label": REGIME_MODULES.get(regime, regime), "rows": _regime_rows(regime, d),
                    "detail": d.get("detail", ""), "missing": f.regime_missing(regime, d)})
    return out


def dpia_sections(values: dict) -> dict:
    v = values
    missing = f.missing(v)
    risks = []
    for r in v["individual_risks"]:
        risks.append({**r, "feared_labels": [vocab.label_of(f.FEARED_EVENTS, e) for e in r["feared_events"]],
                      "likelihood_label": _label(f.LIKELIHOOD, r["likelihood"]),
                      "severity_label": _label(f.SEVERITY, r["severity"]),
                      "level": f.risk_level(r["likelihood"], r["severity"]),
                      "residual_likelihood_label": _label(f.LIKELIHOOD, r["residual_likelihood"]),
                      "residual_severity_label": _label(f.SEVERITY, r["residual_severity"]),
                      "residual_level": f.risk_level(r["residual_likelihood"], r["residual_severity"])})
    feared = [{"key": k, "label": label, "risks": [r["title"] for r in risks if k in r["feared_events"]]}
              for k, label in f.FEARED_EVENTS]
    c = v["conclusion"]
    scope = v["scope"]
    return {
        "parties": v["parties"],
        "scope": {**scope, "people_text": f"{scope['people']:,}" if scope["people"] is not None else "",
                  "records_text": f"{scope['records']:,}" if scope["records"] is not None else ""},
        "context": v["context"],
        "consultation": [{**e, "who_label": vocab.label_of(f.CONSULTEES, e["who"])}
                         for e in v["consultation"]["entries"]],
        "not_consulted_reason": v["consultation"]["not_consulted_reason"],
        "necessity": [{"key": k, "label": label, "text": v["necessity"][k]} for k, label in f.NECESSITY],
        "individual_risks": risks,
        "feared_events": feared,
        "overall_residual": f.overall_residual(v["individual_risks"]),
        "conclusion": {"summary": c["summary"], "art36": c["art36"],
                       "art36_label": _label(f.ART36, c["art36"]), "art36_reason": c["art36_reason"],
                       "suggested": "needed" if f.overall_residual(v["individual_risks"]) == "high" else
                       ("not_needed" if v["individual_risks"] else "")},
        "regimes": regime_modules(v),
        "missing": missing,
        "complete": not any(missing.values()),
    }
