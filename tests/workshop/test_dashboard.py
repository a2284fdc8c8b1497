"""The team dashboard: systems with open risks by band, my open mitigations, overdue items, expiring
acceptances and new catalog threats; a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Risk, SystemReviewState
from threatmodel.models import Role

from ..factories import big_system, member
from .helpers import suggestion

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def test_dashboard_shows_what_needs_attention(login, team, contributor, rag):
    approver = member(team, Role.OWNER, username="approver")
    a = suggestion(rag, "AI-IN-001")
    b = suggestion(rag, "AI-IN-002")
    services.risk_transition(actor=contributor, risk=a, status="open")
    services.risk_transition(actor=contributor, risk=b, status="open")
    a.refresh_from_db()
    b.refresh_from_db()
    services.risk_update(actor=contributor, risk=a, likelihood=5, impact=5, due=days(-3), owner=contributor)
    # b's suggested score depends on the context (internet-facing raises it); pin it below critical
    services.risk_update(actor=contributor, risk=b, owner=contributor, likelihood=3, impact=3)
    b.refresh_from_db()
    services.risk_accept(actor=approver, risk=b, review_date=days(10), reason="Low exposure")
    services.mitigation_create(actor=contributor, system=rag, title="Mine, late", owner=contributor, due=days(-1),
                               risks=[a.pk])
    SystemReviewState.objects.update_or_create(system=rag, defaults={"new_risk_ids": [a.pk, b.pk]})

    html = login(contributor).get(reverse("dashboard")).content.decode()
    assert reverse("workshop", args=[rag.pk]) in html
    assert "1 critical" in html  # a: 5 x 5
    assert "Mine, late" in html and "overdue" in html
    assert a.title in html  # an overdue risk
    assert b.title in html and "Risk acceptances expiring" in html
    assert "2 new threats" in html
    suggested = Risk.objects.filter(system=rag, status="suggested").count()
    assert f"{suggested} suggestions" in html


def test_dashboard_of_another_team_shows_nothing(login, outsider, rag):
    html = login(outsider).get(reverse("dashboard")).content.decode()
    assert rag.name not in html


def test_dashboard_query_count_is_constant(login, team, contributor, catalog):
    client = login(contributor)
    big_system(team, contributor, components=4, seed=3, name="One", accept=3, dismiss=1, mitigate=1, custom=1)
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("dashboard"))
    for seed in (4, 5):
        big_system(team, contributor, components=12, seed=seed, name=f"More {seed}", accept=10, dismiss=2,
                   mitigate=3, custom=2)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
