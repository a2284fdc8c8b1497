"""The optional parts of a threat: score adjustments, answers that put a control in place, mapping
notes, references, detection signals and test probes (docs/catalog-format.md, "Threat extras").

Each function checks one field and returns its normalised, JSON-ready form; problems go to `error`.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..engine.rules import parse_rule

Error = Callable[[str], None]
REFERENCE_FIELDS = {"title", "url", "ref"}
PROBE_FIELDS = {"check", "expect", "payload", "kind"}
PROBE_KINDS = ("automated", "manual")
ADJUST_FIELDS = {"when", "likelihood", "impact", "reason"}
IN_PLACE_FIELDS = {"when", "control", "reason"}
CASE_STUDY = re.compile(r"^AML\.CS\d{4}$")


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())


def _unknown(error: Error, where: str, entry: Mapping, allowed: set[str]) -> None:
    extra = sorted(str(k) for k in entry if k not in allowed)
    if extra:
        error(f"{where}: unknown field {', '.join(repr(k) for k in extra)}")


def _rule(error: Error, where: str, tree: Any, applies_to: list, questions) -> Any:
    if tree is None:
        error(f"{where}: needs a 'when' rule")
        return None
    _, problems = parse_rule(tree, applies_to, questions, path=f"{where}.when")
    for problem in problems:
        error(problem)
    return tree


def adjustments(error: Error, raw: Any, applies_to: list, questions, where: str = "adjust") -> list[dict]:
    """[{when, likelihood, impact, reason}]: a change of the default score when the rule holds."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        error(f"{where}: must be a list")
        return []
    out = []
    for i, entry in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(entry, Mapping):
            error(f"{at}: must be a mapping with when, likelihood or impact, and reason")
            continue
        _unknown(error, at, entry, ADJUST_FIELDS)
        deltas = {}
        for field in ("likelihood", "impact"):
            value = entry.get(field, 0)
            if isinstance(value, bool) or not isinstance(value, int) or not -3 <= value <= 3:
                error(f"{at}: {field} must be a change from -3 to 3, not {value!r}")
                value = 0
            deltas[field] = value
        if not any(deltas.values()):
            error(f"{at}: changes neither likelihood nor impact")
        if not _text(entry.get("reason")):
            error(f"{at}: reason must be text (it is shown next to the score)")
        out.append({"when": _rule(error, at, entry.get("when"), applies_to, questions), **deltas,
                    "reason": _one_line(entry.get("reason", ""))})
    return out


def in_place(error: Error, raw: Any, applies_to: list, questions, controls: list[str]) -> list[dict]:
    """[{when, control, reason}]: an answer that says one of the threat's controls is in place."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        error("in_place: must be a list")
        return []
    out = []
    for i, entry in enumerate(raw):
        at = f"in_place[{i}]"
        if not isinstance(entry, Mapping):
            error(f"{at}: must be a mapping with when, control and reason")
            continue
        _unknown(error, at, entry, IN_PLACE_FIELDS)
        control = entry.get("control")
        if control not in controls:
            error(f"{at}: control {control!r} is not one of the threat's controls")
        if not _text(entry.get("reason")):
            error(f"{at}: reason must be text")
        out.append({"when": _rule(error, at, entry.get("when"), applies_to, questions), "control": str(control),
                    "reason": _one_line(entry.get("reason", ""))})
    return out


def mapping_notes(error: Error, raw: Any, mappings: list[list[str]]) -> dict[str, str]:
    """{item ref: one line}: why the threat maps to that framework item. Every mapping needs one."""
    if raw is not None and not isinstance(raw, Mapping):
        error("mapping_notes: must be a mapping of item ref to one line")
        return {}
    given = {str(ref): note for ref, note in (raw or {}).items()}
    mapped = {ref for _, ref in mappings}
    out = {}
    for ref, note in given.items():
        if ref not in mapped:
            error(f"mapping_notes: {ref} is not one of the threat's mappings")
        elif not _text(note) or "\n" in str(note).strip():
            error(f"mapping_notes: {ref}: the note must be one line of text")
        else:
            out[ref] = _one_line(note)
    for framework, ref in mappings:
        if ref not in given:
            error(f"mapping_notes: {framework} {ref} has no rationale (one line on why the threat maps there)")
    return out


def references(error: Error, raw: Any) -> list[dict]:
    """[{title, url, ref}]: case studies and public incidents."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        error("references: must be a list")
        return []
    out = []
    for i, entry in enumerate(raw):
        at = f"references[{i}]"
        if not isinstance(entry, Mapping) or not _text(entry.get("title")):
            error(f"{at}: needs a title")
            continue
        _unknown(error, at, entry, REFERENCE_FIELDS)
        url, ref = entry.get("url", ""), entry.get("ref", "")
        if url and not (isinstance(url, str) and url.startswith("https://")):
            error(f"{at}: url must be an https address")
        if ref and not (isinstance(ref, str) and CASE_STUDY.match(ref)):
            error(f"{at}: ref must be an ATLAS case study id such as AML.CS0000")
        out.append({"title": _one_line(entry["title"]), "url": str(url or ""), "ref": str(ref or "")})
    return out


def detection(error: Error, raw: Any) -> dict[str, list[str]]:
    """{signals: [...], log_sources: [...]}: what shows the threat happening, and where it is seen."""
    if raw is None:
        return {"signals": [], "log_sources": []}
    if not isinstance(raw, Mapping):
        error("detection: must be a mapping with signals and log_sources")
        return {"signals": [], "log_sources": []}
    _unknown(error, "detection", raw, {"signals", "log_sources"})
    out = {}
    for field in ("signals", "log_sources"):
        values = raw.get(field)
        if not isinstance(values, list) or not values or not all(_text(v) for v in values):
            error(f"detection: {field} must be a non-empty list of text")
            values = []
        out[field] = [_one_line(v) for v in values]
    return out


def probes(error: Error, raw: Any) -> list[dict]:
    """[{check, expect, payload, kind}]: a short test a team can run, and the safe result."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        error("probes: must be a list")
        return []
    out = []
    for i, entry in enumerate(raw):
        at = f"probes[{i}]"
        if not isinstance(entry, Mapping):
            error(f"{at}: must be a mapping with check and expect")
            continue
        _unknown(error, at, entry, PROBE_FIELDS)
        for field in ("check", "expect"):
            if not _text(entry.get(field)):
                error(f"{at}: {field} must be text")
        kind = entry.get("kind", "manual")
        if kind not in PROBE_KINDS:
            error(f"{at}: kind must be one of {', '.join(PROBE_KINDS)}")
        payload = entry.get("payload", "")
        if payload and not isinstance(payload, str):
            error(f"{at}: payload must be text")
        out.append({"check": _one_line(entry.get("check", "")), "expect": _one_line(entry.get("expect", "")),
                    "payload": str(payload or "").strip(), "kind": str(kind)})
    return out
