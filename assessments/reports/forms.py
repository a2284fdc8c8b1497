"""Forms of the assurance report's inputs: a system's scope and the team's organisation evidence. They
shape input only; the services validate and name the field at fault, shown next to it."""

from django import forms

from threatmodel.forms import ServiceErrorsMixin

from ..models import ORG_CHECKLIST, SCOPE_COMPONENT_KINDS, AssuranceScope, GovernanceEvidence

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssuranceScopeForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    system_version = forms.CharField(max_length=120, required=False, label="System version",
                                     help_text="The release of the system this report covers, e.g. 2.3.0.")
    period_start = forms.DateField(required=False, widget=DATE_WIDGET, label="Reporting period from")
    period_end = forms.DateField(required=False, widget=DATE_WIDGET, label="Reporting period to")

    def __init__(self, *args, system, scope: AssuranceScope | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.components = list(system.components.filter(kind__in=SCOPE_COMPONENT_KINDS).order_by(
            "kind", "position", "id"))
        versions = scope.component_versions if scope else {}
        for c in self.components:
            kind = "Model" if c.kind == "model" else "Data set"
            self.fields[f"component_{c.pk}"] = forms.CharField(
                max_length=120, required=False, label=f"{kind} version: {c.name}",
                initial=versions.get(str(c.pk), ""))
        if scope is not None:
            self.initial.update({"version": scope.version, "system_version": scope.system_version,
                                 "period_start": scope.period_start, "period_end": scope.period_end})

    def values(self) -> dict:
        d = self.cleaned_data
        return {"system_version": d["system_version"], "period_start": d["period_start"],
                "period_end": d["period_end"],
                "component_versions": {str(c.pk): d[f"component_{c.pk}"] for c in self.components}}

    def add_service_error(self, name: str, messages: list[str]) -> None:
        head, _, key = name.partition(".")
        if head == "component_versions" and f"component_{key}" in self.fields:
            name = f"component_{key}"
        super().add_service_error(name, messages)


class GovernanceEvidenceForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    ref = forms.ChoiceField(label="AI RMF subcategory", choices=[(r, r) for r in ORG_CHECKLIST])
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=8000,
                                help_text="What the organisation does for this subcategory (policy, role, "
                                          "training, engagement, metric), in a few sentences.")
    evidence_links = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                     label="Evidence links", help_text="One http(s) URL per line.")
    review_date = forms.DateField(required=False, widget=DATE_WIDGET,
                                  help_text="After this date the entry no longer counts as evidence.")

    def __init__(self, *args, evidence: GovernanceEvidence | None = None, taken=(), **kwargs):
        super().__init__(*args, **kwargs)
        if evidence is not None:
            self.initial.update({"version": evidence.version, "ref": evidence.ref, "statement": evidence.statement,
                                 "evidence_links": "\n".join(evidence.evidence_links or []),
                                 "review_date": evidence.review_date})
        else:
            free = [r for r in ORG_CHECKLIST if r not in set(taken)]
            self.fields["ref"].choices = [(r, r) for r in free] or self.fields["ref"].choices

    def values(self) -> dict:
        d = self.cleaned_data
        return {"ref": d["ref"], "statement": d["statement"], "review_date": d["review_date"],
                "evidence_links": [line for line in d["evidence_links"].splitlines() if line.strip()]}
