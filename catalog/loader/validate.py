"""Validation of every catalog entry, collecting all errors as "file: entry: message".

Produces normalised entries (plain dicts, JSON-ready) that the DB loader and the engine share.
"""

import hashlib
import json
import re
from typing import Any

from ..engine.rules import parse_rule
from ..questions import Question, collect_questions
from . import extras

FRAMEWORK_KEYS = ("NIST-AI-RMF", "MITRE-ATLAS", "OWASP-LLM-2025", "OWASP-ML-2023", "CAF-AI-SEC", "NIST-AI-600-1",
                  "OWASP-AGENTIC-2026", "COSAI-RISK-MAP")
AI_RMF, CAF = "NIST-AI-RMF", "CAF-AI-SEC"
CONTROL_KINDS = ("preventive", "detective", "corrective")
PHASES = ("design", "data", "development", "deployment", "operation")
CONTROL_REF = re.compile(r"^CTL-\d{3,}$")
THREAT_REF = re.compile(r"^AI-(SYS|IN|MD|OUT)-\d{3,}$")
REF_SCOPE = {"SYS": "system", "IN": "input", "MD": "model", "OUT": "output"}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

FRAMEWORK_FIELDS = {"key", "name", "version", "url", "attribution", "generative_only"}
ITEM_FIELDS = {"ref", "title", "kind", "parent"}
CONTROL_FIELDS = {"ref", "title", "description", "verification", "kind", "guidance", "mappings"}
THREAT_FIELDS = {"ref", "title", "description", "applies_to", "when", "category", "phase", "likelihood",
                 "likelihood_rationale", "impact", "impact_rationale", "privacy_relevant", "mappings", "controls",
                 "adjust", "in_place", "mapping_notes", "references", "detection", "probes"}
# Fields that make up a template's content (its hash changes iff one of them changes).
CONTROL_CONTENT = ("ref", "title", "description", "verification", "kind", "guidance", "mappings")
THREAT_CONTENT = ("ref", "title", "description", "applies_to", "rule", "category", "phase", "default_likelihood",
                  "default_impact", "likelihood_rationale", "impact_rationale", "privacy_relevant", "mappings",
                  "controls", "adjust", "in_place", "mapping_notes", "references", "detection", "probes")


def content_hash(entry: dict, fields: tuple[str, ...]) -> str:
    payload = json.dumps({f: entry[f] for f in fields}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _keys(tree: Any) -> set[str]:
    """Every key used anywhere in a rule tree (to spot subjects)."""
    if isinstance(tree, dict):
        return set(tree) | {k for v in tree.values() for k in _keys(v)}
    if isinstance(tree, list):
        return {k for v in tree for k in _keys(v)}
    return set()


def _clean(value: str) -> str:
    return " ".join(value.split()) if "\n" not in value.strip() else value.strip()


class Validator:
    """Feed it parsed files (frameworks first, then questions, controls, threats); read `errors`."""

    def __init__(self):
        self.errors: list[str] = []
        self.frameworks: dict[str, dict] = {}
        self.items: dict[str, dict[str, dict]] = {}  # framework key -> ref -> item
        self.questions: dict[tuple[str, str], Question] = {}
        self.question_entries: list[dict] = []
        self.controls: dict[str, dict] = {}
        self.threats: dict[str, dict] = {}
        self._sources: dict[tuple[str, str], str] = {}
        self.context_adjustments: list[tuple[dict, dict]] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def _unknown_fields(self, where: str, entry: dict, allowed: set[str]) -> None:
        extra = sorted(str(k) for k in entry if k not in allowed)
        if extra:
            self.error(where, f"unknown field {', '.join(repr(k) for k in extra)}")

    def _entry_ref(self, name: str, section: str, i: int, entry: Any, pattern: re.Pattern, what: str):
        if not isinstance(entry, dict):
            self.error(f"{name}: {section}[{i}]", "must be a mapping")
            return None
        ref = entry.get("ref")
        if not isinstance(ref, str) or not pattern.match(ref):
            self.error(f"{name}: {section}[{i}]", f"ref {ref!r} is not a {what} ref ({pattern.pattern})")
            return None
        seen = self._sources.get((section, ref))
        if seen is not None:
            self.error(f"{name}: {ref}", f"duplicate ref (also in {seen})")
            return None
        self._sources[(section, ref)] = name
        return ref

    # --- frameworks ----------------------------------------------------------------------------
    def framework(self, name: str, doc: dict) -> None:
        head = doc.get("framework")
        if not isinstance(head, dict):
            self.error(f"{name}: framework", "must be a mapping with key, name, version, url")
            return
        key = head.get("key")
        where = f"{name}: framework"
        self._unknown_fields(where, head, FRAMEWORK_FIELDS)
        if key not in FRAMEWORK_KEYS:
            self.error(where, f"key {key!r} is not one of {', '.join(FRAMEWORK_KEYS)}")
            return
        if key in self.frameworks:
            self.error(where, f"framework {key} is defined twice (also in {self.frameworks[key]['source']})")
            return
        for field in ("name", "version"):
            if not _text(head.get(field)):
                self.error(where, f"{field} must be text (quote versions such as \"1.0\")")
        url = head.get("url", "")
        if url and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
            self.error(where, "url must be an http(s) address")
        items: dict[str, dict] = {}
        raw_items = doc.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            self.error(f"{name}: items", "must be a non-empty list")
            raw_items = []
        for i, item in enumerate(raw_items):
            if not isinstance(item, dict):
                self.error(f"{name}: items[{i}]", "must be a mapping")
                continue
            ref = item.get("ref")
            if not _text(ref):
                self.error(f"{name}: items[{i}]", f"ref must be text, not {ref!r} (quote refs such as \"2.1\")")
                continue
            where = f"{name}: {ref}"
            self._unknown_fields(where, item, ITEM_FIELDS)
            if ref in items:
                self.error(where, "duplicate ref")
                continue
            for field in ("title", "kind"):
                if not _text(item.get(field)):
                    self.error(where, f"{field} must be text")
            parent = item.get("parent")
            if parent is not None and not _text(parent):
                self.error(where, "parent must be the ref of another item")
            items[ref] = {"ref": ref, "title": str(item.get("title", "")).strip(), "kind": str(item.get("kind", "")),
                          "parent": parent, "position": i}
        for ref, item in items.items():
            parent = item["parent"]
            if parent is not None and (parent not in items or parent == ref):
                self.error(f"{name}: {ref}", f"parent {parent!r} is not an item of {key}")
        attribution = head.get("attribution", "")
        if attribution and not _text(attribution):
            self.error(where, "attribution must be text")
        generative_only = head.get("generative_only", False)
        if not isinstance(generative_only, bool):
            self.error(where, "generative_only must be true or false")
        self.frameworks[key] = {"key": key, "name": str(head.get("name", "")), "version": str(head.get("version", "")),
                                "url": str(url or ""), "position": FRAMEWORK_KEYS.index(key), "source": name,
                                "attribution": _clean(str(attribution or "")),
                                "generative_only": generative_only is True}
        self.items[key] = items

    # --- questions ---------------------------------------------------------------------------
    def questionnaire(self, name: str, doc: dict) -> None:
        questions, errors = collect_questions(doc.get("questions"), name)
        self.errors.extend(errors)
        self.questions = questions
        self.question_entries = [
            {"scope": q.scope, "key": q.key, "label": q.label, "help": q.help, "type": q.type,
             "choices": [{"value": v, "label": label} for v, label in q.choices], "position": i}
            for i, q in enumerate(questions.values())
        ]

    # --- context scoring (scoring.yaml) ------------------------------------------------------------
    def scoring(self, name: str, doc: dict) -> None:
        """Context adjustments that apply to every threat they select (by category or privacy)."""
        raw = doc.get("adjustments")
        if not isinstance(raw, list):
            self.error(f"{name}: adjustments", "must be a list")
            return
        for i, entry in enumerate(raw):
            where = f"{name}: adjustments[{i}]"
            if not isinstance(entry, dict):
                self.error(where, "must be a mapping")
                continue
            select = entry.get("select") or {}
            if not isinstance(select, dict) or set(select) - {"categories", "privacy_relevant", "applies_to"}:
                self.error(where, "select: takes categories, privacy_relevant and applies_to")
                select = {}
            if any(key in _keys(entry.get("when")) for key in ("answer",)):
                self.error(where, "when: context adjustments read system answers only (system: KEY)")
            body = {k: v for k, v in entry.items() if k != "select"}
            parsed = extras.adjustments(lambda m, w=where: self.error(w, m), [body], ["system"], self.questions,
                                        where="adjustment")
            if parsed:
                self.context_adjustments.append((select, parsed[0]))

    def _context_adjustments(self, threat: dict, scopes: list) -> list[dict]:
        out = []
        for select, adjustment in self.context_adjustments:
            categories = select.get("categories")
            if categories is not None and threat["category"] not in categories:
                continue
            if "privacy_relevant" in select and threat["privacy_relevant"] != select["privacy_relevant"]:
                continue
            if "applies_to" in select and not set(scopes) & set(select["applies_to"]):
                continue
            out.append({**adjustment, "context": True})
        return out

    # --- mappings (controls and threats) ----------------------------------------------------------
    def mappings(self, where: str, raw: Any) -> list[list[str]]:
        out: list[list[str]] = []
        if not isinstance(raw, dict):
            self.error(where, "mappings must be a mapping of framework key to a list of refs")
            return out
        for fw, refs in raw.items():
            if fw not in FRAMEWORK_KEYS:
                self.error(where, f"mappings: unknown framework {fw!r} (one of {', '.join(FRAMEWORK_KEYS)})")
                continue
            if refs is None:
                continue
            if not isinstance(refs, list):
                self.error(where, f"mappings: {fw}: must be a list of refs")
                continue
            known = self.items.get(fw)
            seen: set[str] = set()
            for ref in refs:
                if not isinstance(ref, str):
                    self.error(where, f"mappings: {fw}: {ref!r} must be text (quote refs such as \"2.10\")")
                elif ref in seen:
                    self.error(where, f"mappings: {fw}: {ref} is listed twice")
                elif known is None:
                    self.error(where, f"mappings: {fw}: framework not loaded (no framework file for it)")
                    break
                elif ref not in known:
                    self.error(where, f"mappings: {fw}: unknown item '{ref}'")
                else:
                    seen.add(ref)
                    out.append([fw, ref])
        # Canonical order (framework, then published item order): reordering a list is not a change.
        return sorted(out, key=lambda m: (FRAMEWORK_KEYS.index(m[0]), self.items[m[0]][m[1]]["position"]))

    def _has(self, mappings: list[list[str]], fw: str, kind: str | None = None) -> bool:
        return any(f == fw and (kind is None or self.items[fw][r]["kind"] == kind) for f, r in mappings)

    # --- controls ------------------------------------------------------------------------------------
    def control_file(self, name: str, doc: dict) -> None:
        raw = doc.get("controls")
        if not isinstance(raw, list):
            self.error(f"{name}: controls", "must be a list")
            return
        for i, entry in enumerate(raw):
            ref = self._entry_ref(name, "controls", i, entry, CONTROL_REF, "control")
            if ref is None:
                continue
            where = f"{name}: {ref}"
            self._unknown_fields(where, entry, CONTROL_FIELDS)
            for field in ("title", "description", "verification"):
                if not _text(entry.get(field)):
                    self.error(where, f"{field} must be text")
            if entry.get("guidance") is not None and not isinstance(entry.get("guidance"), str):
                self.error(where, "guidance must be text")
            if entry.get("kind") not in CONTROL_KINDS:
                self.error(where, f"kind must be one of {', '.join(CONTROL_KINDS)}")
            mappings = self.mappings(where, entry.get("mappings"))
            if not self._has(mappings, AI_RMF, "subcategory"):
                self.error(where, f"mappings: needs at least one {AI_RMF} subcategory")
            if not self._has(mappings, CAF):
                self.error(where, f"mappings: needs at least one {CAF} capability")
            control = {f: _clean(str(entry.get(f) or "")) for f in ("title", "description", "verification", "guidance")}
            control.update(ref=ref, kind=str(entry.get("kind")), mappings=mappings, source=name, position=i)
            control["content_hash"] = content_hash(control, CONTROL_CONTENT)
            self.controls[ref] = control

    # --- threats -------------------------------------------------------------------------------------
    def threat_file(self, name: str, doc: dict) -> None:
        raw = doc.get("threats")
        if not isinstance(raw, list):
            self.error(f"{name}: threats", "must be a list")
            return
        for i, entry in enumerate(raw):
            ref = self._entry_ref(name, "threats", i, entry, THREAT_REF, "threat")
            if ref is not None:
                self._threat(name, ref, i, entry)

    def _threat(self, name: str, ref: str, i: int, entry: dict) -> None:
        where = f"{name}: {ref}"
        self._unknown_fields(where, entry, THREAT_FIELDS)
        for field in ("title", "description", "likelihood_rationale", "impact_rationale"):
            if not _text(entry.get(field)):
                self.error(where, f"{field} must be text")
        applies_to = entry.get("applies_to")
        if "when" not in entry:
            self.error(where, "when: every threat needs a rule")
        else:
            _, problems = parse_rule(entry.get("when"), applies_to if isinstance(applies_to, list) else [],
                                     self.questions)
            for problem in problems:
                self.error(where, problem)
        prefix_scope = REF_SCOPE[ref.split("-")[1]]
        if isinstance(applies_to, list) and applies_to and prefix_scope not in applies_to:
            self.error(where, f"applies_to: a {ref.rsplit('-', 1)[0]}-nnn threat must apply to {prefix_scope}")
        if isinstance(applies_to, list) and "system" in applies_to and prefix_scope != "system":
            self.error(where, "applies_to: system-wide threats are AI-SYS-nnn")
        category = entry.get("category")
        if not isinstance(category, str) or not SLUG.match(category):
            self.error(where, f"category must be a short slug such as prompt-injection, not {category!r}")
        if entry.get("phase") not in PHASES:
            self.error(where, f"phase must be one of {', '.join(PHASES)}")
        for field in ("likelihood", "impact"):
            value = entry.get(field)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                self.error(where, f"{field} must be a whole number from 1 to 5, not {value!r}")
        if not isinstance(entry.get("privacy_relevant"), bool):
            self.error(where, "privacy_relevant must be true or false")
        mappings = self.mappings(where, entry.get("mappings"))
        if not self._has(mappings, AI_RMF, "subcategory"):
            self.error(where, f"mappings: needs at least one {AI_RMF} subcategory")
        controls = entry.get("controls")
        refs: list[str] = []
        if not isinstance(controls, list) or not controls:
            self.error(where, "controls: needs at least one control ref")
        else:
            for control in controls:
                if control in refs:
                    self.error(where, f"controls: {control} is listed twice")
                elif control not in self.controls:
                    self.error(where, f"controls: unknown control {control!r}")
                else:
                    refs.append(control)
        threat = {
            "ref": ref,
            "title": _clean(str(entry.get("title") or "")),
            "description": _clean(str(entry.get("description") or "")),
            "applies_to": list(applies_to) if isinstance(applies_to, list) else [],
            "rule": entry.get("when"),
            "category": str(category),
            "phase": str(entry.get("phase")),
            "default_likelihood": entry.get("likelihood"),
            "default_impact": entry.get("impact"),
            "likelihood_rationale": _clean(str(entry.get("likelihood_rationale") or "")),
            "impact_rationale": _clean(str(entry.get("impact_rationale") or "")),
            "privacy_relevant": bool(entry.get("privacy_relevant")),
            "mappings": mappings,
            "controls": sorted(refs),
            "source": name,
            "position": i,
        }
        scopes = threat["applies_to"]

        def problem(message: str) -> None:
            self.error(where, message)
        threat["adjust"] = [*extras.adjustments(problem, entry.get("adjust"), scopes, self.questions),
                            *self._context_adjustments(threat, scopes)]
        threat["in_place"] = extras.in_place(problem, entry.get("in_place"), scopes, self.questions, refs)
        threat["mapping_notes"] = extras.mapping_notes(problem, entry.get("mapping_notes"), mappings)
        threat["references"] = extras.references(problem, entry.get("references"))
        threat["detection"] = extras.detection(problem, entry.get("detection"))
        threat["probes"] = extras.probes(problem, entry.get("probes"))
        threat["content_hash"] = content_hash(threat, THREAT_CONTENT)
        self.threats[ref] = threat
