"""The privacy assessment form: plain fields and three small formsets (purposes, categories, transfers).

The form only reshapes what was posted into the JSON the service validates (``values()``) plus the
list of inferred answers the person ticked as confirmed; the service's errors come back onto the
fields they name (``add_service_error``, the one mapping of threatmodel.forms.ServiceErrorsMixin).
"""

import re

from django import forms
from django.forms import formset_factory

from threatmodel.forms import ServiceErrorsMixin

from . import dpia_fields, vocab
from .schema import INFERABLE_PATHS

TRI = [("", "Unknown"), ("yes", "Yes"), ("no", "No")]
BLANK = [("", "—")]


def to_tri(value) -> str:
    return {True: "yes", False: "no"}.get(value, "")


def from_tri(value):
    return {"yes": True, "no": False}.get(value)


def _multi(choices, label, help_text=""):
    return forms.MultipleChoiceField(label=label, help_text=help_text, required=False, choices=list(choices),
                                     widget=forms.CheckboxSelectMultiple)


def _tri(label, help_text=""):
    return forms.ChoiceField(label=label, help_text=help_text, choices=TRI, required=False, widget=forms.RadioSelect)


def _text(label, rows=0, help_text="", max_length=None):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(label=label, help_text=help_text, required=False, widget=widget, max_length=max_length)


class PurposeForm(forms.Form):
    purpose = _text("Purpose", max_length=300)
    legal_basis = forms.ChoiceField(label="Legal basis", choices=BLANK + list(vocab.LEGAL_BASES), required=False)
    note = _text("Note")

    def value(self):
        d = self.cleaned_data
        if not any(d.get(k) for k in ("purpose", "legal_basis", "note")):
            return None
        return {"purpose": d["purpose"], "legal_basis": d["legal_basis"], "note": d["note"]}


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label="Category", choices=BLANK + list(vocab.CATEGORY_CHOICES), required=False)
    retention = _text("Retention", max_length=300, help_text="How long, and what happens then")
    note = _text("Note")

    def value(self):
        d = self.cleaned_data
        if not any(d.get(k) for k in ("category", "retention", "note")):
            return None
        return {"category": d["category"], "retention": d["retention"], "note": d["note"]}


class TransferForm(forms.Form):
    recipient = _text("Recipient", max_length=300)
    role = forms.ChoiceField(label="Role", choices=BLANK + list(vocab.TRANSFER_ROLES), required=False)
    country = _text("Country or region", max_length=300)
    safeguards = _multi(vocab.SAFEGUARDS, "Safeguards")
    model_provider = forms.BooleanField(label="This is a third-party model provider", required=False)
    note = _text("Note")

    def value(self):
        d = self.cleaned_data
        if not any(d.get(k) for k in ("recipient", "role", "country", "safeguards", "model_provider", "note")):
            return None
        return {"recipient": d["recipient"], "role": d["role"], "country": d["country"],
                "safeguards": list(d["safeguards"]), "model_provider": bool(d["model_provider"]), "note": d["note"]}


PurposeFormSet = formset_factory(PurposeForm, extra=2)
CategoryFormSet = formset_factory(CategoryForm, extra=2)
TransferFormSet = formset_factory(TransferForm, extra=1)
FORMSETS = {"purposes": PurposeFormSet, "data_categories": CategoryFormSet, "transfers": TransferFormSet}
PATH_RE = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)")


# --- the DPIA's answers, built from dpia_fields.FORM_FIELDS and ROWS (declared once) -------------------

def field_name(path: str) -> str:
    return "dpia_" + path.replace(".", "__")


def _declared_field(label: str, kind: str, choices=None) -> forms.Field:
    if kind == "count":
        return forms.IntegerField(label=label, required=False, min_value=0, help_text="Leave empty when unknown.")
    if kind == "choice":
        return forms.ChoiceField(label=label, choices=BLANK + list(choices), required=False)
    if kind == "multi":
        return _multi(choices, label)
    if kind == "tri":
        return _tri(label)
    return _text(label, rows=3 if kind in ("long", "lines") else 0)


def _to_form(kind: str, value):
    if kind == "lines":
        return "\n".join(value or [])
    if kind == "tri":
        return to_tri(value)
    return value


def _from_form(kind: str, value):
    if kind == "lines":
        return [line.strip() for line in (value or "").splitlines() if line.strip()]
    if kind == "tri":
        return from_tri(value)
    if kind == "multi":
        return list(value or [])
    return value


def _get(values: dict, path: str):
    for part in path.split("."):
        values = (values or {}).get(part) if isinstance(values, dict) else None
    return values


def _put(out: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for part in parents:
        out = out.setdefault(part, {})
    out[last] = value


class _DeclaredRowForm(forms.Form):
    """One entry of a DPIA list (a consultation, a risk to individuals); ``spec`` comes from dpia_fields.ROWS."""

    spec: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label, kind, *choices in self.spec:
            self.fields[key] = _declared_field(label, kind, *choices)

    def value(self):
        d = self.cleaned_data
        if not any(d.get(key) for key, *_ in self.spec):
            return None
        return {key: _from_form(kind, d.get(key)) for key, _label, kind, *_c in self.spec}


def _row_formset(path: str):
    form = type(f"{path.replace('.', '_').title()}Form", (_DeclaredRowForm,), {"spec": dpia_fields.ROWS[path]})
    return formset_factory(form, extra=1)


DPIA_ROWSETS = {path.replace(".", "_"): (path, _row_formset(path)) for path in dpia_fields.ROWS}


class PrivacyForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    processes_personal_data = _tri("Does the system process personal data?")
    processing_description = _text("Processing description", rows=4,
                                   help_text="What the system does with personal data, end to end.")
    data_subjects = _multi(vocab.DATA_SUBJECTS, "Data subjects")
    sources = _multi(vocab.SOURCES, "Sources of the personal data")
    regimes = _multi(vocab.REGIMES, "Applicable regimes")
    stored_in = _text("Stored in", help_text="Countries or regions, comma-separated")
    processed_in = _text("Processed in", help_text="Countries or regions, comma-separated (model providers included)")
    residency_note = _text("Residency note")
    rights_process = _text("How data subject requests are handled", rows=3,
                           help_text="Access, rectification, objection, portability: who handles them and how fast.")
    training = _tri("Is personal data used to train or improve models?")
    training_basis = forms.ChoiceField(label="Basis for that use", choices=BLANK + list(vocab.SECONDARY_USE_BASES),
                                       required=False)
    training_detail = _text("Detail", rows=2)
    deid_techniques = _multi(vocab.DEIDENTIFICATION_TECHNIQUES, "De-identification techniques")
    reid_risk = forms.ChoiceField(label="Re-identification risk", choices=BLANK + list(vocab.REIDENTIFICATION_RISK),
                                  required=False)
    deid_detail = _text("Detail", rows=2)
    confirm = forms.MultipleChoiceField(choices=[(p, p) for p in INFERABLE_PATHS], required=False,
                                        widget=forms.MultipleHiddenInput)

    def __init__(self, data=None, *, values: dict, version: int):
        super().__init__(data)
        for key, label in vocab.ERASURE_TARGETS:
            self.fields[f"erasure_{key}_applies"] = _tri(f"Does erasure need to reach {label.lower()}?")
            self.fields[f"erasure_{key}_mechanism"] = forms.ChoiceField(
                label="How", choices=BLANK + list(vocab.ERASURE_MECHANISMS), required=False)
            self.fields[f"erasure_{key}_detail"] = _text("Detail")
        for key, label, description in vocab.EDPB_CRITERIA:
            self.fields[f"criterion_{key}"] = _tri(label, description)
            self.fields[f"criterion_{key}_note"] = _text("Note")
        for path, label, kind, *choices in dpia_fields.FORM_FIELDS:
            self.fields[field_name(path)] = _declared_field(label, kind, *choices)
            self.initial[field_name(path)] = _to_form(kind, _get(values, path))
        self.initial.update(self._initial(values, version))
        self.formsets = {
            name: cls(data, prefix=name, initial=None if data is not None else values[name])
            for name, cls in FORMSETS.items()
        }
        for name, (path, cls) in DPIA_ROWSETS.items():
            rows = _get(values, path) or []
            self.formsets[name] = cls(data, prefix=name, initial=None if data is not None else [
                {key: _to_form(kind, row.get(key)) for key, _l, kind, *_c in dpia_fields.ROWS[path]} for row in rows])

    def dpia_sections(self) -> list[dict]:
        """The DPIA's answers grouped as the report prints them: {key, title, fields, rowsets}."""
        sections: dict[str, dict] = {}
        for path, *_ in dpia_fields.FORM_FIELDS:
            top = path.split(".")[0]
            section = sections.setdefault(top, {"key": top, "title": dpia_fields.FIELD_LABELS[top], "fields": [],
                                                "rowsets": []})
            section["fields"].append(self[field_name(path)])
        for name, (path, _cls) in DPIA_ROWSETS.items():
            top = path.split(".")[0]
            section = sections.setdefault(top, {"key": top, "title": dpia_fields.FIELD_LABELS[top], "fields": [],
                                                "rowsets": []})
            section["rowsets"].append({"formset": self.formsets[name], "legend": dpia_fields.ROWS[path][0][1]})
        order = {name: i for i, name in enumerate(dpia_fields.DPIA_FIELDS)}
        return sorted(sections.values(), key=lambda s: order[s["key"]])

    @staticmethod
    def _initial(v: dict, version: int) -> dict:
        initial = {
            "version": version,
            "processes_personal_data": to_tri(v["processes_personal_data"]),
            "processing_description": v["processing_description"],
            "data_subjects": v["data_subjects"], "sources": v["sources"], "regimes": v["regimes"],
            "stored_in": ", ".join(v["residency"].get("stored_in", [])),
            "processed_in": ", ".join(v["residency"].get("processed_in", [])),
            "residency_note": v["residency"].get("note", ""),
            "rights_process": v["rights_process"],
            "training": to_tri(v["secondary_use"].get("training")),
            "training_basis": v["secondary_use"].get("basis", ""),
            "training_detail": v["secondary_use"].get("detail", ""),
            "deid_techniques": v["deidentification"].get("techniques", []),
            "reid_risk": v["deidentification"].get("reidentification_risk", ""),
            "deid_detail": v["deidentification"].get("detail", ""),
        }
        for key, _ in vocab.ERASURE_TARGETS:
            entry = v["erasure"].get(key, {})
            initial[f"erasure_{key}_applies"] = to_tri(entry.get("applies"))
            initial[f"erasure_{key}_mechanism"] = entry.get("mechanism", "")
            initial[f"erasure_{key}_detail"] = entry.get("detail", "")
        for key in vocab.CRITERION_KEYS:
            entry = v["dpia_criteria"].get(key, {})
            initial[f"criterion_{key}"] = to_tri(entry.get("applies"))
            initial[f"criterion_{key}_note"] = entry.get("note", "")
        return initial

    def erasure_rows(self) -> list[dict]:
        return [{"key": key, "label": label,
                 "fields": [self[f"erasure_{key}_{part}"] for part in ("applies", "mechanism", "detail")]}
                for key, label in vocab.ERASURE_TARGETS]

    def criteria_rows(self, answers: dict) -> list[dict]:
        return [{"key": key, "label": label, "answer": answers.get(f"criterion_{key}"),
                 "fields": [self[f"criterion_{key}"], self[f"criterion_{key}_note"]]}
                for key, label, _ in vocab.EDPB_CRITERIA]

    def is_valid(self) -> bool:
        valid = super().is_valid()
        formsets_valid = [fs.is_valid() for fs in self.formsets.values()]  # validate every formset, no short cut
        return valid and all(formsets_valid)

    def values(self) -> dict:
        d = self.cleaned_data
        rows = {name: [v for v in (f.value() for f in fs.forms if f.cleaned_data) if v is not None]
                for name, fs in self.formsets.items()}
        return {
            "processes_personal_data": from_tri(d["processes_personal_data"]),
            "processing_description": d["processing_description"],
            "purposes": rows["purposes"],
            "data_subjects": list(d["data_subjects"]),
            "data_categories": rows["data_categories"],
            "sources": list(d["sources"]),
            "regimes": list(d["regimes"]),
            "residency": {"stored_in": d["stored_in"], "processed_in": d["processed_in"], "note": d["residency_note"]},
            "transfers": rows["transfers"],
            "rights_process": d["rights_process"],
            "erasure": {key: {"applies": from_tri(d[f"erasure_{key}_applies"]),
                              "mechanism": d[f"erasure_{key}_mechanism"], "detail": d[f"erasure_{key}_detail"]}
                        for key, _ in vocab.ERASURE_TARGETS},
            "secondary_use": {"training": from_tri(d["training"]), "basis": d["training_basis"],
                              "detail": d["training_detail"]},
            "deidentification": {"techniques": list(d["deid_techniques"]), "reidentification_risk": d["reid_risk"],
                                 "detail": d["deid_detail"]},
            "dpia_criteria": {key: {"applies": from_tri(d[f"criterion_{key}"]), "note": d[f"criterion_{key}_note"]}
                              for key in vocab.CRITERION_KEYS},
            **self.dpia_values(rows),
        }

    def dpia_values(self, rows: dict) -> dict:
        out: dict = {}
        for path, _label, kind, *_c in dpia_fields.FORM_FIELDS:
            _put(out, path, _from_form(kind, self.cleaned_data.get(field_name(path))))
        for name, (path, _cls) in DPIA_ROWSETS.items():
            _put(out, path, rows[name])
        return out

    def add_service_error(self, path: str, messages: list[str]) -> None:
        """Put one of the service's errors next to the field it names (``transfers[0].role`` -> that row's role)."""
        for name, (declared, _cls) in DPIA_ROWSETS.items():  # consultation.entries[0].when -> that row
            if path.startswith(declared + "["):
                path = name + path[len(declared):]
        match = PATH_RE.match(path)
        if match and match.group(1) in self.formsets:
            name, index, field = match.group(1), int(match.group(2)), match.group(3)
            forms_ = self.formsets[name].forms
            rows = [i for i, f in enumerate(forms_) if f.cleaned_data and f.value() is not None]
            if index < len(rows) and field in forms_[rows[index]].fields:
                forms_[rows[index]].add_error(field, messages)
                return
        target = self._field_for(path)
        self.add_error(target, messages if target else [f"{path}: {m}" for m in messages])

    def _field_for(self, path: str) -> str | None:
        parts = path.replace("[", ".").replace("]", "").split(".")
        candidates = {
            ("residency", "stored_in"): "stored_in", ("residency", "processed_in"): "processed_in",
            ("residency", "note"): "residency_note", ("secondary_use", "training"): "training",
            ("secondary_use", "basis"): "training_basis", ("secondary_use", "detail"): "training_detail",
            ("deidentification", "techniques"): "deid_techniques",
            ("deidentification", "reidentification_risk"): "reid_risk",
            ("deidentification", "detail"): "deid_detail",
        }
        if len(parts) >= 2 and (parts[0], parts[1]) in candidates:
            return candidates[(parts[0], parts[1])]
        if parts[0] == "erasure" and len(parts) >= 3:
            name = f"erasure_{parts[1]}_{parts[2]}"
            return name if name in self.fields else None
        if field_name(".".join(parts)) in self.fields:
            return field_name(".".join(parts))
        if parts[0] == "dpia_criteria" and len(parts) >= 2:
            name = f"criterion_{parts[1]}" + ("_note" if len(parts) > 2 and parts[2] == "note" else "")
            return name if name in self.fields else None
        return parts[0] if parts[0] in self.fields else None
