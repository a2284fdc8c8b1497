"""The team dashboard: systems with their open risks by band, my open mitigations, overdue items,
expiring risk acceptances and systems with new catalog threats since their last review.

A fixed number of queries, whatever the number of systems, risks and mitigations.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, F
from django.utils import timezone

from threatmodel import selectors as tm_selectors
from threatmodel.models import AISystem

from .. import scoring
from .. import selectors as register_selectors
from ..models import MITIGATION_DONE, Mitigation, Risk, RiskStatus, Treatment

ACCEPTANCE_HORIZON = timedelta(days=30)
LIST_LIMIT = 50


@dataclass
class SystemRow:
    system: AISystem
    bands: dict = field(default_factory=lambda: dict.fromkeys(scoring.BANDS, 0))
    suggestions: int = 0
    new_threats: int = 0

    @property
    def band_list(self) -> list[dict]:
        return [{"band": b, "label": scoring.BAND_LABELS[b], "count": self.bands[b]} for b in reversed(scoring.BANDS)]


def dashboard_data(user) -> dict:
    team_ids = tm_selectors.team_ids_for(user)
    today = timezone.localdate()
    systems = list(AISystem.objects.filter(team_id__in=team_ids).select_related("team")
                   .annotate(component_count=Count("components", distinct=True)).order_by("team__name", "name"))
    rows = {s.pk: SystemRow(s) for s in systems}
    matrices = {}
    counts = (Risk.objects.filter(system__team_id__in=team_ids,
                                  status__in=(RiskStatus.SUGGESTED, RiskStatus.OPEN, RiskStatus.MITIGATING))
              .values("system_id", "status", "likelihood", "impact").annotate(n=Count("id")).order_by())
    for c in counts:
        row = rows.get(c["system_id"])
        if row is None:
            continue
        if c["status"] == RiskStatus.SUGGESTED:
            row.suggestions += c["n"]
            continue
        team = row.system.team
        matrix = matrices.setdefault(team.pk, scoring.matrix_for(team))
        row.bands[scoring.band(c["likelihood"], c["impact"], matrix)] += c["n"]
    for system_id, n in register_selectors.new_since_review_by_system(rows).items():
        rows[system_id].new_threats = n

    scope = {"system__team_id__in": team_ids}
    my_mitigations = list(
        Mitigation.objects.filter(owner=user, **scope).exclude(status__in=MITIGATION_DONE)
        .select_related("system").order_by(F("due").asc(nulls_last=True), "id")[:LIST_LIMIT])
    overdue_risks = list(
        Risk.objects.filter(status__in=(RiskStatus.OPEN, RiskStatus.MITIGATING), due__lt=today, **scope)
        .exclude(treatment=Treatment.ACCEPT).select_related("system", "owner").order_by("due", "id")[:LIST_LIMIT])
    overdue_mitigations = list(
        Mitigation.objects.filter(register_selectors.overdue_mitigation_q(today), **scope)
        .select_related("system", "owner").order_by("due", "id")[:LIST_LIMIT])
    acceptances = list(
        Risk.objects.filter(treatment=Treatment.ACCEPT, acceptance_review_date__lte=today + ACCEPTANCE_HORIZON,
                            status__in=(RiskStatus.OPEN, RiskStatus.MITIGATING), **scope)
        .select_related("system", "owner").order_by("acceptance_review_date", "id")[:LIST_LIMIT])
    system_rows = [rows[s.pk] for s in systems]
    return {
        "system_rows": system_rows,
        "my_mitigations": my_mitigations,
        "overdue_risks": overdue_risks,
        "overdue_mitigations": overdue_mitigations,
        "acceptances": acceptances,
        "new_threat_rows": [r for r in system_rows if r.new_threats],
        "today": today,
        "totals": {b: sum(r.bands[b] for r in system_rows) for b in scoring.BANDS},
    }
