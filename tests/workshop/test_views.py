"""The workshop page and its inline actions (htmx requests, and the same forms without JavaScript)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Mitigation, Risk, RiskStatus
from threatmodel.models import Component, Role

from ..factories import big_system, member
from .helpers import HX, suggestion

pytestmark = pytest.mark.django_db


def page(client, system, **params):
    return client.get(reverse("workshop", args=[system.pk]), params)


# --- the page -----------------------------------------------------------------------------------

def test_page_shows_lanes_suggestions_with_reasons_tags_and_heat_maps(login, contributor, rag):
    response = page(login(contributor), rag)
    assert response.status_code == 200
    html = response.content.decode()
    for lane in ("Inputs (2)", "Models (1)", "Outputs (1)"):
        assert lane in html
    assert 'class="diagram-svg diagram-h"' in html and 'class="diagram-svg diagram-v"' in html
    assert html.count('class="flow') >= 3  # the three flows of the support chatbot, drawn
    assert "Direct prompt injection by users" in html
    assert "Why it applies" in html and "customer chat" in html.lower()
    assert "OWASP LLM" in html and "LLM01:2025" in html
    assert "Inherent risk" in html and "Residual risk" in html
    assert "questions could add threats" in html or "question could add threats" in html
    assert 'id="live"' in html and "every 2s" in html


def test_page_has_no_inline_script_or_style(login, contributor, rag):
    html = page(login(contributor), rag).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script> would be blocked by the CSP"
    assert " style=" not in html and "<style" not in html
    assert "hx-on" not in html and "javascript:" not in html
    assert "/static/django_htmx/htmx-2.min.js" in html and "/static/js/workshop.js" in html
    assert "/static/css/workshop.css" in html


def test_every_form_control_has_a_label(login, contributor, rag):
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    htmls = [page(client, rag).content.decode()]
    for name in ("workshop_risk_edit", "workshop_risk_mitigate", "workshop_risk_dismiss"):
        htmls.append(client.get(reverse(name, args=[risk.pk]), **HX).content.decode())
    component = Component.objects.filter(system=rag).first()
    htmls.append(client.get(reverse("workshop_component", args=[component.pk]), **HX).content.decode())
    for html in htmls:
        ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
        labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
        in_labels = set(re.findall(r'<label[^>]*>\s*<input[^>]*\bid="([^"]+)"', html))
        hidden = set(re.findall(r'<input type="hidden"[^>]*\bid="([^"]+)"', html))
        missing = ids - labelled - in_labels - hidden
        assert not missing, missing


def test_viewer_reads_but_cannot_change(login, team, rag):
    viewer = member(team, Role.VIEWER)
    client = login(viewer)
    html = page(client, rag).content.decode()
    assert "Direct prompt injection by users" in html
    assert 'data-action="accept"' not in html and "+ Input" not in html
    risk = suggestion(rag, "AI-IN-001")
    response = client.post(reverse("workshop_risk_transition", args=[risk.pk]),
                           {"version": risk.version, "status": "open"}, **HX)
    assert response.status_code == 403
    risk.refresh_from_db()
    assert risk.status == RiskStatus.SUGGESTED
    component = Component.objects.filter(system=rag).first()
    form = client.get(reverse("workshop_component", args=[component.pk]), **HX).content.decode()
    assert "disabled" in form and 'type="submit"' not in form


def test_other_teams_get_404_everywhere(login, outsider, rag):
    client = login(outsider)
    risk = suggestion(rag, "AI-IN-001")
    component = Component.objects.filter(system=rag).first()
    gets = [reverse("workshop", args=[rag.pk]), reverse("workshop_live", args=[rag.pk]),
            reverse("workshop_risk", args=[risk.pk]), reverse("workshop_risk_edit", args=[risk.pk]),
            reverse("workshop_component", args=[component.pk])]
    for url in gets:
        assert client.get(url, **HX).status_code == 404, url
    posts = [reverse("workshop_risk_transition", args=[risk.pk]), reverse("workshop_presence", args=[rag.pk]),
             reverse("workshop_risk_new", args=[rag.pk]), reverse("workshop_component_new", args=[rag.pk])]
    for url in posts:
        assert client.post(url, {"version": 1, "status": "open"}, **HX).status_code == 404, url
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.SUGGESTED


def test_heat_map_cell_filters_the_register(login, contributor, rag):
    client = login(contributor)
    a = suggestion(rag, "AI-IN-001")
    b = suggestion(rag, "AI-IN-002")
    services.risk_transition(actor=contributor, risk=a, status="open")
    services.risk_transition(actor=contributor, risk=b, status="open")
    b.refresh_from_db()
    services.risk_update(actor=contributor, risk=b, likelihood=1, impact=1)
    a.refresh_from_db()
    html = page(client, rag, heat="inherent", l=a.likelihood, i=a.impact).content.decode()
    assert f'id="risk-{a.pk}"' in html
    card_b = re.search(rf'<article id="risk-{b.pk}"[^>]*>', html).group(0)
    assert "hidden" in card_b
    assert f"Showing 1 risk with inherent likelihood {a.likelihood}" in html


# --- query counts ---------------------------------------------------------------------------------

def count_queries(client, system) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = page(client, system)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_components_and_risks(login, team, contributor, catalog):
    client = login(contributor)
    small = big_system(team, contributor, components=4, seed=1, name="Small", accept=3, dismiss=1, mitigate=1,
                       custom=1)
    large = big_system(team, contributor, components=30, seed=2, name="Large", accept=30, dismiss=8, mitigate=8,
                       custom=4)
    assert Risk.objects.filter(system=large).count() > 4 * Risk.objects.filter(system=small).count()
    assert Mitigation.objects.filter(system=large).count() == 8
    page(client, small)  # warm the compiled catalog and the session
    queries = count_queries(client, small)
    assert count_queries(client, large) == queries, "the workshop page must not query per component or risk"
    assert queries <= 22


# --- the live poll --------------------------------------------------------------------------------

def test_unchanged_poll_is_304_with_one_query_of_its_own(login, contributor, rag):
    client = login(contributor)
    first = client.get(reverse("workshop_live", args=[rag.pk]))
    assert first.status_code == 200 and first["ETag"]
    assert 'hx-swap-oob="morph"' in first.content.decode()
    client.get(reverse("workshop_live", args=[rag.pk]), HTTP_IF_NONE_MATCH=first["ETag"])  # session warm
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(reverse("workshop_live", args=[rag.pk]), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "no-store"
    own = [q["sql"] for q in ctx.captured_queries if "django_session" not in q["sql"] and "auth_user" not in q["sql"]]
    assert len(own) == 1, own
    assert "UNION ALL" in own[0]


def test_poll_after_a_change_sends_only_the_changed_regions(login, team, contributor, rag):
    client = login(contributor)
    etag = client.get(reverse("workshop_live", args=[rag.pk]))["ETag"]
    other = member(team, Role.CONTRIBUTOR, username="second")
    chat = Component.objects.get(system=rag, name="Customer chat")
    from threatmodel import services as tm

    tm.component_update(actor=other, component=chat, name="Customer chat widget")
    changed = client.get(reverse("workshop_live", args=[rag.pk]), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    html = changed.content.decode()
    assert "Customer chat widget" in html and 'id="diagram"' in html and 'id="system-panel"' in html
    # someone only opening the page changes presence, nothing else
    etag = changed["ETag"]
    login_other = client.__class__()
    login_other.force_login(other)
    login_other.post(reverse("workshop_presence", args=[rag.pk]))
    presence = client.get(reverse("workshop_live", args=[rag.pk]), HTTP_IF_NONE_MATCH=etag).content.decode()
    assert 'id="presence"' in presence and "second" in presence
    assert 'id="diagram"' not in presence and 'id="suggestions"' not in presence


def test_register_change_moves_the_etag(login, contributor, rag):
    client = login(contributor)
    etag = client.get(reverse("workshop_live", args=[rag.pk]))["ETag"]
    risk = suggestion(rag, "AI-IN-001")
    services.risk_transition(actor=contributor, risk=risk, status="open")
    response = client.get(reverse("workshop_live", args=[rag.pk]), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert 'id="register"' in response.content.decode() and 'id="system-panel"' not in response.content.decode()


def test_presence_heartbeat_and_leave(login, client, team, contributor, rag):
    from django.test import Client

    me = Client()
    me.force_login(contributor)
    other = member(team, Role.CONTRIBUTOR, username="colleague", first_name="Cole", last_name="League")
    watcher = login(other)
    assert "Cole League (you)" in page(watcher, rag).content.decode()  # I am on the page I am rendering
    assert me.post(reverse("workshop_presence", args=[rag.pk])).status_code == 204
    assert me.post(reverse("workshop_presence", args=[rag.pk])).status_code == 204  # one row, refreshed
    assert f"{contributor.username}</span>" in page(watcher, rag).content.decode()
    assert me.post(reverse("workshop_leave", args=[rag.pk])).status_code == 204
    assert f"{contributor.username}</span>" not in page(watcher, rag).content.decode()
