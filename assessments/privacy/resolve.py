"""Stored answers + what the model infers + who said what = the effective privacy answers.

Every inferable path (``schema.INFERABLE_PATHS``) has a provenance state:

- ``inferred``: nobody has confirmed it; the value follows the model (it changes when the model changes).
- ``confirmed``: a person accepted the value (it no longer follows the model).
- ``edited``: a person set a value that differs from the inference, or there was none.

Paths that are not inferable are simply what was stored.
"""

from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from . import vocab
from .prefill import Inferred
from .schema import FIELDS, INFERABLE_PATHS, default_for

INFERRED, CONFIRMED, EDITED = "inferred", "confirmed", "edited"
HUMAN = frozenset({CONFIRMED, EDITED})


@dataclass(frozen=True)
class Answer:
    path: str
    value: Any
    state: str = ""  # inferred | confirmed | edited | "" (not inferable, or nothing inferred and nothing said)
    because: tuple[str, ...] = ()
    inferred_value: Any = None

    @property
    def inferred(self) -> bool:
        return self.state == INFERRED


@dataclass
class Resolved:
    answers: dict[str, Answer] = field(default_factory=dict)

    def value(self, path: str):
        return self.answers[path].value

    def values(self) -> dict:
        """The effective answers as one object of FIELDS (dpia_criteria reassembled)."""
        out = {name: deepcopy(self.answers[name].value) for name in FIELDS if name != "dpia_criteria"}
        out["dpia_criteria"] = {key: deepcopy(self.answers[f"dpia_criteria.{key}"].value)
                                for key in vocab.CRITERION_KEYS}
        return out

    def inferred_paths(self) -> list[str]:
        return [p for p, a in self.answers.items() if a.state == INFERRED]

    def provenance(self) -> dict[str, dict]:
        return {p: {"state": a.state, "because": list(a.because)} for p, a in self.answers.items() if a.state}


def stored_value(stored: dict, path: str):
    field_name, _, criterion = path.partition(".")
    value = (stored or {}).get(field_name)
    if criterion:
        value = (value or {}).get(criterion) if isinstance(value, dict) else None
    default = default_for(path)
    if value is None:
        return default
    if isinstance(default, dict) and isinstance(value, dict):
        # fields added later read as their defaults, key by key (one level down too)
        return {k: ({**d, **value[k]} if isinstance(d, dict) and isinstance(value.get(k), dict)
                    else deepcopy(value[k]) if k in value else d) for k, d in default.items()} | \
            {k: deepcopy(v) for k, v in value.items() if k not in default}
    return deepcopy(value)


def all_paths() -> list[str]:
    return [name for name in FIELDS if name != "dpia_criteria"] + [f"dpia_criteria.{k}" for k in vocab.CRITERION_KEYS]


def resolve(stored: dict, provenance: dict, inferred: dict[str, Inferred]) -> Resolved:
    provenance = provenance or {}
    out = Resolved()
    for path in all_paths():
        value = stored_value(stored, path)
        guess = inferred.get(path) if path in INFERABLE_PATHS else None
        state = provenance.get(path, "")
        if state in HUMAN:
            out.answers[path] = Answer(path, value, state, (), guess.value if guess else None)
        elif guess is not None:
            out.answers[path] = Answer(path, deepcopy(guess.value), INFERRED, guess.because, guess.value)
        else:
            out.answers[path] = Answer(path, value, "")
    return out


def next_provenance(current: Resolved, provenance: dict, new_values: dict[str, Any], confirm: set[str],
                    reset: set[str]) -> dict:
    """The provenance after a save.

    ``new_values`` maps paths to what the person submitted. A submitted value equal to the inference
    stays ``inferred`` unless the path is in ``confirm``; a different one is ``edited``. A path in
    ``confirm`` that was not submitted confirms its current value. ``reset`` hands a path back to the model.
    """
    result = {p: s for p, s in (provenance or {}).items() if p in INFERABLE_PATHS and s in HUMAN}
    for path in INFERABLE_PATHS:
        answer = current.answers[path]
        if path in reset:
            result.pop(path, None)
            continue
        if path in new_values:
            value = new_values[path]
            guess = answer.inferred_value
            same = guess is not None and value == guess
            if path in confirm:
                result[path] = CONFIRMED if same else EDITED
            elif same:
                if result.get(path) == EDITED:
                    result[path] = CONFIRMED
            elif value != answer.value or answer.state == "" and value != default_for(path):
                result[path] = EDITED
        elif path in confirm and answer.state == INFERRED:
            result[path] = CONFIRMED
    return dict(sorted(result.items()))
