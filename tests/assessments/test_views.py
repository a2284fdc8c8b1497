"""Register pages: scoping, filters, forms through the services, history, and query counts."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Mitigation, Review, Risk, RiskStatus
from catalog.models import FrameworkItem
from threatmodel.models import AuditEvent, Role

from ..factories import custom_risk, in_days, member, open_suggestions

pytestmark = pytest.mark.django_db


def ids_in(response) -> list[int]:
    return [r.pk for r in response.context["risks"]]


def test_anonymous_users_go_to_the_login(client, system):
    response = client.get(reverse("system_register", args=[system.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_teams_register_and_risks_are_404(login, system, outsider):
    client = login(outsider)
    risk = Risk.objects.filter(system=system).first()
    mitigation = services.mitigation_create(actor=None, system=system, title="M")
    for url in (reverse("system_register", args=[system.pk]), reverse("team_register", args=[system.team.slug]),
                reverse("risk_detail", args=[risk.pk]), reverse("risk_history", args=[risk.pk]),
                reverse("mitigation_detail", args=[mitigation.pk]), reverse("system_reviews", args=[system.pk]),
                reverse("system_register_export", args=[system.pk, "csv"])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("risk_transition", args=[risk.pk]), {"status": "open"}).status_code == 404


def test_system_register_lists_the_risks_with_bands(login, system, contributor):
    open_suggestions(system, contributor)
    response = login(contributor).get(reverse("system_register", args=[system.pk]))
    assert response.status_code == 200
    assert len(ids_in(response)) == Risk.objects.filter(system=system).count()
    html = response.content.decode()
    assert "AI-IN-001" in html and "badge band-critical" in html and "Export XLSX" in html
    assert response.context["counts"]["total"] == len(ids_in(response))


def test_nav_has_a_register_link(login, contributor, team):
    response = login(contributor).get(reverse("register_home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("team_register", args=[team.slug])
    assert 'href="/register/"' in response.content.decode()


def test_filters(login, system, contributor, catalog):
    open_suggestions(system, contributor)
    client = login(contributor)
    url = reverse("system_register", args=[system.pk])
    everything = Risk.objects.filter(system=system)
    opened = everything.filter(template__ref="AI-IN-001").get()
    services.risk_transition(actor=contributor, risk=opened, status="mitigating")
    late = services.risk_update(actor=contributor, risk=everything.filter(template__ref="AI-MD-003").get(),
                                owner=contributor, due=in_days(-2))
    assert ids_in(client.get(url, {"status": "mitigating"})) == [opened.pk]
    assert ids_in(client.get(url, {"owner": contributor.username})) == [late.pk]
    assert ids_in(client.get(url, {"due": "overdue"})) == [late.pk]
    critical = ids_in(client.get(url, {"band": "critical"}))
    assert critical and all(Risk.objects.get(pk=pk).band == "critical" for pk in critical)
    chat = opened.component
    assert set(ids_in(client.get(url, {"component": chat.pk}))) == set(
        everything.filter(component=chat).values_list("pk", flat=True))
    item = FrameworkItem.objects.get(framework__key="OWASP-LLM-2025", ref="LLM01:2025")
    mapped = set(ids_in(client.get(url, {"framework_item": item.pk})))
    assert opened.pk in mapped and all(
        item in Risk.objects.get(pk=pk).mappings for pk in mapped)
    custom = custom_risk(system, contributor, title="Hand-mapped", mappings=["OWASP-LLM-2025:LLM01:2025"])
    assert custom.pk in ids_in(client.get(url, {"framework_item": item.pk}))
    scores = [r.score for r in client.get(url, {"sort": "score"}).context["risks"]]
    assert scores == sorted(scores, reverse=True)
    dues = [r.due for r in client.get(url, {"sort": "due"}).context["risks"]]
    assert dues[0] == late.due
    assert ids_in(client.get(url, {"status": "closed"})) == []
    assert client.get(url, {"band": "nonsense", "sort": "evil"}).status_code == 200  # bad filters are ignored


def test_team_register_filters_by_system(login, system, contributor, team):
    open_suggestions(system, contributor)
    other = services.risk_create(actor=contributor, system=__import__("tests.factories", fromlist=["x"]).make_system(
        team, contributor, name="Second"), title="Elsewhere")
    url = reverse("team_register", args=[team.slug])
    response = login(contributor).get(url)
    assert other.pk in ids_in(response) and len(ids_in(response)) == Risk.objects.filter(system__team=team).count()
    assert ids_in(login(contributor).get(url, {"system": other.system_id})) == [other.pk]


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_register_query_count_does_not_grow_with_the_number_of_risks(login, system, contributor, team):
    open_suggestions(system, contributor)
    client = login(contributor)
    url = reverse("system_register", args=[system.pk])
    team_url = reverse("team_register", args=[team.slug])
    before, before_team = _page_queries(client, url), _page_queries(client, team_url)
    m = services.mitigation_create(actor=contributor, system=system, title="Shared")
    for i in range(30):
        risk = custom_risk(system, contributor, title=f"Extra {i}", owner=contributor, due=in_days(i),
                           mappings=["NIST-AI-RMF:GOVERN 1.1"])
        services.mitigation_link(actor=contributor, mitigation=m, risks=[risk])
        services.external_ref_set(actor=contributor, target=risk, tracker="jira", external_id=str(i), key=f"S-{i}")
    assert _page_queries(client, url) == before
    assert _page_queries(client, team_url) == before_team
    assert _page_queries(client, url + "?sort=band&band=high&band=critical&owner=" + contributor.username) <= before


def test_custom_risk_page_creates_through_the_service(login, system, contributor):
    client = login(contributor)
    response = client.post(reverse("risk_create", args=[system.pk]), {
        "title": "Model card missing", "likelihood": "2", "impact": "3", "owner": contributor.username,
        "due": "2031-01-31", "treatment": "mitigate", "mappings": "NIST-AI-RMF:GOVERN 1.1\n"})
    risk = Risk.objects.get(title="Model card missing")
    assert response.status_code == 302 and response["Location"] == reverse("risk_detail", args=[risk.pk])
    assert risk.status == RiskStatus.OPEN and risk.due == datetime.date(2031, 1, 31)
    assert [i.ref for i in risk.mappings] == ["GOVERN 1.1"]


def test_invalid_input_is_shown_on_the_field_and_nothing_written(login, system, contributor):
    client = login(contributor)
    count, events = Risk.objects.count(), AuditEvent.objects.count()
    response = client.post(reverse("risk_create", args=[system.pk]), {
        "title": "X", "likelihood": "3", "impact": "3", "mappings": "NIST-AI-RMF:NOT A REF"})
    assert response.status_code == 200
    assert "is not a framework item" in str(response.context["form"].errors["mappings"])
    risk = Risk.objects.filter(system=system, template__ref="AI-IN-001").get()
    response = client.post(reverse("risk_transition", args=[risk.pk]),
                           {"status": "dismissed", "reason": "", "version": risk.version})
    assert "Give a reason" in str(response.context["transition_form"].errors["reason"])
    response = client.post(reverse("risk_detail", args=[risk.pk]), {
        "title": risk.title, "likelihood": "9", "impact": "3", "version": risk.version})
    assert "likelihood" in response.context["form"].errors
    assert Risk.objects.count() == count and AuditEvent.objects.count() == events
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.SUGGESTED


def test_edit_with_an_old_version_is_refused_and_kept_on_the_form(login, system, contributor):
    client = login(contributor)
    risk = Risk.objects.filter(system=system, template__ref="AI-IN-001").get()
    services.risk_update(actor=contributor, risk=risk, likelihood=1)
    response = client.post(reverse("risk_detail", args=[risk.pk]), {
        "title": "My title", "likelihood": "2", "impact": "2", "version": risk.version})
    assert response.status_code == 200
    assert "changed by someone else" in str(response.context["form"].non_field_errors())
    assert Risk.objects.get(pk=risk.pk).title == risk.title


def test_risk_page_actions(login, system, contributor, owner):
    risk = Risk.objects.filter(system=system, template__ref="AI-IN-001").get()
    client = login(contributor)
    page = client.get(reverse("risk_detail", args=[risk.pk]))
    assert page.status_code == 200 and "Controls the catalog suggests" in page.content.decode()
    control = page.context["suggested_controls"][0][0]
    client.post(reverse("risk_add_control", args=[risk.pk]), {"control": control.ref})
    mitigation = Mitigation.objects.get(system=system, control=control)
    assert list(mitigation.risks.all()) == [risk]
    client.post(reverse("risk_transition", args=[risk.pk]), {"status": "open", "version": ""})
    client.post(reverse("risk_detail", args=[risk.pk]), {
        "title": risk.title, "likelihood": risk.likelihood, "impact": risk.impact, "owner": contributor.username,
        "treatment": "mitigate", "version": ""})
    response = login(owner).post(reverse("risk_accept", args=[risk.pk]), {"review_date": str(in_days(60)),
                                                                           "reason": "ok"})
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.status == "open" and risk.treatment == "accept" and risk.accepted_by == owner
    response = client.post(reverse("risk_residual", args=[risk.pk]), {"likelihood": "1", "impact": "1",
                                                                       "reason": "WAF"})
    risk.refresh_from_db()
    assert response.status_code == 302 and risk.residual_overridden
    client.post(reverse("risk_residual", args=[risk.pk]), {"use_rule": "1"})
    risk.refresh_from_db()
    assert not risk.residual_overridden


def test_history_tab_shows_who_changed_what(login, system, contributor):
    risk = Risk.objects.filter(system=system, template__ref="AI-IN-001").get()
    services.risk_update(actor=contributor, risk=risk, owner=contributor, likelihood=2)
    response = login(contributor).get(reverse("risk_history", args=[risk.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "risk.updated" in html and "risk.suggested" in html and "the threat engine" in html
    first = response.context["events"][0]
    assert first["actor"] == contributor.username
    assert {"field": "owner", "old": "—", "new": contributor.username} in first["changes"]


def test_mitigation_pages(login, system, contributor):
    client = login(contributor)
    risk = Risk.objects.filter(system=system, template__ref="AI-IN-001").get()
    services.risk_transition(actor=contributor, risk=risk, status="open")  # the picker offers triaged risks only
    response = client.post(reverse("mitigation_create", args=[system.pk]), {
        "source": "control:CTL-001", "risks": [risk.pk], "owner": contributor.pk, "due": "2031-05-01"})
    m = Mitigation.objects.get(system=system, control__ref="CTL-001")
    assert response.status_code == 302 and m.title == m.control.title and list(m.risks.all()) == [risk]
    assert m.kind == m.control.kind and m.owner == contributor
    assert client.get(reverse("mitigation_list", args=[system.pk])).status_code == 200
    edit = {"title": m.title, "kind": m.kind, "owner": contributor.pk, "risks": [risk.pk], "version": m.version}
    response = client.post(reverse("mitigation_detail", args=[m.pk]), {**edit, "status": "rejected"})
    assert "status_reason" in response.context["form"].errors
    response = client.post(reverse("mitigation_detail", args=[m.pk]), {**edit, "status": "in_progress"})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == "in_progress"
    response = client.post(reverse("mitigation_detail", args=[m.pk]), {
        **edit, "title": "Injection filter", "evidence_links": "not a url", "status": "in_progress",
        "version": m.version})
    assert "evidence_links" in response.context["form"].errors
    assert client.get(reverse("mitigation_history", args=[m.pk])).status_code == 200


def test_sign_off_page(login, system, contributor, owner):
    url = reverse("system_reviews", args=[system.pk])
    login(contributor).post(url, {"role": "author", "decision": "signed", "comment": ""})
    response = login(contributor).post(url, {"role": "approver", "decision": "signed", "comment": ""})
    assert "someone other than the author" in str(response.context["form"].errors)
    login(owner).post(url, {"role": "approver", "decision": "signed", "comment": "ok"})
    assert list(Review.objects.filter(system=system).values_list("role", flat=True).order_by("id")) == [
        "author", "approver"]
    page = login(owner).get(url)
    assert page.context["current_hash"] in page.content.decode()


def test_viewers_read_but_cannot_write(login, system, viewer):
    client = login(viewer)
    risk = Risk.objects.filter(system=system).first()
    assert client.get(reverse("system_register", args=[system.pk])).status_code == 200
    page = client.get(reverse("risk_detail", args=[risk.pk]))
    assert page.status_code == 200 and "Change status" not in page.content.decode()
    assert client.post(reverse("risk_transition", args=[risk.pk]), {"status": "open"}).status_code == 403
    assert client.get(reverse("risk_create", args=[system.pk])).status_code == 403
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.SUGGESTED


def test_risk_matrix_page_for_owners(login, team, owner, contributor, system):
    url = reverse("risk_matrix", args=[team.slug])
    data = {f"cell_{li}_{im}": "critical" if li * im >= 15 else "low" for li in range(1, 6) for im in range(1, 6)}
    assert login(contributor).post(url, data).status_code == 403
    assert login(owner).post(url, data).status_code == 302
    team.refresh_from_db()
    assert team.risk_matrix[2][4] == "critical"
    bad = {**data, "cell_5_5": "low"}
    response = login(owner).post(url, bad)
    assert "cannot lower the band" in response.content.decode()
    assert login(owner).post(url, {"reset": "1"}).status_code == 302
    team.refresh_from_db()
    assert team.risk_matrix is None


def test_new_threats_banner_and_mark_reviewed(login, system, contributor):
    from assessments.models import SystemReviewState

    risk = Risk.objects.filter(system=system).first()
    SystemReviewState.objects.filter(system=system).update(new_risk_ids=[risk.pk])
    client = login(contributor)
    url = reverse("system_register", args=[system.pk])
    assert "1 new threat since your last review" in client.get(url).content.decode()
    team_page = client.get(reverse("team_register", args=[system.team.slug])).content.decode()
    assert "1 new threat since your last review" in team_page
    client.post(reverse("system_mark_reviewed", args=[system.pk]))
    assert "since your last review" not in client.get(url).content.decode()


def test_templates_have_no_inline_script_or_style():
    root = Path(settings.BASE_DIR) / "templates" / "assessments"
    for path in root.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\sstyle\s*=", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path


def test_member_outside_the_team_is_not_offered_as_owner(login, system, contributor, other_team):
    stranger = member(other_team, Role.OWNER)
    page = login(contributor).get(reverse("risk_create", args=[system.pk]))
    assert stranger.username not in page.content.decode()


def test_mitigation_statuses_are_the_same_on_the_register_and_in_the_workshop(login, system, contributor):
    """One editor on both pages: the statuses are the model's choices the mitigation can be in or move to."""
    from assessments.models import MITIGATION_TRANSITIONS, MitigationStatus

    mitigation = services.mitigation_create(actor=contributor, system=system, title="Filter prompts")
    mitigation = services.mitigation_transition(actor=contributor, mitigation=mitigation, status="in_progress")
    client = login(contributor)
    register = client.get(reverse("mitigation_detail", args=[mitigation.pk])).context["form"]
    workshop = client.get(reverse("workshop_mitigation_edit", args=[mitigation.pk]), HTTP_HX_REQUEST="true")
    workshop = workshop.context["form"]
    assert type(register) is type(workshop)
    offered = dict(register.fields["status"].choices)
    assert offered == dict(workshop.fields["status"].choices)
    labels = dict(MitigationStatus.choices)
    assert offered == {s: labels[s] for s in {"in_progress", *MITIGATION_TRANSITIONS["in_progress"]}}
    assert offered["implemented"] == "Implemented"
