"""The component questionnaire and the validation of answers against it.

Questions are data (catalog/data/questions.yaml); this module reads them once per process
and validates answer objects: an unknown key, a wrong type or a value outside the choices is
an error naming the key. An unanswered question is simply absent ("unknown"), never false.
Pure Python (no Django): the rule engine and the loader use it too.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
SCOPES = ("system", "input", "model", "output", "flow")
TYPES = ("bool", "choice", "multi")
QUESTION_KEYS = frozenset({"scope", "key", "label", "help", "type", "choices"})


@dataclass(frozen=True)
class Question:
    scope: str
    key: str
    label: str
    help: str
    type: str
    choices: tuple = field(default_factory=tuple)  # ((value, label), ...)

    @property
    def values(self) -> frozenset:
        return frozenset(v for v, _ in self.choices)

    def choice_label(self, value) -> str:
        return next((label for v, label in self.choices if v == value), str(value))


def _parse_question(entry, where: str) -> tuple[Question | None, list[str]]:
    if not isinstance(entry, dict):
        return None, [f"{where}: must be a mapping"]
    scope, key, qtype = entry.get("scope"), entry.get("key"), entry.get("type")
    where = f"{where.split(':')[0]}: {scope}.{key}"
    errors = []
    unknown = sorted(str(k) for k in entry if k not in QUESTION_KEYS)
    if unknown:
        errors.append(f"{where}: unknown field {', '.join(repr(k) for k in unknown)}")
    if scope not in SCOPES:
        errors.append(f"{where}: scope must be one of {', '.join(SCOPES)}")
    if not isinstance(key, str) or not key.isidentifier():
        errors.append(f"{where}: key must be an identifier")
    if qtype not in TYPES:
        errors.append(f"{where}: type must be one of {', '.join(TYPES)}")
    label = entry.get("label")
    if label is not None and not isinstance(label, str):
        errors.append(f"{where}: label must be text")
    choices = []
    raw_choices = entry.get("choices") or []
    if not isinstance(raw_choices, list):
        errors.append(f"{where}: choices must be a list")
        raw_choices = []
    for c in raw_choices:
        if isinstance(c, dict) and isinstance(c.get("value"), str) and c["value"]:
            extra = sorted(str(k) for k in c if k not in ("value", "label"))
            if extra:  # typically an unquoted label with a comma in a {value: ..., label: ...} flow mapping
                errors.append(f"{where}: choice {c['value']!r} has unknown field {', '.join(repr(k) for k in extra)} "
                              "(quote labels that contain commas)")
            choices.append((c["value"], str(c.get("label") or c["value"])))
        else:
            errors.append(f"{where}: each choice needs a text value and a label (quote values YAML reads as "
                          f"yes/no or numbers): {c!r}")
    if qtype in ("choice", "multi") and not raw_choices:
        errors.append(f"{where}: a {qtype} question needs choices")
    if qtype == "bool" and raw_choices:
        errors.append(f"{where}: a bool question has no choices")
    values = [v for v, _ in choices]
    if len(set(values)) != len(values):
        errors.append(f"{where}: a choice value is listed twice")
    question = Question(scope, key, str(label or key), str(entry.get("help") or ""), qtype, tuple(choices))
    # A question whose identity is sound is kept even with other errors, so that rules reading
    # it are still checked (and do not cascade into "unknown question" errors).
    sound = scope in SCOPES and isinstance(key, str) and key.isidentifier() and qtype in TYPES
    return (question if sound else None), errors


def collect_questions(raw, source: str = "questions.yaml") -> tuple[dict[tuple[str, str], Question], list[str]]:
    """Parse the `questions` list, collecting every error ("file: scope.key: message")."""
    out: dict[tuple[str, str], Question] = {}
    if not isinstance(raw, list):
        return out, [f"{source}: 'questions' must be a list"]
    errors: list[str] = []
    for i, entry in enumerate(raw):
        question, problems = _parse_question(entry, f"{source}: questions[{i}]")
        errors.extend(problems)
        if question is None:
            continue
        if (question.scope, question.key) in out:
            errors.append(f"{source}: {question.scope}.{question.key}: duplicate question")
            continue
        out[(question.scope, question.key)] = question
    return out, errors


def parse_questions(raw, source: str = "questions.yaml") -> dict[tuple[str, str], Question]:
    """Parse and check the questions file's `questions` list; ValueError names the first bad entry."""
    out, errors = collect_questions(raw, source)
    if errors:
        raise ValueError(errors[0])
    return out


@lru_cache(maxsize=1)
def all_questions() -> dict[tuple[str, str], Question]:
    path = DATA_DIR / "questions.yaml"
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return parse_questions(data.get("questions"), path.name)


def questions_for(scope: str) -> list[Question]:
    return [q for (s, _), q in all_questions().items() if s == scope]


def validate_answers(scope: str, answers: dict) -> dict[str, str]:
    """Errors keyed by question key; an empty dict means valid."""
    if not isinstance(answers, dict):
        return {"answers": "must be a JSON object"}
    index = all_questions()
    errors: dict[str, str] = {}
    for key, value in answers.items():
        question = index.get((scope, key)) if isinstance(key, str) else None
        if question is None:
            errors[str(key)] = f"unknown question for a {scope}"
            continue
        if value is None:
            continue  # explicitly unanswered
        if question.type == "bool":
            if not isinstance(value, bool):
                errors[key] = "must be true or false"
        elif question.type == "choice":
            if not isinstance(value, str) or value not in question.values:
                errors[key] = f"must be one of {', '.join(sorted(question.values))}"
        elif question.type == "multi":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors[key] = "must be a list of choices"
            else:
                bad = [v for v in value if v not in question.values]
                if bad:
                    errors[key] = f"'{bad[0]}' is not one of {', '.join(sorted(question.values))}"
                elif len(set(value)) != len(value):
                    errors[key] = "lists a choice twice"
    return errors
