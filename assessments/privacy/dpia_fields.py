"""The DPIA's own answers (ICO template steps 2-6, GDPR Art. 35(7)(a)-(d)) and the regime modules.

Each field is plain JSON cleaned here, with the exact place of a problem named (``individual_risks[0].
severity``). ``missing`` lists, per DPIA element, what is not answered yet: the report flags each as
missing instead of leaving a blank.
"""

from . import vocab

PARTY_KEYS = ("controller", "processors", "dpo", "legitimate_interests")
SCOPE_KEYS = ("people", "records", "frequency", "geography", "duration")
CONTEXT_KEYS = ("relationship", "expectations", "vulnerable", "concerns")
NECESSITY = (
    ("minimisation", "Data minimisation: why each category is needed and nothing more"),
    ("accuracy", "Accuracy: how the data is kept accurate and up to date"),
    ("retention_justification", "Retention and its justification"),
    ("transparency", "Transparency: how people are told"),
    ("rights", "How people's rights are honoured (access, rectification, erasure, objection)"),
    ("processor_contracts", "Processors under Art. 28 contracts"),
    ("transfer_safeguards", "International transfers and their safeguards"),
    ("art9_condition", "Art. 9 condition for special-category data"),
    ("art22_safeguards", "Art. 22 safeguards for automated decisions"),
)
NECESSITY_KEYS = tuple(k for k, _ in NECESSITY)
CONSULTEES = (
    ("data_subjects", "People affected"),
    ("representatives", "Representatives of the people affected"),
    ("processors", "Processors"),
    ("security", "Information security"),
    ("experts", "Experts (legal, ethics, domain)"),
    ("dpo", "Data protection officer"),
    ("other", "Other"),
)
FEARED_EVENTS = (
    ("illegitimate_access", "Illegitimate access to personal data"),
    ("unwanted_modification", "Unwanted modification of personal data"),
    ("disappearance", "Disappearance of personal data"),
)
LIKELIHOOD = (("remote", "Remote"), ("possible", "Possible"), ("probable", "Probable"))
SEVERITY = (("minimal", "Minimal"), ("significant", "Significant"), ("severe", "Severe"))
LEVELS = ("low", "medium", "high")
ART36 = (("not_needed", "Not needed: no high residual risk remains"),
         ("needed", "Needed: a high residual risk remains; consult the supervisory authority before processing"))
COPPA_CONSENT = (("verifiable_parental_consent", "Verifiable parental consent"),
                 ("school_authorisation", "The school's authorisation (educational context only)"),
                 ("none", "Not obtained yet"))
CCPA_OPT_OUT = (("provided", "Opt-out of sale or sharing offered"),
                ("no_sale_or_sharing", "Personal information is neither sold nor shared"),
                ("none", "Not addressed yet"))
REGIME_KEYS = {"coppa": ("consent", "detail"),
               "ccpa": ("notice_at_collection", "opt_out", "sensitive_limit", "detail"),
               "hipaa": ("baa", "minimum_necessary", "detail"),
               "pdpa": ("consent", "purpose_notification", "transfer_limitation", "detail")}
DPIA_FIELDS = ("parties", "scope", "context", "consultation", "necessity", "individual_risks", "conclusion",
               "regime_details")
FIELD_LABELS = {
    "parties": "Controller, processors and DPO",
    "scope": "Scope of the processing",
    "context": "Context of the processing",
    "consultation": "Consultation",
    "necessity": "Necessity and proportionality",
    "individual_risks": "Risks to individuals",
    "conclusion": "Conclusion and Art. 36 decision",
    "regime_details": "Regime modules",
}

# What the privacy page asks for each DPIA answer, declared once: the form is built from these.
# (path, label, kind[, choices]) with kind one of "text" (a line), "long" (a paragraph), "count" (a whole
# number or unknown), "lines" (a list, one item per line), "choice", "multi" (several choices), "tri" (yes,
# no or unknown). ROWS are the lists of records (one small form per entry).
FORM_FIELDS = (
    ("parties.controller", "Controller", "text"),
    ("parties.processors", "Processors (one per line)", "lines"),
    ("parties.dpo", "Data protection officer", "text"),
    ("parties.legitimate_interests", "The legitimate interest pursued (where that is a lawful basis)", "long"),
    ("scope.people", "Number of people concerned", "count"),
    ("scope.records", "Volume of records", "count"),
    ("scope.frequency", "How often the processing happens", "text"),
    ("scope.geography", "Geographical area (one country or region per line)", "lines"),
    ("scope.duration", "How long the processing and the data last", "text"),
    ("context.relationship", "Relationship with the people", "long"),
    ("context.expectations", "What the people would expect", "long"),
    ("context.vulnerable", "Children or vulnerable people involved", "long"),
    ("context.concerns", "Prior concerns, public concerns, novelty", "long"),
    ("consultation.not_consulted_reason", "If nobody was consulted: why", "long"),
    *((f"necessity.{key}", label, "long") for key, label in NECESSITY),
    ("conclusion.summary", "Overall residual-risk conclusion", "long"),
    ("conclusion.art36", "Art. 36 prior consultation with the supervisory authority", "choice", ART36),
    ("conclusion.art36_reason", "Why (the Art. 36 decision)", "long"),
    ("regime_details.coppa.consent", "COPPA: consent", "choice", COPPA_CONSENT),
    ("regime_details.coppa.detail", "COPPA: how it is obtained", "long"),
    ("regime_details.ccpa.notice_at_collection", "CCPA/CPRA: notice at collection given", "tri"),
    ("regime_details.ccpa.opt_out", "CCPA/CPRA: opt-out of sale or sharing", "choice", CCPA_OPT_OUT),
    ("regime_details.ccpa.sensitive_limit", "CCPA/CPRA: use of sensitive personal information limited", "tri"),
    ("regime_details.ccpa.detail", "CCPA/CPRA: detail", "long"),
    ("regime_details.hipaa.baa", "HIPAA: business associate agreement signed", "tri"),
    ("regime_details.hipaa.minimum_necessary", "HIPAA: how the minimum necessary standard is met", "long"),
    ("regime_details.hipaa.detail", "HIPAA: detail", "long"),
    ("regime_details.pdpa.consent", "PDPA: consent obtained", "tri"),
    ("regime_details.pdpa.purpose_notification", "PDPA: purposes notified", "tri"),
    ("regime_details.pdpa.transfer_limitation", "PDPA: how the transfer limitation obligation is met", "long"),
    ("regime_details.pdpa.detail", "PDPA: detail", "long"),
)
ROWS = {
    "consultation.entries": (("who", "Who", "choice", CONSULTEES), ("name", "Name or group", "text"),
                             ("when", "When", "text"), ("said", "What they said", "long")),
    "individual_risks": (("title", "Risk to individuals", "text"), ("harm", "The harm to people", "long"),
                         ("feared_events", "Feared events", "multi", FEARED_EVENTS),
                         ("likelihood", "Likelihood", "choice", LIKELIHOOD),
                         ("severity", "Severity", "choice", SEVERITY), ("measures", "Measures", "long"),
                         ("effect", "Effect of the measures", "long"),
                         ("residual_likelihood", "Residual likelihood", "choice", LIKELIHOOD),
                         ("residual_severity", "Residual severity", "choice", SEVERITY)),
}


def defaults() -> dict:
    return {
        "parties": {"controller": "", "processors": [], "dpo": "", "legitimate_interests": ""},
        "scope": {"people": None, "records": None, "frequency": "", "geography": [], "duration": ""},
        "context": dict.fromkeys(CONTEXT_KEYS, ""),
        "consultation": {"entries": [], "not_consulted_reason": ""},
        "necessity": dict.fromkeys(NECESSITY_KEYS, ""),
        "individual_risks": [],
        "conclusion": {"summary": "", "art36": "", "art36_reason": ""},
        "regime_details": {"coppa": {"consent": "", "detail": ""},
                           "ccpa": {"notice_at_collection": None, "opt_out": "", "sensitive_limit": None, "detail": ""},
                           "hipaa": {"baa": None, "minimum_necessary": "", "detail": ""},
                           "pdpa": {"consent": None, "purpose_notification": None, "transfer_limitation": "",
                                    "detail": ""}},
    }


def risk_level(likelihood: str, severity: str) -> str:
    """The ICO template's matrix: remote/possible/probable x minimal/significant/severe -> low/medium/high."""
    if not likelihood or not severity:
        return ""
    score = (1 + [k for k, _ in LIKELIHOOD].index(likelihood)) * (1 + [k for k, _ in SEVERITY].index(severity))
    return "low" if score <= 2 else "medium" if score <= 4 else "high"


def _count(value, path, err) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        err.add(path, "Must be a whole number of 0 or more, or null (unknown).")
        return None
    return value


def clean(name: str, value, err, s) -> object:
    """Clean one DPIA field; ``s`` is the schema module (its primitive cleaners)."""
    p = name
    if name == "parties":
        obj = s._object(value, PARTY_KEYS, p, err)
        return {"controller": s._text(obj.get("controller"), f"{p}.controller", err, s.SHORT_MAX),
                "processors": s._str_list(obj.get("processors"), f"{p}.processors", err),
                "dpo": s._text(obj.get("dpo"), f"{p}.dpo", err, s.SHORT_MAX),
                "legitimate_interests": s._text(obj.get("legitimate_interests"), f"{p}.legitimate_interests", err)}
    if name == "scope":
        obj = s._object(value, SCOPE_KEYS, p, err)
        return {"people": _count(obj.get("people"), f"{p}.people", err),
                "records": _count(obj.get("records"), f"{p}.records", err),
                "frequency": s._text(obj.get("frequency"), f"{p}.frequency", err, s.SHORT_MAX),
                "geography": s._str_list(obj.get("geography"), f"{p}.geography", err),
                "duration": s._text(obj.get("duration"), f"{p}.duration", err, s.SHORT_MAX)}
    if name == "context":
        obj = s._object(value, CONTEXT_KEYS, p, err)
        return {k: s._text(obj.get(k), f"{p}.{k}", err) for k in CONTEXT_KEYS}
    if name == "consultation":
        obj = s._object(value, ("entries", "not_consulted_reason"), p, err)

        def entry(item, path):
            item = s._object(item, ("who", "name", "when", "said"), path, err)
            return {"who": s._choice(item.get("who"), CONSULTEES, f"{path}.who", err, blank=False),
                    "name": s._text(item.get("name"), f"{path}.name", err, s.SHORT_MAX),
                    "when": s._text(item.get("when"), f"{path}.when", err, s.SHORT_MAX, required=True),
                    "said": s._text(item.get("said"), f"{path}.said", err, required=True)}

        return {"entries": s._records(obj.get("entries"), f"{p}.entries", err, entry),
                "not_consulted_reason": s._text(obj.get("not_consulted_reason"), f"{p}.not_consulted_reason", err)}
    if name == "necessity":
        obj = s._object(value, NECESSITY_KEYS, p, err)
        return {k: s._text(obj.get(k), f"{p}.{k}", err) for k in NECESSITY_KEYS}
    if name == "individual_risks":
        def risk(item, path):
            item = s._object(item, ("title", "harm", "feared_events", "likelihood", "severity", "measures", "effect",
                                    "residual_likelihood", "residual_severity"), path, err)
            return {"title": s._text(item.get("title"), f"{path}.title", err, s.SHORT_MAX, required=True),
                    "harm": s._text(item.get("harm"), f"{path}.harm", err),
                    "feared_events": s._multi(item.get("feared_events"), FEARED_EVENTS, f"{path}.feared_events", err),
                    "likelihood": s._choice(item.get("likelihood"), LIKELIHOOD, f"{path}.likelihood", err),
                    "severity": s._choice(item.get("severity"), SEVERITY, f"{path}.severity", err),
                    "measures": s._text(item.get("measures"), f"{path}.measures", err),
                    "effect": s._text(item.get("effect"), f"{path}.effect", err),
                    "residual_likelihood": s._choice(item.get("residual_likelihood"), LIKELIHOOD,
                                                     f"{path}.residual_likelihood", err),
                    "residual_severity": s._choice(item.get("residual_severity"), SEVERITY,
                                                   f"{path}.residual_severity", err)}

        return s._records(value, p, err, risk)
    if name == "conclusion":
        obj = s._object(value, ("summary", "art36", "art36_reason"), p, err)
        return {"summary": s._text(obj.get("summary"), f"{p}.summary", err, s.TEXT_MAX),
                "art36": s._choice(obj.get("art36"), ART36, f"{p}.art36", err),
                "art36_reason": s._text(obj.get("art36_reason"), f"{p}.art36_reason", err)}
    if name == "regime_details":
        obj = s._object(value, tuple(REGIME_KEYS), p, err)
        base = defaults()["regime_details"]
        out = {}
        for regime, keys in REGIME_KEYS.items():
            entry = s._object(obj.get(regime), keys, f"{p}.{regime}", err)
            row = dict(base[regime])
            for key in keys:
                where = f"{p}.{regime}.{key}"
                if isinstance(base[regime][key], str) and key in ("consent", "opt_out") and regime in ("coppa",
                                                                                                         "ccpa"):
                    row[key] = s._choice(entry.get(key), COPPA_CONSENT if regime == "coppa" else CCPA_OPT_OUT,
                                         where, err)
                elif base[regime][key] is None:
                    row[key] = s._bool(entry.get(key), where, err)
                else:
                    row[key] = s._text(entry.get(key), where, err)
            out[regime] = row
        return out
    raise KeyError(name)


def missing(values: dict) -> dict[str, list[str]]:
    """{DPIA element: [what is missing]} for the effective answers ``values``; empty lists are complete."""
    v = values
    parties, scope, context = v["parties"], v["scope"], v["context"]
    out: dict[str, list[str]] = {k: [] for k in ("processing", "consultation", "necessity", "risks", "measures",
                                                 "conclusion", "regimes")}
    proc = out["processing"]
    if not v["processing_description"]:
        proc.append("nature of the processing (description)")
    if scope["people"] is None:
        proc.append("number of people concerned")
    if scope["records"] is None:
        proc.append("volume of records")
    if not scope["frequency"]:
        proc.append("frequency of the processing")
    if not scope["geography"]:
        proc.append("geographical area")
    if not context["relationship"]:
        proc.append("relationship with the people")
    if not context["expectations"]:
        proc.append("what people would expect")
    if not v["purposes"]:
        proc.append("purposes")
    if any(p["legal_basis"] == "legitimate_interests" for p in v["purposes"]) and not parties["legitimate_interests"]:
        proc.append("the legitimate interest pursued")
    if not parties["controller"]:
        proc.append("controller")
    if not parties["dpo"]:
        proc.append("data protection officer")
    if not v["consultation"]["entries"] and not v["consultation"]["not_consulted_reason"]:
        out["consultation"].append("who was consulted, when and what they said (or why nobody was)")
    nec = v["necessity"]
    special = any(c["category"] in vocab.SPECIAL_CATEGORIES for c in v["data_categories"])
    automated = v["dpia_criteria"].get("automated_decision", {}).get("applies") is True
    for key, label in NECESSITY:
        if nec[key]:
            continue
        if key == "art9_condition" and not special:
            continue
        if key == "art22_safeguards" and not automated:
            continue
        if key == "transfer_safeguards" and not v["transfers"]:
            continue
        if key == "processor_contracts" and not (parties["processors"] or v["transfers"]):
            continue
        out["necessity"].append(label)
    if any(p["purpose"] and not p["legal_basis"] for p in v["purposes"]):
        out["necessity"].append("a lawful basis for every purpose")
    risks = v["individual_risks"]
    if not risks:
        out["risks"].append("risks to individuals (none recorded)")
    covered = {e for r in risks for e in r["feared_events"]}
    for key, label in FEARED_EVENTS:
        if risks and key not in covered:
            out["risks"].append(f"feared event not assessed: {label.lower()}")
    for i, r in enumerate(risks):
        name = r["title"] or f"risk {i + 1}"
        if not r["harm"]:
            out["risks"].append(f"{name}: the harm to people")
        if not (r["likelihood"] and r["severity"]):
            out["risks"].append(f"{name}: likelihood and severity")
        if not r["measures"]:
            out["measures"].append(f"{name}: measures")
        if not (r["residual_likelihood"] and r["residual_severity"]):
            out["measures"].append(f"{name}: residual risk")
    c = v["conclusion"]
    if not c["summary"]:
        out["conclusion"].append("overall residual-risk conclusion")
    if not c["art36"]:
        out["conclusion"].append("Art. 36 decision (prior consultation needed or not)")
    elif not c["art36_reason"]:
        out["conclusion"].append("the reason for the Art. 36 decision")
    for regime in v["regimes"]:
        out["regimes"] += [f"{regime.upper()}: {m}" for m in regime_missing(regime, v["regime_details"])]
    return out


def regime_missing(regime: str, details: dict) -> list[str]:
    d = details.get(regime) or {}
    if regime == "coppa":
        return [] if d.get("consent") not in ("", "none", None) else ["verifiable parental consent or the school's "
                                                                        "authorisation"]
    if regime == "ccpa":
        out = []
        if d.get("notice_at_collection") is not True:
            out.append("notice at collection")
        if d.get("opt_out") in ("", "none", None):
            out.append("opt-out of sale or sharing")
        if d.get("sensitive_limit") is None:
            out.append("limit on the use of sensitive personal information")
        return out
    if regime == "hipaa":
        out = [] if d.get("baa") is True else ["business associate agreement"]
        return out + ([] if d.get("minimum_necessary") else ["minimum necessary standard"])
    if regime == "pdpa":
        out = [] if d.get("consent") is True else ["consent"]
        out += [] if d.get("purpose_notification") is True else ["notification of purposes"]
        return out + ([] if d.get("transfer_limitation") else ["transfer limitation obligation"])
    return []


def overall_residual(risks: list[dict]) -> str:
    levels = [risk_level(r["residual_likelihood"], r["residual_severity"]) for r in risks]
    levels = [lv for lv in levels if lv]
    return max(levels, key=LEVELS.index) if levels else ""
