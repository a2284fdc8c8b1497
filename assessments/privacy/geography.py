"""Regimes from where the people are: the assessment's stated geography, the people concerned and the
system's own answer. A regime is suggested only when the answers show it (children and the US for COPPA,
an EU/EEA/UK country for the GDPR, California for the CCPA/CPRA, Singapore or Thailand for a PDPA,
health data in the US for HIPAA, to be confirmed by whoever knows whether the organisation is covered).
"""

from . import vocab

EU_AREAS = frozenset({"eu", "eea", "europe", "uk", "gb", "united kingdom", "at", "be", "bg", "hr", "cy", "cz", "dk",
                      "ee", "fi", "fr", "de", "gr", "hu", "ie", "it", "lv", "lt", "lu", "mt", "nl", "pl", "pt", "ro",
                      "sk", "si", "es", "se", "is", "li", "no", "austria", "belgium", "france", "germany", "ireland",
                      "italy", "netherlands", "poland", "portugal", "spain", "sweden", "norway", "denmark",
                      "finland"})
US_AREAS = frozenset({"us", "usa", "united states", "united states of america"})
CALIFORNIA = frozenset({"us-ca", "california", "ca (us)"})
PDPA_AREAS = frozenset({"sg", "singapore", "th", "thailand"})


def regimes_from(named: list, users: list, eff: dict, out: dict) -> tuple[list, tuple] | None:
    found: dict[str, list[str]] = {}
    for regime in named:
        label = vocab.label_of(vocab.REGIMES, regime)
        found.setdefault(regime, []).append(f"the system's answer 'regimes' lists {label}")
    geo = set(eff["geography"])
    children = "children" in eff["data_subjects"] or "children" in users
    if processes_personal(out):
        if geo & EU_AREAS:
            found.setdefault("gdpr", []).append(f"people are in {', '.join(sorted(geo & EU_AREAS)).upper()}")
        if children and geo & (US_AREAS | CALIFORNIA):
            found.setdefault("coppa", []).append("the people include children and the geography includes the US")
        if geo & CALIFORNIA:
            found.setdefault("ccpa", []).append("the geography includes California")
        if geo & PDPA_AREAS:
            found.setdefault("pdpa", []).append(f"people are in {', '.join(sorted(geo & PDPA_AREAS)).title()}")
        health = any(c.get("category") == "health" for c in eff["data_categories"])
        if health and geo & (US_AREAS | CALIFORNIA):
            found.setdefault("hipaa", []).append("health data in the US health sector (check you are a covered "
                                                 "entity or business associate)")
    value = [v for v, _ in vocab.REGIMES if v in found]
    return (value, tuple(r for v in value for r in found[v])) if value else None


def processes_personal(out: dict) -> bool:
    answer = out.get("processes_personal_data")
    return answer is None or answer.value is not False
