"""What the system's model says about its privacy answers, and why.

``infer`` is pure: it reads the system's answers, its components (kind, name, answers) and its flows
(source, target, answers) as plain values and returns ``{path: Inferred(value, because)}`` for the
answers it can suggest. Nothing is inferred from an unanswered question: an unknown stays unknown.
Every inference carries the facts behind it, so the form and the report can say where it came from,
and it stays marked "inferred" until a person confirms or corrects it (see ``resolve``).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import vocab
from .geography import regimes_from
from .schema import default_for

PERSONAL = ("basic", "sensitive", "children")
TRAINING_PURPOSES = ("training", "fine_tuning", "feedback")
USER_TO_SUBJECT = {"public": "public", "customers": "customers", "employees": "employees", "partners": "partners",
                   "children": "children", "patients": "patients"}
SOURCE_MAP = {"end_users": "data_subject", "employees": "employees", "partners": "third_party",
              "public_web": "public_sources", "internal_systems": "internal_systems",
              "third_party_dataset": "third_party_dataset", "sensors": "devices", "model_generated": "generated"}
SECTOR_CATEGORY = {"finance": "financial", "employment": "employment", "education": "education"}
VULNERABLE_USERS = ("children", "patients", "employees")
# EDPB criterion 4 covers special categories and data "of a highly personal nature": private communications,
# location, financial data (WP248 rev.01). Message content is private communication.
HIGHLY_PERSONAL = frozenset({"communications", "location", "financial"})
# Large scale is inferred only from a stated number of people: from this many on it is large, below the
# lower bound it is not; in between a person decides.
LARGE_SCALE_PEOPLE, SMALL_SCALE_PEOPLE = 100_000, 5_000

NOVEL_MODEL_TYPES = {"llm": "a large language model", "speech": "a speech model", "vision": "a computer-vision model"}


@dataclass(frozen=True)
class Inferred:
    value: Any
    because: tuple[str, ...]


@dataclass(frozen=True)
class Part:
    """A component as the inference sees it."""

    id: int
    kind: str
    name: str
    answers: Mapping


@dataclass(frozen=True)
class Link:
    source: int
    target: int
    answers: Mapping


def _label(choices, value) -> str:
    return vocab.label_of(choices, value)


class _Model:
    """Indexes over one system's parts and links, with the personal-data facts the rules need."""

    def __init__(self, system_answers: Mapping, parts: Sequence[Part], links: Sequence[Link]):
        self.system = system_answers or {}
        self.parts = list(parts)
        self.by_id = {p.id: p for p in self.parts}
        self.links = list(links)
        self.inputs = [p for p in self.parts if p.kind == "input"]
        self.models = [p for p in self.parts if p.kind == "model"]
        self.outputs = [p for p in self.parts if p.kind == "output"]
        self.pd_inputs = [p for p in self.inputs if p.answers.get("personal_data") in PERSONAL]
        self.pd_links = [link for link in self.links if link.answers.get("personal_data") is True]
        self.pd_outputs = [p for p in self.outputs if p.answers.get("may_contain_personal_data") is True]
        self.trained_models = [p for p in self.models if p.answers.get("trained_on_personal_data") is True]
        self.users = list(self.system.get("users") or [])

    def upstream(self, part: Part) -> list[Part]:
        return [self.by_id[link.source] for link in self.links if link.target == part.id and link.source in self.by_id]

    def personal_inflow(self, part: Part) -> list[str]:
        """Why personal data reaches ``part`` (empty when nothing says it does)."""
        reasons = []
        for link in self.links:
            if link.target != part.id or link.source not in self.by_id:
                continue
            source = self.by_id[link.source]
            if link.answers.get("personal_data") is True:
                reasons.append(f"the flow '{source.name}' -> '{part.name}' carries personal data")
            elif source.answers.get("personal_data") in PERSONAL:
                reasons.append(f"input '{source.name}' holds personal data and flows into '{part.name}'")
        return reasons

    def pd_models(self) -> list[tuple[Part, list[str]]]:
        out = []
        for m in self.models:
            reasons = self.personal_inflow(m)
            if m.answers.get("trained_on_personal_data") is True:
                reasons.append(f"model '{m.name}' was trained or fine-tuned on personal data")
            if reasons:
                out.append((m, reasons))
        return out

    def processes(self) -> tuple[bool | None, list[str]]:
        reasons = [f"input '{p.name}' contains {_pd_label(p)}" for p in self.pd_inputs]
        reasons += [f"flow '{self._end(link.source)}' -> '{self._end(link.target)}' carries personal data"
                    for link in self.pd_links]
        reasons += [f"output '{p.name}' can contain personal data" for p in self.pd_outputs]
        reasons += [f"model '{p.name}' was trained on personal data" for p in self.trained_models]
        if reasons:
            return True, reasons
        answered_none = self.inputs and all(p.answers.get("personal_data") == "none" for p in self.inputs)
        outputs_clear = all(p.answers.get("may_contain_personal_data") is not True for p in self.outputs)
        flows_clear = all(link.answers.get("personal_data") is not True for link in self.links)
        if answered_none and outputs_clear and flows_clear and not self.trained_models:
            names = ", ".join(f"'{p.name}'" for p in self.inputs)
            return False, [f"every input ({names}) is answered 'no personal data'",
                           "no flow or output is marked as carrying personal data"]
        return None, []

    def _end(self, pk) -> str:
        part = self.by_id.get(pk)
        return part.name if part else str(pk)


def _pd_label(part: Part) -> str:
    return {"basic": "ordinary personal data", "sensitive": "sensitive or special-category data",
            "children": "data about children"}.get(part.answers.get("personal_data"), "personal data")


def _purposes(part: Part) -> list[str]:
    return list(part.answers.get("purpose") or [])


def infer(system_answers: Mapping, parts: Iterable[Part], links: Iterable[Link],
          stated: Mapping | None = None) -> dict[str, Inferred]:
    """Every answer the model suggests, keyed by path (see schema.INFERABLE_PATHS).

    ``stated`` holds what people answered in the assessment itself (its scope, and the subjects and
    categories a person set): the regimes and the "large scale" and "sensitive" criteria follow them.
    """
    m = _Model(system_answers, list(parts), list(links))
    stated = stated or {}
    out: dict[str, Inferred] = {}
    processes, why = m.processes()
    if processes is not None:
        out["processes_personal_data"] = Inferred(processes, tuple(why))
    if processes is True:
        _subjects(m, out)
        _categories(m, out)
        _sources(m, out)
        _transfers(m, out)
        _erasure(m, out)
        _secondary_use(m, out)
        _criteria(m, out, _effective(stated, out))
    regimes = regimes_from(m.system.get("regimes") or [], m.users, _effective(stated, out), out)
    if regimes:
        out["regimes"] = Inferred(*regimes)
    return out


def _effective(stated: Mapping, out: dict) -> dict:
    """Subjects and categories as they stand (a person's answer wins over the inference), and the scope."""
    provenance = stated.get("provenance") or {}

    def pick(path):
        if provenance.get(path) in ("confirmed", "edited") or path not in out:
            return stated.get(path) or []
        return out[path].value

    scope = stated.get("scope") or {}
    return {"data_subjects": pick("data_subjects"), "data_categories": pick("data_categories"),
            "people": scope.get("people"), "geography": [str(g).strip().lower() for g in scope.get("geography") or []]}


def _subjects(m: _Model, out: dict) -> None:
    found: dict[str, list[str]] = {}
    for user in m.users:
        subject = USER_TO_SUBJECT.get(user)
        if subject:
            found.setdefault(subject, []).append(f"the system's users include {subject.replace('_', ' ')}")
    for p in m.pd_inputs:
        if p.answers.get("personal_data") == "children":
            found.setdefault("children", []).append(f"input '{p.name}' contains data about children")
    if found:
        order = [v for v, _ in vocab.DATA_SUBJECTS]
        value = [v for v in order if v in found]
        out["data_subjects"] = Inferred(value, tuple(r for v in value for r in found[v]))


def _categories(m: _Model, out: dict) -> None:
    found: dict[str, list[str]] = {}

    def add(category, reason):
        found.setdefault(category, [])
        if reason not in found[category]:
            found[category].append(reason)

    sector = m.system.get("sector")
    health = sector == "health" or "patients" in m.users
    for p in m.pd_inputs:
        kind = p.answers.get("personal_data")
        if kind in ("basic", "children"):
            add("identity_contact", f"input '{p.name}' contains {_pd_label(p)}")
        if kind == "sensitive":
            if health:
                add("health", f"input '{p.name}' holds sensitive data in a health setting")
            else:
                add("special_unspecified", f"input '{p.name}' contains sensitive or special-category data")
        if "prompt" in _purposes(p):
            add("communications", f"input '{p.name}' is a prompt carrying personal data")
        if sector in SECTOR_CATEGORY:
            add(SECTOR_CATEGORY[sector], f"the system serves the {sector.replace('_', ' ')} sector")
    for model, reasons in m.pd_models():
        mtype = model.answers.get("model_type")
        if mtype == "speech":
            add("voice", f"speech model '{model.name}' receives personal data ({reasons[0]})")
        elif mtype == "vision":
            add("images", f"vision model '{model.name}' receives personal data ({reasons[0]})")
    for p in m.outputs:
        if p.answers.get("affects_individuals") is True and any(
                up.answers.get("model_type") in ("classifier", "recommender", "regression") for up in m.upstream(p)):
            add("behavioural", f"output '{p.name}' scores or ranks individuals")
    if found:
        order = [v for v, _, _ in vocab.DATA_CATEGORIES]
        value = [{"category": c, "retention": "", "note": ""} for c in order if c in found]
        out["data_categories"] = Inferred(value, tuple(r for c in order if c in found for r in found[c]))


def _sources(m: _Model, out: dict) -> None:
    found: dict[str, list[str]] = {}
    for p in m.pd_inputs:
        source = SOURCE_MAP.get(p.answers.get("source"))
        if source:
            found.setdefault(source, []).append(f"input '{p.name}' with personal data has the source "
                                                f"'{_label(vocab.SOURCES, source)}'")
    if found:
        order = [v for v, _ in vocab.SOURCES]
        value = [v for v in order if v in found]
        out["sources"] = Inferred(value, tuple(r for v in value for r in found[v]))


def _transfers(m: _Model, out: dict) -> None:
    rows, because = [], []
    for model, reasons in m.pd_models():
        provider, hosting = model.answers.get("provider"), model.answers.get("hosting")
        if provider == "third_party_api" or hosting == "managed_api":
            how = "a third party's model used through its API" if provider == "third_party_api" else \
                "hosted on a provider's managed API"
            rows.append({"recipient": f"Provider of '{model.name}'", "role": "", "country": "", "safeguards": [],
                         "model_provider": True, "note": ""})
            because.append(f"model '{model.name}' is {how} and {reasons[0]}")
    if rows:
        out["transfers"] = Inferred(rows, tuple(because))


def _erasure(m: _Model, out: dict) -> None:
    value = default_for("erasure")
    because = []
    for p in m.pd_inputs:
        purposes = _purposes(p)
        if "training" in purposes or "feedback" in purposes:
            value["training_data"]["applies"] = True
            because.append(f"training data: input '{p.name}' with personal data is used for training or feedback")
        if "fine_tuning" in purposes:
            value["fine_tuned_models"]["applies"] = True
            because.append(f"fine-tuned models: input '{p.name}' with personal data is used for fine-tuning")
        if "retrieval_corpus" in purposes or p.answers.get("stored_in_vector_store") is True:
            value["retrieval_indexes"]["applies"] = True
            because.append(f"retrieval indexes: input '{p.name}' with personal data is indexed for retrieval")
    for model in m.trained_models:
        target = "fine_tuned_models" if model.answers.get("provider") == "fine_tuned_foundation" else "training_data"
        value[target]["applies"] = True
        because.append(f"{target.replace('_', ' ')}: model '{model.name}' was trained on personal data")
    for model, _reasons in m.pd_models():
        if model.answers.get("logs_prompts") is True:
            value["logs"]["applies"] = True
            because.append(f"logs: model '{model.name}' logs prompts or responses that carry personal data")
    if because:
        out["erasure"] = Inferred(value, tuple(because))


def _secondary_use(m: _Model, out: dict) -> None:
    because = []
    for p in m.pd_inputs:
        used = [u for u in _purposes(p) if u in TRAINING_PURPOSES]
        if used:
            uses = ", ".join(u.replace("_", "-") for u in used)
            because.append(f"input '{p.name}' with personal data is used for {uses}")
    for model, _reasons in m.pd_models():
        if model.answers.get("continuous_learning") is True:
            because.append(f"model '{model.name}' keeps learning from production data that includes personal data")
    for model in m.trained_models:
        because.append(f"model '{model.name}' was trained on personal data")
    if because:
        out["secondary_use"] = Inferred({"training": True, "basis": "", "detail": ""}, tuple(dict.fromkeys(because)))


def _criterion(out: dict, key: str, applies: bool, because: list[str]) -> None:
    out[f"dpia_criteria.{key}"] = Inferred({"applies": applies, "note": ""}, tuple(dict.fromkeys(because)))


def _criteria(m: _Model, out: dict, eff: dict) -> None:
    outputs_answered = bool(m.outputs) and all("affects_individuals" in p.answers for p in m.outputs)
    affecting = [p for p in m.outputs if p.answers.get("affects_individuals") is True]
    automated = [p for p in affecting if "automated_decision" in (p.answers.get("consumer") or [])
                 and p.answers.get("human_review") is not True]
    # 1. evaluation or scoring
    if affecting:
        _criterion(out, "evaluation_scoring", True,
                   [f"output '{p.name}' affects decisions about individual people" for p in affecting])
    elif outputs_answered:
        _criterion(out, "evaluation_scoring", False, ["no output is marked as affecting decisions about individuals"])
    # 2. automated decisions with legal or similar effect
    if automated:
        _criterion(out, "automated_decision", True,
                   [f"output '{p.name}' drives an automated decision about individuals without prior human review"
                    for p in automated])
    elif outputs_answered:
        _criterion(out, "automated_decision", False,
                   ["no output drives an automated decision about individuals without human review"])
    # 3. systematic monitoring
    sensors = [p for p in m.pd_inputs if p.answers.get("source") == "sensors"]
    if sensors:
        _criterion(out, "systematic_monitoring", True,
                   [f"input '{p.name}' collects personal data from sensors or devices" for p in sensors])
    # 4. sensitive data: special categories, or data of a highly personal nature (private communications...)
    sensitive = [f"input '{p.name}' contains sensitive or special-category data" for p in m.pd_inputs
                 if p.answers.get("personal_data") == "sensitive"]
    categories = [c.get("category") for c in eff["data_categories"]]
    sensitive += [f"the data includes {vocab.label_of(vocab.CATEGORY_CHOICES, c).lower()} (special category)"
                  for c in categories if c in vocab.SPECIAL_CATEGORIES]
    sensitive += [f"the data includes {vocab.label_of(vocab.CATEGORY_CHOICES, c).lower()} (highly personal)"
                  for c in categories if c in HIGHLY_PERSONAL]
    if sensitive:
        _criterion(out, "sensitive_data", True, sensitive)
    elif categories and m.inputs and all("personal_data" in p.answers for p in m.inputs) \
            and m.system.get("sector") != "health":
        _criterion(out, "sensitive_data", False, ["no category of the data is special or highly personal"])
    # 5. large scale: only from the number of people stated in the assessment's scope
    people = eff["people"]
    if isinstance(people, int) and people >= LARGE_SCALE_PEOPLE:
        _criterion(out, "large_scale", True, [f"the scope states {people:,} people (from {LARGE_SCALE_PEOPLE:,} on "
                                              f"this is large scale)"])
    elif isinstance(people, int) and people < SMALL_SCALE_PEOPLE:
        _criterion(out, "large_scale", False, [f"the scope states {people:,} people"])
    # 6. matching or combining datasets
    for model, _reasons in m.pd_models():
        sources = {}
        for up in m.upstream(model):
            if up.kind == "input" and up.answers.get("personal_data") in PERSONAL:
                sources.setdefault(up.answers.get("source") or up.name, up.name)
        if len(sources) >= 2:
            names = ", ".join(f"'{n}'" for n in sources.values())
            _criterion(out, "matching_combining", True,
                       [f"model '{model.name}' combines personal data from inputs of different sources ({names})"])
            break
    # 7. vulnerable data subjects
    vulnerable = [u for u in m.users if u in VULNERABLE_USERS]
    child_inputs = [p for p in m.pd_inputs if p.answers.get("personal_data") == "children"]
    if vulnerable or child_inputs:
        because = [f"the system's users include {u}" for u in vulnerable]
        because += [f"input '{p.name}' contains data about children" for p in child_inputs]
        _criterion(out, "vulnerable_subjects", True, because)
    elif "users" in m.system:
        _criterion(out, "vulnerable_subjects", False,
                   ["the system's users include no children, patients or employees"])
    # 8. innovative technology
    novel = []
    for model, reasons in m.pd_models():
        kind = NOVEL_MODEL_TYPES.get(model.answers.get("model_type"))
        if kind:
            novel.append(f"model '{model.name}' is {kind} and {reasons[0]}")
        elif model.answers.get("continuous_learning") is True:
            novel.append(f"model '{model.name}' keeps learning from production data with personal data")
    if novel:
        _criterion(out, "innovative_technology", True, novel)
    # 9. preventing the exercise of a right or use of a service: never inferred (needs a person's judgement).


def facts_from_model(components, flows) -> tuple[list[Part], list[Link]]:
    """Adapt Component / DataFlow rows (or anything with the same attributes) to the inference's input."""
    parts = [Part(c.pk, c.kind, c.name, c.answers or {}) for c in components]
    links = [Link(f.source_id, f.target_id, f.answers or {}) for f in flows]
    return parts, links
