"""The component questionnaire and the validation of answers against it.

Questions are data (catalog/data/questions.yaml); this module reads them once per process
and validates answer objects: an unknown key, a wrong type or a value outside the choices is
an error naming the key. An unanswered question is simply absent ("unknown"), never false.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
SCOPES = ("system", "input", "model", "output", "flow")
TYPES = ("bool", "choice", "multi")


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


def parse_questions(raw: list, source: str = "questions.yaml") -> dict[tuple[str, str], Question]:
    """Parse and check the questions file's `questions` list; ValueError names the entry."""
    out: dict[tuple[str, str], Question] = {}
    if not isinstance(raw, list):
        raise ValueError(f"{source}: 'questions' must be a list")
    for i, entry in enumerate(raw):
        where = f"{source}: questions[{i}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: must be a mapping")
        scope, key, qtype = entry.get("scope"), entry.get("key"), entry.get("type")
        where = f"{source}: {scope}.{key}"
        if scope not in SCOPES:
            raise ValueError(f"{where}: scope must be one of {', '.join(SCOPES)}")
        if not isinstance(key, str) or not key.isidentifier():
            raise ValueError(f"{where}: key must be an identifier")
        if qtype not in TYPES:
            raise ValueError(f"{where}: type must be one of {', '.join(TYPES)}")
        choices = []
        for c in entry.get("choices") or []:
            if isinstance(c, dict) and "value" in c:
                choices.append((str(c["value"]), str(c.get("label") or c["value"])))
            else:
                raise ValueError(f"{where}: each choice needs a value and a label")
        if qtype in ("choice", "multi") and not choices:
            raise ValueError(f"{where}: a {qtype} question needs choices")
        if (scope, key) in out:
            raise ValueError(f"{where}: duplicate question")
        out[(scope, key)] = Question(scope, key, str(entry.get("label") or key), str(entry.get("help") or ""),
                                     qtype, tuple(choices))
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
