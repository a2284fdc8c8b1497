"""The structured answers of a privacy assessment and their validation.

Each field is plain JSON. ``clean_values`` normalises what it is given (choice lists in vocabulary
order, text stripped) and collects every problem into one ValidationError whose keys name the exact
place, e.g. ``transfers[0].safeguards`` or ``dpia_criteria.large_scale.applies``. Unknown keys are
errors, never silently dropped.
"""

import sys
from copy import deepcopy
from typing import Any

from django.core.exceptions import ValidationError

from . import dpia_fields, vocab

TEXT_MAX = 20_000
NOTE_MAX = 2_000
SHORT_MAX = 300
LIST_MAX = 100

FIELDS = (
    "processes_personal_data",
    "processing_description",
    "purposes",
    "data_subjects",
    "data_categories",
    "sources",
    "regimes",
    "residency",
    "transfers",
    "rights_process",
    "erasure",
    "secondary_use",
    "deidentification",
    "dpia_criteria",
    *dpia_fields.DPIA_FIELDS,
)

FIELD_LABELS = {
    "processes_personal_data": "Processes personal data",
    "processing_description": "Processing description",
    "purposes": "Purposes and legal basis",
    "data_subjects": "Data subjects",
    "data_categories": "Categories of personal data and retention",
    "sources": "Sources of the data",
    "regimes": "Applicable regimes",
    "residency": "Data residency",
    "transfers": "Transfers to third parties",
    "rights_process": "Data subject rights",
    "erasure": "Erasure (right to be forgotten)",
    "secondary_use": "Secondary use for training",
    "deidentification": "De-identification and re-identification risk",
    "dpia_criteria": "DPIA screening criteria",
    **dpia_fields.FIELD_LABELS,
}

# Answers the model can suggest; each DPIA criterion is its own path ("dpia_criteria.<key>").
INFERABLE_FIELDS = ("processes_personal_data", "data_subjects", "data_categories", "sources", "regimes", "transfers",
                    "erasure", "secondary_use")
CRITERION_PATHS = tuple(f"dpia_criteria.{key}" for key in vocab.CRITERION_KEYS)
INFERABLE_PATHS = INFERABLE_FIELDS + CRITERION_PATHS


def default_values() -> dict:
    return {
        "processes_personal_data": None,
        "processing_description": "",
        "purposes": [],
        "data_subjects": [],
        "data_categories": [],
        "sources": [],
        "regimes": [],
        "residency": {"stored_in": [], "processed_in": [], "note": ""},
        "transfers": [],
        "rights_process": "",
        "erasure": {key: {"applies": None, "mechanism": "", "detail": ""} for key, _ in vocab.ERASURE_TARGETS},
        "secondary_use": {"training": None, "basis": "", "detail": ""},
        "deidentification": {"techniques": [], "reidentification_risk": "", "detail": ""},
        "dpia_criteria": {key: {"applies": None, "note": ""} for key in vocab.CRITERION_KEYS},
        **dpia_fields.defaults(),
    }


def default_for(path: str) -> Any:
    field, _, criterion = path.partition(".")
    value = default_values()[field]
    return deepcopy(value[criterion] if criterion else value)


class _Errors:
    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)


# --- primitive cleaners (return a value, record errors) -----------------------------------

def _bool(value, path, err) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    err.add(path, "Must be true, false or null (unknown).")
    return None


def _text(value, path, err, max_length=NOTE_MAX, required=False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        err.add(path, "Must be text.")
        return ""
    value = value.strip()
    if required and not value:
        err.add(path, "This is required.")
    if len(value) > max_length:
        err.add(path, f"At most {max_length} characters (this has {len(value)}).")
    return value


def _choice(value, choices, path, err, blank=True) -> str:
    if value in (None, "") and blank:
        return ""
    allowed = vocab.values_of(choices)
    if not isinstance(value, str) or value not in allowed:
        err.add(path, f"'{value}' is not one of {', '.join(sorted(allowed))}.")
        return ""
    return value


def _multi(value, choices, path, err) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple)):
        err.add(path, "Must be a list.")
        return []
    order = [entry[0] for entry in choices]
    bad = [v for v in value if not isinstance(v, str) or v not in order]
    for v in bad:
        err.add(path, f"'{v}' is not one of {', '.join(order)}.")
    wanted = {v for v in value if isinstance(v, str) and v in order}
    return [v for v in order if v in wanted]


def _str_list(value, path, err) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [part for line in value.splitlines() for part in line.split(",")]
    if not isinstance(value, (list, tuple)):
        err.add(path, "Must be a list of text.")
        return []
    out = []
    for i, item in enumerate(value):
        text = _text(item, f"{path}[{i}]", err, max_length=SHORT_MAX)
        if text and text not in out:
            out.append(text)
    if len(out) > LIST_MAX:
        err.add(path, f"At most {LIST_MAX} entries.")
    return out


def _object(value, keys, path, err) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        err.add(path, "Must be an object.")
        return {}
    for key in value:
        if key not in keys:
            err.add(f"{path}.{key}", f"Unknown key (expected {', '.join(keys)}).")
    return value


def _records(value, path, err, clean_one) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple)):
        err.add(path, "Must be a list.")
        return []
    if len(value) > LIST_MAX:
        err.add(path, f"At most {LIST_MAX} entries.")
        return []
    return [clean_one(item, f"{path}[{i}]") for i, item in enumerate(value)]


# --- field cleaners ------------------------------------------------------------------------------

def _purpose(item, path, err) -> dict:
    item = _object(item, ("purpose", "legal_basis", "note"), path, err)
    return {"purpose": _text(item.get("purpose"), f"{path}.purpose", err, SHORT_MAX, required=True),
            "legal_basis": _choice(item.get("legal_basis"), vocab.LEGAL_BASES, f"{path}.legal_basis", err),
            "note": _text(item.get("note"), f"{path}.note", err)}


def _category(item, path, err) -> dict:
    item = _object(item, ("category", "retention", "note"), path, err)
    return {"category": _choice(item.get("category"), vocab.CATEGORY_CHOICES, f"{path}.category", err, blank=False),
            "retention": _text(item.get("retention"), f"{path}.retention", err, SHORT_MAX),
            "note": _text(item.get("note"), f"{path}.note", err)}


def _transfer(item, path, err) -> dict:
    item = _object(item, ("recipient", "role", "country", "safeguards", "model_provider", "note"), path, err)
    model_provider = _bool(item.get("model_provider", False), f"{path}.model_provider", err)
    return {"recipient": _text(item.get("recipient"), f"{path}.recipient", err, SHORT_MAX, required=True),
            "role": _choice(item.get("role"), vocab.TRANSFER_ROLES, f"{path}.role", err),
            "country": _text(item.get("country"), f"{path}.country", err, SHORT_MAX),
            "safeguards": _multi(item.get("safeguards"), vocab.SAFEGUARDS, f"{path}.safeguards", err),
            "model_provider": bool(model_provider),
            "note": _text(item.get("note"), f"{path}.note", err)}


def _clean_field(name: str, value, err: _Errors):
    p = name
    if name == "processes_personal_data":
        return _bool(value, p, err)
    if name in ("processing_description", "rights_process"):
        return _text(value, p, err, TEXT_MAX)
    if name == "purposes":
        return _records(value, p, err, lambda item, path: _purpose(item, path, err))
    if name == "data_subjects":
        return _multi(value, vocab.DATA_SUBJECTS, p, err)
    if name == "data_categories":
        rows = _records(value, p, err, lambda item, path: _category(item, path, err))
        order = [v for v, _, _ in vocab.DATA_CATEGORIES]
        seen = set()
        for i, row in enumerate(rows):
            if row["category"] and row["category"] in seen:
                err.add(f"{p}[{i}].category", f"'{row['category']}' is listed twice.")
            seen.add(row["category"])
        return sorted(rows, key=lambda r: order.index(r["category"]) if r["category"] in order else len(order))
    if name == "sources":
        return _multi(value, vocab.SOURCES, p, err)
    if name == "regimes":
        return _multi(value, vocab.REGIMES, p, err)
    if name == "residency":
        obj = _object(value, ("stored_in", "processed_in", "note"), p, err)
        return {"stored_in": _str_list(obj.get("stored_in"), f"{p}.stored_in", err),
                "processed_in": _str_list(obj.get("processed_in"), f"{p}.processed_in", err),
                "note": _text(obj.get("note"), f"{p}.note", err)}
    if name == "transfers":
        return _records(value, p, err, lambda item, path: _transfer(item, path, err))
    if name == "erasure":
        targets = [key for key, _ in vocab.ERASURE_TARGETS]
        obj = _object(value, targets, p, err)
        out = {}
        for key in targets:
            entry = _object(obj.get(key), ("applies", "mechanism", "detail"), f"{p}.{key}", err)
            out[key] = {"applies": _bool(entry.get("applies"), f"{p}.{key}.applies", err),
                        "mechanism": _choice(entry.get("mechanism"), vocab.ERASURE_MECHANISMS,
                                             f"{p}.{key}.mechanism", err),
                        "detail": _text(entry.get("detail"), f"{p}.{key}.detail", err)}
        return out
    if name == "secondary_use":
        obj = _object(value, ("training", "basis", "detail"), p, err)
        return {"training": _bool(obj.get("training"), f"{p}.training", err),
                "basis": _choice(obj.get("basis"), vocab.SECONDARY_USE_BASES, f"{p}.basis", err),
                "detail": _text(obj.get("detail"), f"{p}.detail", err)}
    if name == "deidentification":
        obj = _object(value, ("techniques", "reidentification_risk", "detail"), p, err)
        return {"techniques": _multi(obj.get("techniques"), vocab.DEIDENTIFICATION_TECHNIQUES, f"{p}.techniques", err),
                "reidentification_risk": _choice(obj.get("reidentification_risk"), vocab.REIDENTIFICATION_RISK,
                                                 f"{p}.reidentification_risk", err),
                "detail": _text(obj.get("detail"), f"{p}.detail", err)}
    if name == "dpia_criteria":
        obj = _object(value, vocab.CRITERION_KEYS, p, err)
        return {key: clean_criterion(obj.get(key), f"{p}.{key}", err) for key in vocab.CRITERION_KEYS}
    return dpia_fields.clean(name, value, err, sys.modules[__name__])


def clean_criterion(value, path: str, err: _Errors) -> dict:
    entry = _object(value, ("applies", "note"), path, err)
    return {"applies": _bool(entry.get("applies"), f"{path}.applies", err),
            "note": _text(entry.get("note"), f"{path}.note", err, NOTE_MAX)}


def clean_values(data: dict, *, partial_criteria: bool = False) -> dict:
    """Validate and normalise the fields present in ``data``; ValidationError naming every bad place.

    With ``partial_criteria`` the criteria given under ``dpia_criteria`` are cleaned one by one and
    only those are returned (a client may send a single criterion).
    """
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": "The privacy assessment must be a JSON object."})
    err = _Errors()
    out = {}
    for name, value in data.items():
        if name not in FIELDS:
            err.add(name, "Unknown field.")
            continue
        if name == "dpia_criteria" and partial_criteria:
            obj = _object(value, vocab.CRITERION_KEYS, name, err)
            out[name] = {key: clean_criterion(obj[key], f"{name}.{key}", err) for key in obj
                         if key in vocab.CRITERION_KEYS}
            continue
        out[name] = _clean_field(name, value, err)
    if err.errors:
        raise ValidationError(err.errors)
    return out


def categories_special(rows: list[dict]) -> list[dict]:
    """The data categories with their label and special-category flag, for display."""
    return [{**row, "label": vocab.label_of(vocab.CATEGORY_CHOICES, row["category"]),
             "special": row["category"] in vocab.SPECIAL_CATEGORIES} for row in rows]
