"""Forms of the workshop page. Every form of an existing object carries its `version`; a refused stale
write re-renders the form with the person's input kept and the current value shown next to each
field that someone else changed (`show_conflict`)."""

from django import forms
from django.contrib.auth import get_user_model
from django.forms.boundfield import BoundField

from threatmodel.forms import ComponentForm, FlowForm, ServiceErrorsMixin, VersionedForm

from .. import scoring
from ..models import Treatment

__all__ = ["ComponentForm", "CustomRiskForm", "DismissForm", "FlowForm", "RiskEditForm", "SystemQuestionsForm",
           "TransitionForm", "refresh_version", "show_conflict", "track_changes"]

LIKELIHOOD_CHOICES = [(v, f"{v} · {label}") for v, label in scoring.LIKELIHOOD_LABELS.items()]
IMPACT_CHOICES = [(v, f"{v} · {label}") for v, label in scoring.IMPACT_LABELS.items()]
# Accepting a risk (treatment) needs an approver and a review date: that is the register's accept action.
TREATMENT_CHOICES = [(v, label) for v, label in Treatment.choices if v != Treatment.ACCEPT]


def _members(team):
    return get_user_model().objects.filter(memberships__team=team).order_by("username")


class SystemQuestionsForm(VersionedForm):
    """The system's questionnaire only (name, owner and stage stay on the system's own page)."""

    def __init__(self, *args, system, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("version", system.version)
        self.add_questions("system", system.answers)


class TransitionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.CharField(widget=forms.HiddenInput)


class DismissForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Why does this threat not apply?", widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000,
                             error_messages={"required": "Give a reason: the next reviewer will read it."})
    field_aliases = {"status_reason": "reason"}


class _RiskFields(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(max_length=300)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    likelihood = forms.TypedChoiceField(choices=LIKELIHOOD_CHOICES, coerce=int, initial=3)
    impact = forms.TypedChoiceField(choices=IMPACT_CHOICES, coerce=int, initial=3)
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False, empty_label="Nobody yet")
    due = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class RiskEditForm(_RiskFields):
    version = forms.IntegerField(widget=forms.HiddenInput)
    treatment = forms.ChoiceField(choices=TREATMENT_CHOICES, required=False)
    override_residual = forms.BooleanField(label="Override the suggested residual score", required=False)
    residual_likelihood = forms.TypedChoiceField(label="Residual likelihood", choices=LIKELIHOOD_CHOICES, coerce=int)
    residual_impact = forms.TypedChoiceField(label="Residual impact", choices=IMPACT_CHOICES, coerce=int)
    residual_reason = forms.CharField(label="Reason for the override", required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    field_aliases = {"residual_override_reason": "residual_reason"}

    def __init__(self, *args, risk, **kwargs):
        super().__init__(*args, **kwargs)
        self.risk = risk
        self.fields["owner"].queryset = _members(risk.system.team)
        if risk.template_id:  # a catalog threat keeps the catalog's title and stays on its component
            self.fields["title"].disabled = True
        if risk.treatment == Treatment.ACCEPT:
            self.fields["treatment"].choices = [*TREATMENT_CHOICES, (Treatment.ACCEPT, "Accept (approved)")]
        self.initial.update(risk_initial(risk))

    def clean(self):
        data = super().clean()
        if data.get("override_residual") and not (data.get("residual_reason") or "").strip():
            self.add_error("residual_reason", "Give the reason for overriding the residual score.")
        return data


def risk_initial(risk) -> dict:
    return {"version": risk.version, "title": risk.title, "description": risk.description,
            "likelihood": risk.likelihood, "impact": risk.impact, "owner": risk.owner_id, "due": risk.due,
            "treatment": risk.treatment, "override_residual": risk.residual_overridden,
            "residual_likelihood": risk.residual_likelihood, "residual_impact": risk.residual_impact,
            "residual_reason": risk.residual_override_reason}


class CustomRiskForm(_RiskFields):
    component = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                       label="On component")

    def __init__(self, *args, system, components, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _members(system.team)
        self.fields["component"].choices = [("", "The whole system")] + [
            (c.pk, f"{c.get_kind_display()}: {c.name}") for c in components]


# --- concurrent edits ---------------------------------------------------------------------------

def _norm(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return sorted(str(v) for v in value)
    return str(value).strip()


def _display(field: forms.BoundField, value) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    choices = {str(k): v for k, v in getattr(field.field, "choices", []) or []}
    if isinstance(value, (list, tuple)):
        return ", ".join(str(choices.get(str(v), v)) for v in value) or "nothing"
    if choices:
        return str(choices.get(str(value) if value is not None else "", value or "—"))
    return str(value) if value not in (None, "") else "empty"


def refresh_version(form: forms.Form, version: int) -> None:
    """After a write that was partly applied (then refused by a later step): re-submitting must not conflict
    with the person's own first step."""
    data = form.data.copy()
    data["version"] = version
    form.data = data


class TrackedBoundField(BoundField):
    """A bound field that can render its hidden initial value on its own (for radio and checkbox groups)."""

    @property
    def initial_input(self) -> str:
        return self.as_hidden(only_initial=True) if self.field.show_hidden_initial else ""


def track_changes(form: forms.Form) -> forms.Form:
    """Carry each field's value as loaded (Django's hidden initial), so that a refused stale write can
    tell what this person changed from what someone else changed (`show_conflict`). Call before the
    form's fields are first accessed."""
    form.bound_field_class = TrackedBoundField
    for name, field in form.fields.items():
        if name != "version" and not field.disabled and not isinstance(field.widget, forms.HiddenInput):
            field.show_hidden_initial = True
    return form


def _set(data, name: str, field: forms.Field, value) -> None:
    if isinstance(value, (list, tuple)):
        data.setlist(name, [str(v) for v in value])
    elif isinstance(value, bool) and isinstance(field.widget, forms.CheckboxInput):
        if value:
            data[name] = "on"
        else:
            data.pop(name, None)
    else:
        data[name] = "" if value is None else str(value)


def show_conflict(form: forms.Form, fresh: forms.Form, current_version: int) -> None:
    """After a refused stale write: merge, keep the person's input, and move the form to the current version.

    Three-way, per field, with the value as loaded (hidden initial) as the base: a field only this person
    changed keeps their input; a field only someone else changed takes the current value (noted); a field
    both changed keeps this person's input and shows the current value under it. Without a base, every
    differing field keeps the input and shows the current value. Submitting again applies the result.
    """
    data = form.data.copy()
    notes = {}
    for name in form.fields:
        bound = form[name]
        field = bound.field
        if name == "version" or field.disabled or name not in fresh.fields:
            continue
        mine, theirs = bound.value(), fresh[name].value()
        if _norm(mine) == _norm(theirs):
            continue
        has_base = field.show_hidden_initial and bound.html_initial_name in form.data
        base = form._widget_data_value(field.hidden_widget(), bound.html_initial_name) if has_base else None
        if has_base and _norm(theirs) == _norm(base):
            continue  # only this person changed it: no conflict
        if has_base and _norm(mine) == _norm(base):
            _set(data, name, field, theirs)  # only someone else changed it: take theirs
            field.current_value = f"{_display(bound, theirs)} (someone else's change, taken over)"
            field.taken_over = True
        else:
            notes[name] = _display(bound, theirs)
            field.current_value = f"{notes[name]} (changed by someone else; yours is kept above)"
        if has_base:
            _set(data, bound.html_initial_name, field, theirs)  # the current value is the new base
    data["version"] = current_version
    form.data = data
    form.current_values = notes
    form.add_error(None, "Someone else changed this while you were editing. Your changes are kept; theirs are "
                         "shown under each field they changed. Save again to apply the result.")
