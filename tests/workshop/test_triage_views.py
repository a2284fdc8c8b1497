"""Triage in the workshop: a threat on several components shown once, accept all, bulk dismiss, undo."""

from collections import Counter

import pytest
from django.urls import reverse

from assessments.models import Risk, RiskStatus
from threatmodel.models import AuditEvent

from .helpers import HX

pytestmark = pytest.mark.django_db


def repeated_threat(system):
    """A second input like the first one: its threats are suggested on both."""
    from assessments.resuggest import resuggest_system as reconcile_system
    from threatmodel import services as tm
    from threatmodel.models import Component

    first = Component.objects.filter(system=system, kind="input").order_by("id").first()
    tm.component_create(actor=None, system=system, kind="input", name="Second chat", answers=first.answers)
    reconcile_system(system.pk)
    counts = Counter(Risk.objects.filter(system=system, status=RiskStatus.SUGGESTED)
                     .values_list("template_id", flat=True))
    template_id, n = counts.most_common(1)[0]
    assert n >= 2, "the support system has a threat suggested on several components"
    return list(Risk.objects.filter(system=system, template_id=template_id, status=RiskStatus.SUGGESTED)
                .order_by("id"))


def test_a_threat_on_several_components_is_listed_once(login, contributor, rag):
    members = repeated_threat(rag)
    html = login(contributor).get(reverse("workshop", args=[rag.pk])).content.decode()
    suggestions = html.split('id="suggestions"', 1)[1].split("</section>", 1)[0]
    assert suggestions.count(f'<h4 id="risk-{members[0].pk}-title"') == 1
    assert f"Accept all {len(members)}" in suggestions and f"on {len(members)} components" in suggestions
    titles = Counter(r.title for r in Risk.objects.filter(system=rag, status=RiskStatus.SUGGESTED))
    for title in titles:  # no threat title is shown twice
        assert suggestions.count(f">{title}</h4>") == 1, title
    for r in members:
        assert f'name="risk" value="{r.pk}" form="bulk-form"' in suggestions


def test_accept_all_then_undo(login, contributor, rag):
    members = repeated_threat(rag)
    client = login(contributor)
    url = reverse("workshop_triage", args=[rag.pk])
    response = client.post(url, {"action": "accept", "risk": [r.pk for r in members]}, **HX)
    assert response.status_code == 200 and response["HX-Trigger"] == "workshop:refresh"
    assert f"Accepted {len(members)} suggestions." in response.content.decode() and "Undo" in response.content.decode()
    assert set(Risk.objects.filter(pk__in=[r.pk for r in members]).values_list("status", flat=True)) == {"open"}
    undo = client.post(reverse("workshop_triage_undo", args=[rag.pk]), **HX)
    assert undo.status_code == 200 and "back among the suggestions" in undo.content.decode()
    assert set(Risk.objects.filter(pk__in=[r.pk for r in members]).values_list("status", flat=True)) == {
        "suggested"}
    again = client.post(reverse("workshop_triage_undo", args=[rag.pk]), **HX)
    assert again.status_code == 422 and "nothing to undo" in again.content.decode()


def test_bulk_dismiss_needs_one_reason_and_is_all_or_nothing(login, contributor, viewer, rag):
    picked = list(Risk.objects.filter(system=rag, status=RiskStatus.SUGGESTED).order_by("id")[:3])
    client = login(contributor)
    url = reverse("workshop_triage", args=[rag.pk])
    refused = client.post(url, {"action": "dismiss", "risk": [r.pk for r in picked]}, **HX)
    assert refused.status_code == 422 and "Nothing was changed" in refused.content.decode()
    done = client.post(url, {"action": "dismiss", "reason": "Pilot only", "risk": [r.pk for r in picked]}, **HX)
    assert done.status_code == 200
    assert AuditEvent.objects.filter(action="risk.transitioned", object_id__in=[str(r.pk) for r in picked]).count() == 3
    assert login(viewer).post(url, {"action": "accept", "risk": [picked[0].pk]}, **HX).status_code == 403


def test_the_suggestion_list_has_a_filter_with_what_it_holds(login, contributor, rag):
    html = login(contributor).get(reverse("workshop", args=[rag.pk])).content.decode()
    suggestions = html.split('id="suggestions"', 1)[1].split("</section>", 1)[0]
    assert 'id="suggestion-filter"' in suggestions and 'role="search"' in suggestions
    assert '<option value="Customer chat">Customer chat</option>' in suggestions  # components present
    assert "data-refs=" in suggestions and "OWASP-LLM-2025 LLM01:2025" in suggestions
    assert 'data-score="' in suggestions and 'data-category="' in suggestions
