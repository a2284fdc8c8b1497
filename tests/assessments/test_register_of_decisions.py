"""The register counts what a person decided: suggestions are "awaiting triage", never in a total, a heat
map, an export, the dashboard's bands or a report; dismissed risks are shown apart."""

import csv
import io

import pytest
from django.urls import reverse

from assessments import scoring, selectors, services
from assessments.models import Risk, RiskStatus
from assessments.privacy.selectors import privacy_risks
from assessments.reports.content.assurance import assurance_content
from assessments.reports.coverage import RiskFacts, item_coverage

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(system, contributor):
    """The support system after a short triage: two accepted (open), one closed, one dismissed."""
    suggestions = list(Risk.objects.filter(system=system, status=RiskStatus.SUGGESTED).order_by("id"))
    assert len(suggestions) >= 6
    opened = [services.risk_transition(actor=contributor, risk=r, status="open") for r in suggestions[:3]]
    closed = services.risk_transition(actor=contributor, risk=opened[2], status="closed")
    dismissed = services.risk_transition(actor=contributor, risk=suggestions[3], status="dismissed",
                                         reason="Not exposed here")
    return {"open": opened[:2], "closed": closed, "dismissed": dismissed,
            "awaiting": Risk.objects.filter(system=system, status=RiskStatus.SUGGESTED).count()}


def _heat_total(rows) -> int:
    return sum(cell["count"] for row in rows for cell in row["cells"])


def test_register_counts_leave_suggestions_out(system, decided, contributor):
    counts = selectors.register_counts(Risk.objects.filter(system=system), scoring.matrix_for(system.team))
    assert counts["total"] == 3  # two open + one closed: what the team decided and kept
    assert counts["dismissed"] == 1 and counts["awaiting_triage"] == decided["awaiting"] > 0
    assert sum(counts["by_band"].values()) == 3
    assert _heat_total(counts["heat"]) == 3 and _heat_total(counts["residual_heat"]) == 3
    assert "suggested" not in counts["by_status"]


def test_register_page_lists_triaged_risks_and_links_the_rest(login, system, decided, contributor):
    response = login(contributor).get(reverse("system_register", args=[system.pk]))
    shown = {r.pk for r in response.context["risks"]}
    assert shown == {*(r.pk for r in decided["open"]), decided["closed"].pk, decided["dismissed"].pk}
    html = response.content.decode()
    assert f"{decided['awaiting']} awaiting triage" in html
    assert reverse("workshop", args=[system.pk]) + "#suggestions" in html
    assert "1 dismissed" in html
    suggested_filter = login(contributor).get(reverse("system_register", args=[system.pk]), {"status": "suggested"})
    assert not [r for r in suggested_filter.context["risks"] if r.status == "suggested"]


def test_team_register_names_the_systems_awaiting_triage(login, system, decided, contributor, team):
    html = login(contributor).get(reverse("team_register", args=[team.slug])).content.decode()
    assert f"{system.name}: {decided['awaiting']} awaiting triage" in html


def test_exports_hold_only_triaged_risks(login, system, decided, contributor, team):
    client = login(contributor)
    for url in (reverse("system_register_export", args=[system.pk, "csv"]),
                reverse("team_register_export", args=[team.slug, "csv"])):
        body = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(body)))
        ids = {int(r[0]) for r in rows[1:]}
        assert ids == {*(r.pk for r in decided["open"]), decided["closed"].pk, decided["dismissed"].pk}, url


def test_dashboard_bands_count_decided_risks_and_link_the_suggestions(login, system, decided, contributor):
    response = login(contributor).get(reverse("dashboard"))
    row = next(r for r in response.context["system_rows"] if r.system.pk == system.pk)
    assert sum(row.bands.values()) == 2 and row.suggestions == decided["awaiting"]
    assert f'#suggestions">{decided["awaiting"]} awaiting triage</a>' in response.content.decode()


def test_assurance_report_counts_only_triaged_risks(system, decided):
    content = assurance_content(system)
    register = content["register"]
    assert register["total"] == 4 and register["active"] == 2  # open x2, closed, dismissed; active = open
    assert register["awaiting_triage"] == decided["awaiting"]
    assert all(row["status"] != "suggested" for row in content["risks"])
    assert _heat_total(register["heat_inherent"]) == 2
    assert "suggested" not in {s["status"] for s in register["by_status"]}


def test_privacy_report_risks_leave_suggestions_out(system, contributor):
    privacy = list(Risk.objects.filter(system=system, template__privacy_relevant=True))
    assert privacy, "the support system has privacy-relevant suggestions"
    assert privacy_risks(system) == []
    accepted = services.risk_transition(actor=contributor, risk=privacy[0], status="open")
    assert [r.pk for r in privacy_risks(system)] == [accepted.pk]


def test_coverage_does_not_count_a_suggestion_as_a_gap():
    item = frozenset({("NIST-AI-RMF", "MEASURE 2.7")})
    only_suggested = [RiskFacts(1, "suggested", "", item, ())]
    assert item_coverage(only_suggested, "NIST-AI-RMF", ["MEASURE 2.7"])["MEASURE 2.7"]["risks"] == 0
