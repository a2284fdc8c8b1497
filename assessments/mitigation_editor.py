"""The one mitigation editor of every page (the register's mitigation pages and the workshop's cards): one
form class, its searchable risk picker, and the one helper that runs the service for the form.

Statuses come from `MitigationStatus` (the model's choices, the current one and those it can move to);
the picker offers the risks a person has triaged (open, mitigating), never an untriaged suggestion,
each shown with its component and status.
"""

from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model

from catalog.models import ControlTemplate
from threatmodel.forms import ServiceErrorsMixin

from . import services
from .forms import DATE_WIDGET, members_queryset
from .models import RISK_ACTIVE, ControlKind, Mitigation, MitigationStatus, Risk

CUSTOM = "custom"


@dataclass(frozen=True)
class RiskChoice:
    """A risk as the picker lists it: its title, where it is and its status (`str` is the plain label)."""

    title: str
    where: str
    status: str

    def __str__(self) -> str:
        return f"{self.title} — {self.where} · {self.status}"


class RiskPicker(forms.CheckboxSelectMultiple):
    """A checkbox list with a text filter (the filter appears with JavaScript; without it, a plain list)."""

    picker = True


def risk_candidates(system, *, keep=()) -> list[Risk]:
    """The risks a mitigation can address: triaged and still active, plus those in `keep` (already linked,
    or the risk being mitigated) whatever their status."""
    keep = {getattr(r, "pk", r) for r in keep}
    risks = Risk.objects.filter(system=system).select_related("component", "template").order_by("id")
    return [r for r in risks if r.status in RISK_ACTIVE or r.pk in keep]


def _risk_choice(r: Risk) -> RiskChoice:
    where = r.component.name if r.component_id and r.component else "whole system"
    ref = f"{r.template.ref} " if r.template_id else ""
    return RiskChoice(f"{ref}{r.title}", where, r.get_status_display())


class MitigationForm(ServiceErrorsMixin, forms.Form):
    """A new mitigation (`source`: a catalog control, one the team already has, or one written here) or an
    existing one edited (fields, status with its reason, evidence and risks in one write).

    From a risk (`risk`), the controls offered are the ones suggested for its threat and the team's own
    mitigations can be linked; otherwise every catalog control is offered.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    source = forms.ChoiceField(label="Mitigation")
    title = forms.CharField(max_length=300, required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    kind = forms.ChoiceField(choices=ControlKind.choices, required=False,
                             help_text="Preventive lowers the residual likelihood; detective and corrective lower "
                                       "the residual impact.")
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False, empty_label="Nobody yet")
    due = forms.DateField(required=False, widget=DATE_WIDGET)
    status = forms.ChoiceField(label="Status")
    status_reason = forms.CharField(label="Reason (needed to reject)", required=False)
    evidence = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                               help_text="What shows it works (needed to mark it verified).")
    evidence_links = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                     help_text="One http(s) link per line.")
    risks = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=RiskPicker,
                                           label="Addresses these risks",
                                           help_text="Type to filter by title, component or status.")
    field_aliases = {"control": "source"}

    def __init__(self, data=None, *, system, mitigation: Mitigation | None = None, risk: Risk | None = None,
                 candidates=None, **kwargs):
        super().__init__(data, **kwargs)
        self.system, self.mitigation, self.risk = system, mitigation, risk
        self.existing: dict[int, Mitigation] = {}
        self.fields["owner"].queryset = members_queryset(system.team)
        linked = [r.pk for r in (getattr(mitigation, "risk_list", None) or mitigation.risks.all())] \
            if mitigation is not None else []
        if candidates is None:
            candidates = risk_candidates(system, keep=[*linked, *([risk.pk] if risk else [])])
        self.fields["risks"].choices = [(r.pk, _risk_choice(r)) for r in candidates]
        if mitigation is None:
            self._new(risk)
        else:
            self._edit(mitigation, linked)

    def _new(self, risk) -> None:
        for name in ("status", "status_reason", "version"):
            del self.fields[name]
        self.fields["kind"].choices = [("", "The control's (preventive for your own)"), *ControlKind.choices]
        self.initial.setdefault("kind", "")
        if risk is not None:
            self.fields["source"].choices = self._from_risk(risk)
            self.fields["source"].widget = forms.RadioSelect(choices=self.fields["source"].choices)
            self.fields["title"].label = "Title (for your own mitigation)"
            self.fields["kind"].label = "Kind (for your own mitigation)"
            self.initial.setdefault("risks", [risk.pk])
        else:
            controls = ControlTemplate.objects.filter(retired=False).order_by("ref")
            self.fields["source"].choices = [(CUSTOM, "Write my own"),
                                             *[(f"control:{c.ref}", f"{c.ref} · {c.title}") for c in controls]]
            self.fields["source"].help_text = ("From the catalog: title, description and kind default to the "
                                               "control's.")
        self.initial.setdefault("source", self.fields["source"].choices[0][0])

    def _from_risk(self, risk) -> list[tuple[str, str]]:
        controls = list(risk.template.controls.filter(retired=False).order_by("ref")) if risk.template_id else []
        mitigations = (Mitigation.objects.filter(system=self.system).exclude(status=MitigationStatus.REJECTED)
                       .select_related("control").order_by("id"))
        self.existing = {m.pk: m for m in mitigations}
        in_use = {m.control_id: m for m in self.existing.values() if m.control_id}
        choices, shown = [], set()
        for c in controls:  # a suggested control the team already has is linked, not added twice
            have = in_use.get(c.pk)
            if have is not None:
                shown.add(have.pk)
                choices.append((f"existing:{have.pk}", f"{c.ref} · {c.title} (the team has it: link it)"))
            else:
                choices.append((f"control:{c.ref}", f"{c.ref} · {c.title}"))
        choices += [(f"existing:{m.pk}", f"Existing: {m.title}") for m in self.existing.values() if m.pk not in shown]
        return [*choices, (CUSTOM, "Write my own")]

    def _edit(self, m: Mitigation, linked: list[int]) -> None:
        del self.fields["source"]
        self.fields["title"].required = True
        allowed = {m.status, *m.allowed_transitions()}
        self.fields["status"].choices = [(v, label) for v, label in MitigationStatus.choices if v in allowed]
        self.initial.update({
            "version": m.version, "title": m.title, "description": m.description, "kind": m.kind,
            "owner": m.owner_id, "due": m.due, "status": m.status, "status_reason": m.status_reason,
            "evidence": m.evidence, "evidence_links": "\n".join(m.evidence_links or []), "risks": linked})

    def clean(self):
        data = super().clean()
        if self.mitigation is None:
            if data.get("source") == CUSTOM and not (data.get("title") or "").strip():
                self.add_error("title", "Give your mitigation a title.")
        elif data.get("status") == MitigationStatus.REJECTED and self.mitigation.status != MitigationStatus.REJECTED \
                and not (data.get("status_reason") or "").strip():
            self.add_error("status_reason", "Give the reason for rejecting this mitigation.")
        return data


FIELDS = ("title", "description", "kind", "owner", "due", "evidence", "evidence_links")


def save_mitigation(form: MitigationForm, *, actor) -> Mitigation:
    """Run the service for a valid mitigation form, as one write: create, link an existing mitigation (under its
    lock, so a link made meanwhile is kept), or apply the whole edit with its status change."""
    d = form.cleaned_data
    risks = sorted(set(d.get("risks") or ()) | ({form.risk.pk} if form.risk is not None else set()))
    if form.mitigation is not None:
        changes = {name: d[name] for name in FIELDS if name != "kind" or d[name]}
        changes["risks"] = risks
        if d["status"] != form.mitigation.status:
            changes.update(status=d["status"], status_reason=d["status_reason"])
        return services.mitigation_apply(actor=actor, mitigation=form.mitigation, changes=changes,
                                         expected_version=d["version"])
    source = d["source"]
    if source.startswith("existing:"):
        mitigation = form.existing[int(source.split(":", 1)[1])]
        changes = {"link_risks": risks, **{k: d[k] for k in ("owner", "due") if d[k] is not None}}
        return services.mitigation_apply(actor=actor, mitigation=mitigation, changes=changes,
                                         expected_version=mitigation.version)
    control = source.split(":", 1)[1] if source.startswith("control:") else None
    return services.mitigation_create(
        actor=actor, system=form.system, control=control, title=d["title"], description=d["description"],
        kind=d["kind"] or None, owner=d["owner"], due=d["due"],
        evidence=d["evidence"], evidence_links=d["evidence_links"], risks=risks)
