"""Forms of the register pages. They only shape input: every rule lives in the services, whose
ValidationErrors are shown next to the field they name."""

from django import forms
from django.contrib.auth import get_user_model

from threatmodel.forms import ServiceErrorsMixin
from threatmodel.models import Component

from . import scoring
from .models import ReviewDecision, ReviewRole, Risk, RiskStatus, Treatment

LEVEL_CHOICES = [(n, f"{n} · {scoring.LIKELIHOOD_LABELS[n]}") for n in scoring.LEVELS]
IMPACT_CHOICES = [(n, f"{n} · {scoring.IMPACT_LABELS[n]}") for n in scoring.LEVELS]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def members_queryset(team):
    return get_user_model().objects.filter(memberships__team=team).order_by("username")


class RiskForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(max_length=300)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    component = forms.ModelChoiceField(queryset=Component.objects.none(), required=False,
                                       empty_label="(the whole system)")
    likelihood = forms.TypedChoiceField(choices=LEVEL_CHOICES, coerce=int, initial=3)
    impact = forms.TypedChoiceField(choices=IMPACT_CHOICES, coerce=int, initial=3)
    treatment = forms.ChoiceField(choices=[c for c in Treatment.choices if c[0] != Treatment.ACCEPT],
                                  required=False, help_text="To accept a risk, use Accept: it needs an approver.")
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False,
                                   to_field_name="username", empty_label="(nobody)",
                                   help_text="A member of the team.")
    due = forms.DateField(required=False, widget=DATE_WIDGET)
    mappings = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Framework mappings",
        help_text="One per line as FRAMEWORK:REF, e.g. NIST-AI-RMF:MEASURE 2.7 or OWASP-LLM-2025:LLM01:2025.")

    def __init__(self, *args, system, risk: Risk | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.risk = risk
        self.fields["component"].queryset = Component.objects.filter(system=system).order_by("kind", "position", "id")
        self.fields["owner"].queryset = members_queryset(system.team)
        if risk is not None:
            self.initial.update({
                "version": risk.version, "title": risk.title, "description": risk.description,
                "component": risk.component_id, "likelihood": risk.likelihood, "impact": risk.impact,
                "treatment": risk.treatment if risk.treatment != Treatment.ACCEPT else "",
                "owner": risk.owner.username if risk.owner_id else None, "due": risk.due,
                "mappings": "\n".join(f"{i.framework.key}:{i.ref}" for i in risk.custom_mappings.all()),
            })
            if risk.template_id:
                del self.fields["component"]
                del self.fields["mappings"]
            if risk.treatment == Treatment.ACCEPT:
                self.fields["treatment"].choices = Treatment.choices
                self.initial["treatment"] = Treatment.ACCEPT
                self.fields["treatment"].help_text = "Accepted: choose another treatment to withdraw the acceptance."

    def mapping_refs(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("mappings") or "").splitlines() if line.strip()]

    def changes(self) -> dict:
        d = self.cleaned_data
        out = {name: d.get(name) for name in ("title", "description", "likelihood", "impact", "owner", "due")}
        if not (self.risk is not None and self.risk.treatment == Treatment.ACCEPT and d.get("treatment") == "accept"):
            out["treatment"] = d.get("treatment") or ""
        if "component" in self.fields:
            out["component"] = d.get("component")
        if "mappings" in self.fields:
            out["mappings"] = self.mapping_refs()
        return out


class RiskTransitionForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status = forms.ChoiceField(choices=RiskStatus.choices, label="New status")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             help_text="Required to dismiss a risk.")
    field_aliases = {"status_reason": "reason"}

    def __init__(self, *args, risk: Risk, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(RiskStatus.choices)
        self.fields["status"].choices = [(s, labels[s]) for s in risk.allowed_transitions()]
        self.initial["version"] = risk.version


class RiskAcceptForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    review_date = forms.DateField(widget=DATE_WIDGET, label="Review the acceptance by")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             label="Why the risk is acceptable")
    field_aliases = {"acceptance_review_date": "review_date", "acceptance_reason": "reason"}


class ResidualForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    likelihood = forms.TypedChoiceField(choices=LEVEL_CHOICES, coerce=int, label="Residual likelihood")
    impact = forms.TypedChoiceField(choices=IMPACT_CHOICES, coerce=int, label="Residual impact")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             label="Why the suggested residual score does not fit")
    field_aliases = {"residual_likelihood": "likelihood", "residual_impact": "impact",
                     "residual_override_reason": "reason"}


class SignOffForm(ServiceErrorsMixin, forms.Form):
    role = forms.ChoiceField(choices=ReviewRole.choices)
    decision = forms.ChoiceField(choices=ReviewDecision.choices, initial=ReviewDecision.SIGNED,
                                 help_text="Only the approver sends a register back (with a comment).")
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    field_aliases = {"user": "role", "register_hash": "role"}


class MatrixForm(forms.Form):
    """25 cells: cell_<likelihood>_<impact>."""

    def __init__(self, *args, matrix, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(b, scoring.BAND_LABELS[b]) for b in scoring.BANDS]
        for li in reversed(scoring.LEVELS):
            for im in scoring.LEVELS:
                self.fields[f"cell_{li}_{im}"] = forms.ChoiceField(
                    choices=choices, initial=matrix[li - 1][im - 1],
                    label=f"Likelihood {li}, impact {im}")

    def rows(self) -> list[dict]:
        return [{"likelihood": li, "label": scoring.LIKELIHOOD_LABELS[li],
                 "cells": [self[f"cell_{li}_{im}"] for im in scoring.LEVELS]} for li in reversed(scoring.LEVELS)]

    def matrix(self) -> list[list[str]]:
        return [[self.cleaned_data[f"cell_{li}_{im}"] for im in scoring.LEVELS] for li in scoring.LEVELS]


class RegisterFilterForm(forms.Form):
    """The register's filters (GET). Unknown or invalid values are ignored, never an error page."""

    status = forms.MultipleChoiceField(choices=[c for c in RiskStatus.choices if c[0] != RiskStatus.SUGGESTED],
                                       required=False,
                                       widget=forms.CheckboxSelectMultiple)
    band = forms.MultipleChoiceField(choices=[(b, scoring.BAND_LABELS[b]) for b in scoring.BANDS], required=False,
                                     widget=forms.CheckboxSelectMultiple)
    owner = forms.ChoiceField(required=False)
    due = forms.ChoiceField(required=False, choices=[("", "Any"), ("overdue", "Overdue"),
                                                     ("soon", "Due within 7 days"), ("none", "No due date")])
    component = forms.ChoiceField(required=False)
    system = forms.ChoiceField(required=False)
    framework_item = forms.ChoiceField(required=False, label="Framework item")
    treatment = forms.ChoiceField(required=False, choices=[("", "Any"), ("none", "Undecided"),
                                                           *[c for c in Treatment.choices if c[0]]])
    stale = forms.ChoiceField(required=False, choices=[("", "Any"), ("yes", "Stale only"), ("no", "Not stale")])
    q = forms.CharField(required=False, label="Search", max_length=200)
    sort = forms.ChoiceField(required=False, choices=[
        ("score", "Score, highest first"), ("band", "Band"), ("residual", "Residual score"), ("due", "Due date"),
        ("status", "Status"), ("component", "Component"), ("owner", "Owner"), ("title", "Title"),
        ("updated", "Recently changed"), ("id", "ID")])

    def __init__(self, *args, owners=(), components=None, systems=None, framework_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Anyone"), ("none", "No owner"),
                                        *[(u.username, u.username) for u in owners]]
        if components is None:
            del self.fields["component"]
        else:
            self.fields["component"].choices = [("", "Any"), ("none", "(system-wide or deleted)"),
                                                *[(str(c.pk), f"{c.get_kind_display()}: {c.name}") for c in components]]
        if systems is None:
            del self.fields["system"]
        else:
            self.fields["system"].choices = [("", "Any"), *[(str(s.pk), s.name) for s in systems]]
        self.fields["framework_item"].choices = [
            ("", "Any"), *[(str(i.pk), f"{i.framework.key} {i.ref}: {i.title}"[:110]) for i in framework_items]]

    def filters(self) -> dict:
        """The valid filters; an invalid field is dropped (and marked on the form)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        out = {}
        for name in ("status", "band", "owner", "due", "component", "framework_item", "treatment", "stale", "q",
                     "sort"):
            if name in self.fields and data.get(name):
                out[name] = data[name]
        return out
