"""One FilterSet per listed model of the register, with one vocabulary for every surface: the API
(`?status=open,mitigating&owner=none`), the register pages and their exports read the same names and
values. A bad value is a 400 naming the parameter in the API (documented in the schema by
drf-spectacular); the pages ignore what they cannot read.

Risks:        system, component (id or `none`), status (several: `a,b` or repeated), owner (username or
              `none`), stale (true/false), treatment (value or `none`), due (overdue, soon, none),
              band (several; the team's risk matrix), framework_item (id), external (tracker:key), q (text)
Mitigations:  system, risk, status, owner, external
Ticket refs:  tracker, key, external_id
"""

from types import SimpleNamespace

import django_filters as df
from django import forms
from django.db.models import Q

from threatmodel.api.base import MAX_ID

from . import scoring
from .models import RISK_INACTIVE, ExternalRef, Mitigation, MitigationStatus, Risk, RiskStatus, Treatment
from .risk_q import due_soon_risk_q, framework_item_q, overdue_risk_q

TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no")


class _Several(forms.MultipleChoiceField):
    """Several values: repeated (`?status=a&status=b`) or comma-separated (`?status=a,b`)."""

    def to_python(self, value):
        return [v.strip() for item in super().to_python(value) for v in str(item).split(",") if v.strip()]


class SeveralFilter(df.MultipleChoiceFilter):
    field_class = _Several


class _Flag(forms.ChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs["choices"] = [(v, v) for v in ("", *TRUE, *FALSE)]
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        return str(value or "").strip().lower()


class FlagFilter(df.Filter):
    """true/false (1/0, yes/no): the API's booleans and the register's yes/no are one filter."""

    field_class = _Flag

    def filter(self, qs, value):
        if value in ("", None):
            return qs
        return qs.filter(**{self.field_name: value in TRUE})


def _external_q(raw: str) -> Q:
    tracker, sep, key = raw.partition(":")
    if not sep or not tracker.strip() or not key.strip():
        raise forms.ValidationError("Use tracker:key, e.g. jira:SEC-12.")
    tracker, key = tracker.strip().lower(), key.strip()
    return Q(tracker=tracker) & (Q(key=key) | Q(external_id=key))


class _External(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value:
            _external_q(value)
        return value


class _IdOrNone(forms.CharField):
    def clean(self, value):
        value = (super().clean(value) or "").strip()
        if value and value != "none" and not (value.isdigit() and 0 < int(value) <= MAX_ID):
            raise forms.ValidationError("An id, or none.")
        return value


class IdOrNoneFilter(df.CharFilter):
    field_class = _IdOrNone


class ExternalFilter(df.CharFilter):
    field_class = _External


class _RegisterFilterSet(df.FilterSet):
    system = df.NumberFilter(field_name="system_id", min_value=1, max_value=MAX_ID)
    owner = df.CharFilter(method="filter_owner", max_length=150, help_text="Username, or 'none'")
    external = ExternalFilter(method="filter_external", max_length=250,
                              help_text="tracker:key (or tracker:external_id), e.g. jira:SEC-12")
    kind = ""  # risk or mitigation: the side of an ExternalRef

    def filter_owner(self, qs, name, value):
        return qs.filter(owner__isnull=True) if value == "none" else qs.filter(owner__username=value)

    def filter_external(self, qs, name, value):
        refs = ExternalRef.objects.filter(_external_q(value), **{f"{self.kind}__isnull": False})
        return qs.filter(pk__in=refs.values(f"{self.kind}_id"))


class RiskFilterSet(_RegisterFilterSet):
    component = IdOrNoneFilter(method="filter_component", help_text="A component id, or 'none' (system-wide)")
    status = SeveralFilter(choices=RiskStatus.choices, help_text="One status or several, comma-separated")
    stale = FlagFilter(field_name="stale", help_text="true or false")
    treatment = df.ChoiceFilter(method="filter_treatment", empty_label=None,
                                choices=[("none", "Undecided"), *[c for c in Treatment.choices if c[0]]])
    due = df.ChoiceFilter(method="filter_due", empty_label=None,
                          choices=[("overdue", "Overdue"), ("soon", "Due within 7 days"), ("none", "No due date")])
    band = SeveralFilter(method="filter_band", choices=[(b, scoring.BAND_LABELS[b]) for b in scoring.BANDS],
                         help_text="Inherent score band(s), by the team's risk matrix")
    framework_item = df.NumberFilter(method="filter_framework_item", min_value=1, max_value=MAX_ID,
                                     help_text="A framework item id: risks mapped to it (template or by hand)")
    q = df.CharFilter(method="filter_q", max_length=200, help_text="Text in the title or description, or a "
                                                                     "threat's ref")
    kind = "risk"

    class Meta:
        model = Risk
        fields = ["system", "component", "status", "owner", "stale", "treatment", "due", "band", "framework_item",
                  "external", "q"]

    def filter_component(self, qs, name, value):
        return qs.filter(component__isnull=True) if value == "none" else qs.filter(component_id=int(value))

    def filter_treatment(self, qs, name, value):
        return qs.filter(treatment="" if value == "none" else value)

    def filter_due(self, qs, name, value):
        if value == "overdue":
            return qs.filter(overdue_risk_q())
        if value == "soon":
            return qs.filter(due_soon_risk_q())
        return qs.filter(due__isnull=True).exclude(status__in=RISK_INACTIVE)

    def filter_band(self, qs, name, value):
        if not value:
            return qs
        matrices = {}
        for team_id, team_matrix in qs.order_by().values_list("system__team_id", "system__team__risk_matrix"
                                                              ).distinct():
            matrices[team_id] = scoring.matrix_for(SimpleNamespace(risk_matrix=team_matrix))
        match = Q(pk__in=[])
        for team_id, matrix in matrices.items():
            for band in value:
                match |= Q(system__team_id=team_id) & scoring.band_q(band, matrix)
        return qs.filter(match)

    def filter_framework_item(self, qs, name, value):
        return qs.filter(framework_item_q(int(value)))

    def filter_q(self, qs, name, value):
        return qs.filter(Q(title__icontains=value) | Q(description__icontains=value) | Q(template__ref__iexact=value))


class MitigationFilterSet(_RegisterFilterSet):
    risk = df.NumberFilter(field_name="risks", min_value=1, max_value=MAX_ID, help_text="Mitigations of this risk")
    status = SeveralFilter(choices=MitigationStatus.choices, help_text="One status or several, comma-separated")
    kind = "mitigation"

    class Meta:
        model = Mitigation
        fields = ["system", "risk", "status", "owner", "external"]


class ExternalRefFilterSet(df.FilterSet):
    tracker = df.CharFilter(method="filter_tracker", max_length=40)
    key = df.CharFilter(field_name="key", max_length=200)
    external_id = df.CharFilter(field_name="external_id", max_length=200)

    class Meta:
        model = ExternalRef
        fields = ["tracker", "key", "external_id"]

    def filter_tracker(self, qs, name, value):
        return qs.filter(tracker=value.lower())
