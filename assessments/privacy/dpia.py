"""DPIA screening against the nine EDPB criteria (WP29 guidelines WP248 rev.01, endorsed by the EDPB).

The guidelines say a DPIA is likely required when the processing meets two or more criteria. The
result is one of:

- ``required``: two or more criteria apply, or one of the cases of GDPR Art. 35(3) where a DPIA is
  always required (``mandatory_cases``);
- ``not_required``: no personal data is processed, or fewer than two apply and every criterion is answered;
- ``undetermined``: fewer than two apply but enough are unanswered to change the outcome.

The reasoning lists each criterion with its answer, whether it was inferred from the model, and why.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import vocab

REQUIRED, NOT_REQUIRED, UNDETERMINED = "required", "not_required", "undetermined"
RESULT_LABELS = {REQUIRED: "DPIA likely required", NOT_REQUIRED: "DPIA not required",
                 UNDETERMINED: "Screening incomplete"}


@dataclass(frozen=True)
class CriterionOutcome:
    key: str
    label: str
    description: str
    applies: bool | None
    note: str = ""
    state: str = ""
    because: tuple[str, ...] = ()

    @property
    def answer_label(self) -> str:
        return {True: "Applies", False: "Does not apply", None: "Not answered"}[self.applies]


@dataclass(frozen=True)
class Screening:
    result: str
    applies: int
    unknown: int
    criteria: tuple[CriterionOutcome, ...]
    reasoning: tuple[str, ...] = field(default_factory=tuple)
    summary: tuple[str, ...] = field(default_factory=tuple)
    mandatory: tuple[str, ...] = field(default_factory=tuple)

    @property
    def required(self) -> bool | None:
        return {REQUIRED: True, NOT_REQUIRED: False}.get(self.result)

    @property
    def label(self) -> str:
        return RESULT_LABELS[self.result]

    def as_dict(self) -> dict:
        return {"result": self.result, "label": self.label, "required": self.required, "criteria_met": self.applies,
                "criteria_unanswered": self.unknown, "threshold": vocab.DPIA_THRESHOLD,
                "summary": list(self.summary), "reasoning": list(self.reasoning), "mandatory": list(self.mandatory),
                "criteria": [{"key": c.key, "label": c.label, "applies": c.applies, "note": c.note, "state": c.state,
                              "because": list(c.because)} for c in self.criteria]}


ART35_3 = {
    "a": "Art. 35(3)(a): a systematic and extensive evaluation of people based on automated processing, with "
         "decisions that produce legal or similarly significant effects",
    "b": "Art. 35(3)(b): processing on a large scale of special categories of data (Art. 9) or of criminal-offence "
         "data (Art. 10)",
    "c": "Art. 35(3)(c): systematic monitoring on a large scale (of a publicly accessible area, if it is one)",
}


def mandatory_cases(criteria: Mapping[str, Mapping], special_categories: bool) -> tuple[str, ...]:
    """The GDPR Art. 35(3) cases the answers show: each makes a DPIA required whatever the count of criteria."""
    def on(key):
        return (criteria.get(key) or {}).get("applies") is True

    out = []
    if on("evaluation_scoring") and on("automated_decision"):
        out.append(ART35_3["a"])
    if on("large_scale") and special_categories:
        out.append(ART35_3["b"])
    if on("large_scale") and on("systematic_monitoring"):
        out.append(ART35_3["c"])
    return tuple(out)


def screen(processes_personal_data: bool | None, criteria: Mapping[str, Mapping],
           states: Mapping[str, str] | None = None, because: Mapping[str, tuple] | None = None,
           mandatory: tuple[str, ...] = ()) -> Screening:
    """Screen the criteria answers ``{key: {"applies": bool|None, "note": str}}``.

    ``states`` / ``because`` give, per criterion key, the provenance (inferred, confirmed, edited) and
    the facts behind an inference, so the reasoning can name them.
    """
    states, because = states or {}, because or {}
    outcomes = []
    for key, label, description in vocab.EDPB_CRITERIA:
        entry = criteria.get(key) or {}
        outcomes.append(CriterionOutcome(key, label, description, entry.get("applies"), entry.get("note") or "",
                                         states.get(key, ""), tuple(because.get(key, ()))))
    met = [c for c in outcomes if c.applies is True]
    unknown = [c for c in outcomes if c.applies is None]
    threshold = vocab.DPIA_THRESHOLD
    lines = []
    if processes_personal_data is False:
        result, mandatory = NOT_REQUIRED, ()
        lines.append("The system processes no personal data, so the DPIA screening criteria do not apply "
                     "and no DPIA is needed.")
    elif mandatory:
        result = REQUIRED
        lines.append(f"A DPIA is required by GDPR Art. 35(3): {'; '.join(mandatory)}.")
        if met:
            lines.append(f"{_count(len(met))} ({_names(met)}).")
    elif len(met) >= threshold:
        result = REQUIRED
        lines.append(f"{_count(len(met))} ({_names(met)}); the guidelines consider a DPIA likely required "
                     f"from {threshold}.")
    elif len(met) + len(unknown) >= threshold:
        result = UNDETERMINED
        lines.append(f"{_count(len(met))} and {len(unknown)} {'is' if len(unknown) == 1 else 'are'} not answered "
                     f"({_names(unknown)}); answer them to complete the screening.")
    else:
        result = NOT_REQUIRED
        named = f" ({_names(met)})" if met else ""
        lines.append(f"{_count(len(met))}{named}: below the threshold of {threshold}, so a DPIA is not likely "
                     f"required.")
    if processes_personal_data is None and result != NOT_REQUIRED:
        lines.append("Whether the system processes personal data is not answered yet.")
    if result == NOT_REQUIRED and len(met) == 1:
        lines.append("One criterion can still call for a DPIA in some cases; check your supervisory authority's "
                     "list of processing that always needs one.")
    summary = tuple(lines)
    if processes_personal_data is not False:
        for c in outcomes:
            source = {"inferred": " (inferred from the model, not yet confirmed)", "confirmed": " (confirmed)",
                      "edited": " (set by a person)"}.get(c.state, "")
            why = f": {'; '.join(c.because)}" if c.because else ""
            note = f" Note: {c.note}" if c.note else ""
            lines.append(f"{c.label}: {c.answer_label.lower()}{source}{why}.{note}")
    return Screening(result, len(met), len(unknown), tuple(outcomes), tuple(lines), summary, tuple(mandatory))


def _count(n: int) -> str:
    if n == 0:
        return "None of the nine EDPB criteria applies"
    return f"{n} of the nine EDPB criteria appl{'ies' if n == 1 else 'y'}"


def _names(items) -> str:
    return ", ".join(c.label.lower() for c in items)


def screening_for(resolved) -> Screening:
    """Screen the effective answers of a ``resolve.Resolved``, naming where each criterion's answer came from."""
    values = resolved.values()
    states = {k: resolved.answers[f"dpia_criteria.{k}"].state for k in vocab.CRITERION_KEYS}
    because = {k: resolved.answers[f"dpia_criteria.{k}"].because for k in vocab.CRITERION_KEYS}
    special = any(c.get("category") in vocab.SPECIAL_CATEGORIES for c in values["data_categories"])
    return screen(values["processes_personal_data"], values["dpia_criteria"], states, because,
                  mandatory_cases(values["dpia_criteria"], special))
